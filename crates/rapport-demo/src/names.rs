//! The demo's small built-in vocabularies of names: first and last names and company-name
//! parts in German, French, Greek and English flavours, trades, job titles, and the helpers
//! that turn names into e-mail domains and plausible misspellings.

use crate::places::Country;
use crate::rng::Rng;

/// The language a name is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    German,
    French,
    Greek,
    English,
}

const GERMAN_FIRST: &[&str] = &[
    "Anna",
    "Lukas",
    "Sophie",
    "Maximilian",
    "Katharina",
    "Jonas",
    "Lea",
    "Felix",
    "Julia",
    "Tobias",
    "Laura",
    "Stefan",
    "Miriam",
    "Jürgen",
    "Sabine",
    "Matthias",
    "Claudia",
    "Andreas",
    "Petra",
    "Florian",
    "Ursula",
    "Björn",
];
const GERMAN_LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Huber",
    "Gruber",
    "Steiner",
    "Brunner",
    "Weiß",
];
const FRENCH_FIRST: &[&str] = &[
    "Camille",
    "Julien",
    "Élodie",
    "Mathieu",
    "Chloé",
    "Nicolas",
    "Manon",
    "Thomas",
    "Céline",
    "Antoine",
    "Léa",
    "Pierre",
    "Juliette",
    "François",
    "Isabelle",
    "Hugo",
    "Amélie",
    "Olivier",
];
const FRENCH_LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
];
const GREEK_FIRST: &[&str] = &[
    "Giorgos",
    "Maria",
    "Dimitris",
    "Eleni",
    "Nikos",
    "Katerina",
    "Kostas",
    "Sofia",
    "Yannis",
    "Angeliki",
    "Panagiotis",
    "Despina",
    "Christos",
    "Vasiliki",
    "Alexandros",
    "Ioanna",
];
const GREEK_LAST: &[&str] = &[
    "Papadopoulos",
    "Papadakis",
    "Georgiou",
    "Nikolaou",
    "Vlachos",
    "Oikonomou",
    "Dimitriou",
    "Konstantinou",
    "Ioannou",
    "Alexiou",
    "Karagiannis",
    "Makris",
    "Antoniou",
    "Christodoulou",
    "Pappas",
    "Angelopoulos",
];
const ENGLISH_FIRST: &[&str] = &[
    "Oliver",
    "Emma",
    "James",
    "Charlotte",
    "Harry",
    "Olivia",
    "George",
    "Amelia",
    "Jack",
    "Emily",
    "William",
    "Sophie",
    "Thomas",
    "Grace",
    "Daniel",
    "Hannah",
];
const ENGLISH_LAST: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "O'Brien", "Green", "Hall", "Wood",
    "Jackson", "Clarke",
];

/// The first word of a company name, by flavour.
const STEMS: [&[&str]; 4] = [
    &[
        "Alpen", "Rhein", "Nord", "Berg", "Hansa", "Isar", "Donau", "Elbe", "Main", "Tannen", "Süd",
    ],
    &[
        "Atlantique",
        "Provence",
        "Lumière",
        "Seine",
        "Alpes",
        "Bretagne",
        "Loire",
        "Riviera",
    ],
    &[
        "Aegean",
        "Olympos",
        "Kriti",
        "Attiki",
        "Ionio",
        "Makedonia",
        "Delta",
        "Thalassa",
    ],
    &[
        "Thames",
        "Pennine",
        "Highland",
        "Kingsway",
        "Oakfield",
        "Riverside",
        "Northgate",
    ],
];

/// What a company does: its industry code and the word for it in each flavour.
pub const TRADES: &[(&str, [&str; 4])] = &[
    (
        "logistics",
        ["Logistik", "Transports", "Logistics", "Logistics"],
    ),
    (
        "construction",
        ["Bau", "Construction", "Kataskevastiki", "Builders"],
    ),
    (
        "engineering",
        ["Technik", "Ingénierie", "Techniki", "Engineering"],
    ),
    ("retail", ["Handel", "Distribution", "Emporiki", "Trading"]),
    ("media", ["Medien", "Médias", "Media", "Media"]),
    (
        "real_estate",
        ["Immobilien", "Immobilier", "Akinita", "Properties"],
    ),
    (
        "hospitality",
        ["Gastro", "Hôtellerie", "Touristiki", "Hospitality"],
    ),
    ("healthcare", ["Pflege", "Santé", "Iatriki", "Care"]),
    (
        "it_services",
        ["IT-Service", "Informatique", "Pliroforiki", "Digital"],
    ),
    (
        "manufacturing",
        ["Metallbau", "Industrie", "Viomichania", "Manufacturing"],
    ),
    ("agriculture", ["Agrar", "Agricole", "Georgiki", "Farms"]),
];

