//! Where the company's customers live: countries with their share of customers, name
//! flavours, cities and area codes, dialling codes and legal forms, and phone numbers that are
//! unique by construction yet can be written in the several ways people type them.

use crate::names::Flavour;
use crate::rng::Rng;

/// A country the company sells in.
#[derive(Debug)]
pub struct Country {
    /// ISO 3166 alpha-2.
    pub code: &'static str,
    /// Share of the customer base.
    pub weight: f64,
    pub flavours: &'static [(Flavour, f64)],
    /// City and its area code.
    pub cities: &'static [(&'static str, &'static str)],
    pub dial: &'static str,
    /// Whether national numbers start with a trunk `0`.
    pub trunk_zero: bool,
    pub legal_forms: &'static [&'static str],
}

pub const COUNTRIES: &[Country] = &[
    Country {
        code: "DE",
        weight: 40.0,
        flavours: &[(Flavour::German, 1.0)],
        cities: &[
            ("Berlin", "30"),
            ("Hamburg", "40"),
            ("München", "89"),
            ("Köln", "221"),
            ("Frankfurt am Main", "69"),
            ("Stuttgart", "711"),
            ("Düsseldorf", "211"),
            ("Leipzig", "341"),
            ("Dresden", "351"),
            ("Hannover", "511"),
            ("Nürnberg", "911"),
            ("Bremen", "421"),
        ],
        dial: "49",
        trunk_zero: true,
        legal_forms: &["GmbH", "GmbH", "AG", "GmbH & Co. KG", "e.K."],
    },
    Country {
        code: "AT",
        weight: 12.0,
        flavours: &[(Flavour::German, 1.0)],
        cities: &[
            ("Wien", "1"),
            ("Graz", "316"),
            ("Linz", "732"),
            ("Salzburg", "662"),
            ("Innsbruck", "512"),
        ],
        dial: "43",
        trunk_zero: true,
        legal_forms: &["GmbH", "GmbH", "AG", "KG"],
    },
    Country {
        code: "CH",
        weight: 8.0,
        flavours: &[(Flavour::German, 0.65), (Flavour::French, 0.35)],
        cities: &[
            ("Zürich", "44"),
            ("Basel", "61"),
            ("Bern", "31"),
            ("Genève", "22"),
            ("Lausanne", "21"),
            ("Luzern", "41"),
        ],
        dial: "41",
        trunk_zero: true,
        legal_forms: &["AG", "GmbH", "SA", "Sàrl"],
    },
    Country {
        code: "FR",
        weight: 18.0,
        flavours: &[(Flavour::French, 1.0)],
        cities: &[
            ("Paris", "1"),
            ("Lyon", "4"),
            ("Marseille", "4"),
            ("Toulouse", "5"),
            ("Bordeaux", "5"),
            ("Lille", "3"),
            ("Nantes", "2"),
            ("Strasbourg", "3"),
        ],
        dial: "33",
        trunk_zero: true,
        legal_forms: &["SARL", "SAS", "SA", "SAS"],
    },
    Country {
        code: "GR",
        weight: 12.0,
        flavours: &[(Flavour::Greek, 1.0)],
        cities: &[
            ("Athina", "210"),
            ("Thessaloniki", "2310"),
            ("Patra", "2610"),
            ("Irakleio", "2810"),
            ("Larisa", "2410"),
            ("Volos", "24210"),
        ],
        dial: "30",
        trunk_zero: false,
        legal_forms: &["A.E.", "E.P.E.", "I.K.E.", "O.E."],
    },
    Country {
        code: "GB",
        weight: 10.0,
        flavours: &[(Flavour::English, 1.0)],
        cities: &[
            ("London", "20"),
            ("Manchester", "161"),
            ("Birmingham", "121"),
            ("Leeds", "113"),
            ("Bristol", "117"),
            ("Edinburgh", "131"),
            ("Glasgow", "141"),
        ],
        dial: "44",
        trunk_zero: true,
        legal_forms: &["Ltd", "Ltd", "PLC", "LLP"],
    },
];

/// A country chosen by its share of customers.
pub fn country(rng: &mut Rng) -> &'static Country {
    let weights: Vec<f64> = COUNTRIES.iter().map(|c| c.weight).collect();
    &COUNTRIES[rng.weighted(&weights)]
}

/// A flavour that fits `country`.
pub fn flavour(rng: &mut Rng, country: &Country) -> Flavour {
    rng.weighted_by(country.flavours, |f| f.1).0
}

/// A phone number in international form whose seven-digit subscriber part is unique for each
/// `serial` (the multiplier is coprime with 9·10⁶, so serials below 9·10⁶ never collide).
pub fn phone(rng: &mut Rng, country: &Country, area: &str, serial: u64) -> Phone {
    let subscriber = 1_000_000 + (serial % 9_000_000 * 7_654_321 + 3_141_593) % 9_000_000;
    let lead = if country.code == "FR" {
        rng.range(1, 9).to_string()
    } else {
        String::new()
    };
    Phone {
        dial: country.dial,
        trunk_zero: country.trunk_zero,
        area: area.to_string(),
        number: format!("{lead}{subscriber:07}"),
    }
}

/// A phone number's parts, so the same number can be written in several ways.
#[derive(Debug, Clone)]
pub struct Phone {
    dial: &'static str,
    trunk_zero: bool,
    area: String,
    number: String,
}

impl Phone {
    /// The usual international form: `+49 30 1234567`.
    pub fn international(&self) -> String {
        format!("+{} {} {}", self.dial, self.area, self.number)
    }

    /// The same number as people also type it: `0049 30 1234567`, `030/1234567`, `+49301234567`.
    pub fn variant(&self, which: u64) -> String {
        match which % 3 {
            0 => format!("00{} {} {}", self.dial, self.area, self.number),
            1 if self.trunk_zero => format!("0{}/{}", self.area, self.number),
            1 => format!("{} {}", self.area, self.number),
            _ => format!("+{}{}{}", self.dial, self.area, self.number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_unique_and_variants_keep_the_digits() {
        let mut rng = Rng::new(3);
        let mut seen = std::collections::HashSet::new();
        for serial in 0..50_000 {
            let number = phone(&mut rng, &COUNTRIES[0], "30", serial);
            assert!(seen.insert(number.international()));
        }
        let number = phone(&mut rng, &COUNTRIES[0], "30", 1);
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let tail = |s: &str| digits(s)[digits(s).len() - 9..].to_string();
        for which in 0..3 {
            assert_eq!(tail(&number.international()), tail(&number.variant(which)));
        }
    }
}