/// What partners do: car dealers, brokers, phone shops and estate agents who bring customers.
pub const PARTNER_TRADES: &[(&str, [&str; 4])] = &[
    (
        "automotive",
        ["Autohaus", "Automobiles", "Aftokinita", "Motors"],
    ),
    (
        "insurance_brokerage",
        [
            "Versicherungsmakler",
            "Courtage",
            "Asfalistiki",
            "Insurance Brokers",
        ],
    ),
    ("retail", ["Mobilfunk", "Téléphonie", "Kinita", "Mobile"]),
    (
        "real_estate",
        ["Immobilien", "Immobilier", "Akinita", "Estates"],
    ),
];

/// What suppliers do.
pub const SUPPLIER_TRADES: &[(&str, [&str; 4])] = &[
    (
        "electronics",
        ["Elektronik", "Électronique", "Ilektronika", "Electronics"],
    ),
    (
        "logistics",
        ["Logistik", "Transports", "Logistics", "Logistics"],
    ),
    (
        "it_services",
        ["IT-Service", "Informatique", "Pliroforiki", "Digital"],
    ),
    ("printing", ["Druck", "Imprimerie", "Ektyposeis", "Print"]),
    (
        "telecommunications",
        ["Telekom", "Télécom", "Tilepikoinonies", "Telecom"],
    ),
];

pub const JOB_TITLES: &[&str] = &[
    "Managing Director",
    "Chief Financial Officer",
    "Head of Purchasing",
    "Fleet Manager",
    "Office Manager",
    "IT Manager",
    "HR Manager",
    "Operations Manager",
    "Procurement Specialist",
    "Owner",
];

/// A flavour's lists of first and last names.
fn name_lists(flavour: Flavour) -> (&'static [&'static str], &'static [&'static str]) {
    match flavour {
        Flavour::German => (GERMAN_FIRST, GERMAN_LAST),
        Flavour::French => (FRENCH_FIRST, FRENCH_LAST),
        Flavour::Greek => (GREEK_FIRST, GREEK_LAST),
        Flavour::English => (ENGLISH_FIRST, ENGLISH_LAST),
    }
}

/// A first and a last name.
pub fn person_name(rng: &mut Rng, flavour: Flavour) -> (&'static str, &'static str) {
    let (first, last) = name_lists(flavour);
    (rng.pick(first), rng.pick(last))
}

/// A company name and its industry code from one of `trades` ([`TRADES`] for customers),
/// e.g. ("Alpen Logistik GmbH", "logistics").
pub fn company_name(
    rng: &mut Rng,
    country: &Country,
    flavour: Flavour,
    trades: &'static [(&'static str, [&'static str; 4])],
) -> (String, &'static str) {
    let slot = flavour as usize;
    let stem = rng.pick(STEMS[slot]);
    let (industry, words) = rng.pick(trades);
    let form = rng.pick(country.legal_forms);
    let name = match flavour {
        Flavour::French => format!("{} {stem} {form}", words[slot]),
        _ => format!("{stem} {} {form}", words[slot]),
    };
    (name, industry)
}

/// Lower-case ASCII for e-mail addresses and domains: umlauts spelled out, accents dropped,
/// anything else that is not a letter or digit removed.
pub fn ascii_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'à' | 'â' | 'á' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ô' | 'ó' => out.push('o'),
            'ù' | 'û' | 'ú' => out.push('u'),
            'ç' => out.push('c'),
            _ => {}
        }
    }
    out
}

/// The web domain of a company: its name without the legal form, e.g. `alpen-logistik.example`.
pub fn company_domain(name: &str, country: &Country) -> String {
    let base = country
        .legal_forms
        .iter()
        .filter_map(|form| name.strip_suffix(form)?.strip_suffix(' '))
        .min_by_key(|base| base.len())
        .unwrap_or(name);
    let words: Vec<String> = base
        .split_whitespace()
        .map(ascii_slug)
        .filter(|w| !w.is_empty())
        .collect();
    format!("{}.example", words.join("-"))
}

/// A plausible misspelling of a name: umlauts spelled out, or one letter doubled or dropped.
pub fn misspell(rng: &mut Rng, name: &str) -> String {
    for (from, to) in [
        ("ü", "ue"),
        ("ö", "oe"),
        ("ä", "ae"),
        ("ß", "ss"),
        ("é", "e"),
        ("è", "e"),
    ] {
        if name.contains(from) {
            return name.replacen(from, to, 1);
        }
    }
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < 4 {
        return format!("{name}e");
    }
    let at = rng.range(1, chars.len() as i64 - 2) as usize;
    let mut out: String = chars[..at].iter().collect();
    if rng.chance(0.5) {
        out.push(chars[at]);
        out.push(chars[at]);
    }
    out.extend(&chars[at + 1..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places::COUNTRIES;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(ascii_slug("Müller"), "mueller");
        assert_eq!(ascii_slug("Élodie"), "elodie");
        assert_eq!(ascii_slug("O'Brien"), "obrien");
        assert_eq!(
            company_domain("Alpen Logistik GmbH & Co. KG", &COUNTRIES[0]),
            "alpen-logistik.example"
        );
    }

    #[test]
    fn misspellings_differ() {
        let mut rng = Rng::new(5);
        for name in ["Müller", "Papadopoulos", "Smith", "Roux"] {
            assert_ne!(misspell(&mut rng, name), name);
        }
    }
}
