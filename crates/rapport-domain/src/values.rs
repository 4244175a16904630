//! Value types that outside data is parsed into: e-mail addresses, phone numbers, money,
//! survey scores, sentiment, external ids. Each has a `parse` that names what is wrong.

use serde::{Deserialize, Serialize};

use crate::{ParseError, SurveyKind};

/// A syntactically plausible e-mail address, trimmed; the domain part lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let bad = || ParseError::new(format!("'{s}' is not an e-mail address"));
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.len() > 64 || s.len() > 254 || !domain_ok {
            return Err(bad());
        }
        if local
            .chars()
            .any(|c| c.is_whitespace() || c == '@' || c.is_control())
        {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to find duplicates: all lower case, `+tags` and (for Gmail) dots removed.
    pub fn normalized(&self) -> String {
        let lower = self.0.to_lowercase();
        let (local, domain) = lower.rsplit_once('@').unwrap_or((&lower, ""));
        let local = local.split('+').next().unwrap_or(local);
        let local = if domain == "gmail.com" || domain == "googlemail.com" {
            local.replace('.', "")
        } else {
            local.to_string()
        };
        format!("{local}@{domain}")
    }
}

/// A phone number as typed (trimmed), with at least 5 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let allowed = |c: char| c.is_ascii_digit() || " +-./()".contains(c) || c == 'x';
        let digits = s.chars().filter(char::is_ascii_digit).count();
        if !(5..=20).contains(&digits) || !s.chars().all(allowed) {
            return Err(ParseError::new(format!("'{s}' is not a phone number")));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits only, with a leading `00` turned into the international form; used to match
    /// duplicates typed differently.
    pub fn normalized(&self) -> String {
        let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
        let digits = digits
            .strip_prefix("00")
            .map(str::to_string)
            .unwrap_or(digits);
        // The last 9 digits identify a number well enough across national/international forms.
        let skip = digits.len().saturating_sub(9);
        digits[skip..].to_string()
    }
}

/// An ISO 4217 currency code: three upper-case letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(ParseError::new(format!(
                "'{}' is not an ISO 4217 currency code (three letters, e.g. EUR)",
                input.trim()
            )));
        }
        Ok(Self([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217 minor unit).
    pub fn minor_digits(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money: integer minor units (cents) and a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Formats in major units with the currency's decimals, e.g. `12.50`.
    pub fn format_major(&self) -> String {
        format_minor(self.minor, self.currency.minor_digits())
    }
}

/// Formats minor units as a decimal number with `digits` decimals (`1250, 2` → `12.50`).
pub fn format_minor(minor: i64, digits: u32) -> String {
    if digits == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = scale as u64;
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

/// Parses a decimal amount in major units into minor units, exactly (no floating point).
/// Accepts `1234.5`, `1,234.50`, `-3`, `12,5` (decimal comma when there is no dot and exactly
/// one comma followed by one or two digits). More decimals than the currency has is an error.
pub fn parse_minor(input: &str, digits: u32) -> Result<i64, ParseError> {
    let raw = input.trim();
    let bad = |why: &str| ParseError::new(format!("'{raw}' is not an amount: {why}"));
    let mut s = raw.replace(['$', '€', '£', ' ', '\u{a0}', '\''], "");
    // Both separators: the last one is the decimal separator (1.234,50 or 1,234.50).
    if let (Some(dot), Some(comma)) = (s.rfind('.'), s.rfind(',')) {
        s = if comma > dot {
            s.replace('.', "").replace(',', ".")
        } else {
            s.replace(',', "")
        };
    }
    if !s.contains('.') && s.matches(',').count() == 1 {
        let after = s.rsplit(',').next().unwrap_or("");
        if !after.is_empty() && after.len() <= 2 {
            s = s.replace(',', ".");
        }
    }
    let s = s.replace(',', "");
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, s),
    };
    let (int_part, frac_part) = s.split_once('.').unwrap_or((&s, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad("no digits"));
    }
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad("unexpected characters"));
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > digits as usize {
        return Err(bad(&format!("more than {digits} decimals")));
    }
    let int: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad("too large"))?
    };
    let mut frac = frac_trimmed.to_string();
    while frac.len() < digits as usize {
        frac.push('0');
    }
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad("too large"))?
    };
    let value = int
        .checked_mul(10i64.pow(digits))
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(|| bad("too large"))?;
    Ok(if negative { -value } else { value })
}

/// How an interaction felt: −2 (very negative) to +2 (very positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Sentiment(i8);

impl Sentiment {
    pub fn new(value: i64) -> Result<Self, ParseError> {
        if (-2..=2).contains(&value) {
            Ok(Self(value as i8))
        } else {
            Err(ParseError::new(format!(
                "sentiment {value} is outside −2..+2"
            )))
        }
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().trim_start_matches('+');
        let value: i64 = s.parse().map_err(|_| {
            ParseError::new(format!("'{}' is not a sentiment (−2..+2)", input.trim()))
        })?;
        Self::new(value)
    }

    pub fn value(self) -> i8 {
        self.0
    }
}

impl TryFrom<i64> for Sentiment {
    type Error = ParseError;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        Sentiment::new(v)
    }
}

impl From<Sentiment> for i64 {
    fn from(s: Sentiment) -> i64 {
        s.0 as i64
    }
}

/// A survey answer: the instrument and a score inside that instrument's scale
/// (NPS 0–10, CSAT 1–5, CES 1–7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SurveyScore {
    kind: SurveyKind,
    score: u8,
}

impl SurveyScore {
    pub fn new(kind: SurveyKind, score: i64) -> Result<Self, ParseError> {
        let (lo, hi) = Self::range(kind);
        if score < lo as i64 || score > hi as i64 {
            return Err(ParseError::new(format!(
                "{} score {score} is outside {lo}–{hi}",
                kind.as_str().to_uppercase()
            )));
        }
        Ok(Self {
            kind,
            score: score as u8,
        })
    }

    pub fn parse(kind: SurveyKind, input: &str) -> Result<Self, ParseError> {
        let score: i64 = input.trim().parse().map_err(|_| {
            ParseError::new(format!("'{}' is not a whole-number score", input.trim()))
        })?;
        Self::new(kind, score)
    }

    /// The inclusive scale of an instrument.
    pub fn range(kind: SurveyKind) -> (u8, u8) {
        match kind {
            SurveyKind::Nps => (0, 10),
            SurveyKind::Csat => (1, 5),
            SurveyKind::Ces => (1, 7),
        }
    }

    pub fn kind(&self) -> SurveyKind {
        self.kind
    }

    pub fn score(&self) -> u8 {
        self.score
    }
}

/// An identifier given to a record by the system it came from (unique per org and entity).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new("external id is empty"));
        }
        if s.len() > 200 || s.chars().any(char::is_control) {
            return Err(ParseError::new(format!(
                "external id '{s}' is too long or holds control characters"
            )));
        }
        // "." and ".." cannot stand in a URL path (clients resolve them away).
        if s == "." || s == ".." {
            return Err(ParseError::new(format!("external id '{s}' is not usable")));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A non-empty, trimmed piece of text of bounded length (names, titles, labels).
pub fn parse_text(input: &str, max: usize) -> Result<String, ParseError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ParseError::new("is empty"));
    }
    if s.chars().count() > max {
        return Err(ParseError::new(format!("is longer than {max} characters")));
    }
    Ok(s.to_string())
}

/// A quantity of units: zero or more.
pub fn parse_quantity(input: &str) -> Result<i64, ParseError> {
    let s = input.trim();
    let value: f64 = s
        .parse()
        .map_err(|_| ParseError::new(format!("'{s}' is not a quantity")))?;
    if value < 0.0 {
        return Err(ParseError::new(format!("quantity {s} is negative")));
    }
    if value.fract() != 0.0 || value > 1e12 {
        return Err(ParseError::new(format!(
            "quantity {s} is not a whole number of units"
        )));
    }
    Ok(value as i64)
}

/// A two-letter ISO 3166 country code, upper-cased.
pub fn parse_country(input: &str) -> Result<String, ParseError> {
    let s = input.trim().to_uppercase();
    if s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(s)
    } else {
        Err(ParseError::new(format!(
            "'{}' is not a two-letter country code (ISO 3166, e.g. DE)",
            input.trim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_that_urls_cannot_carry_are_refused() {
        assert!(ExternalId::parse("C-1/2").is_ok());
        for bad in ["", " ", ".", "..", "a\u{0}b"] {
            assert!(ExternalId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ExternalId::parse(" ...").unwrap().as_str(), "...");
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "Ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let e = Email::parse("A.Nn+crm@GMail.com").unwrap();
        assert_eq!(e.normalized(), "ann@gmail.com");
    }

    #[test]
    fn phones_normalize_to_their_last_digits() {
        let a = Phone::parse("+49 30 1234567").unwrap();
        let b = Phone::parse("0049-30-1234567").unwrap();
        let c = Phone::parse("030 1234567").unwrap();
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(a.normalized(), c.normalized());
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("12").is_err());
    }

    fn check_minor(input: &str, digits: u32, expected: Option<i64>) {
        assert_eq!(parse_minor(input, digits).ok(), expected, "{input}");
    }

    #[test]
    fn amounts_parse_exactly() {
        check_minor("12.50", 2, Some(1250));
        check_minor("12.5", 2, Some(1250));
        check_minor("1,234.56", 2, Some(123456));
        check_minor("12,5", 2, Some(1250));
        check_minor("1.234,50", 2, Some(123450));
        check_minor("1,234.5", 2, Some(123450));
        check_minor("1.234.567,89", 2, Some(123456789));
        check_minor("-3", 2, Some(-300));
        check_minor("0.10", 2, Some(10));
        check_minor("11.77", 2, Some(1177));
        check_minor("1000", 0, Some(1000));
        check_minor("1.001", 2, None);
        check_minor("abc", 2, None);
        check_minor("", 2, None);
        check_minor("99999999999999999999", 2, None);
    }

    #[test]
    fn amounts_format_back() {
        assert_eq!(format_minor(1250, 2), "12.50");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(7, 0), "7");
        assert_eq!(format_minor(1234, 3), "1.234");
    }

    #[test]
    fn scores_stay_in_their_scales() {
        assert!(SurveyScore::new(SurveyKind::Nps, 10).is_ok());
        assert!(SurveyScore::new(SurveyKind::Nps, 0).is_ok());
        let err = SurveyScore::new(SurveyKind::Nps, 11).unwrap_err();
        assert!(err.0.contains("NPS score 11 is outside 0–10"), "{err}");
        assert!(SurveyScore::new(SurveyKind::Csat, 0).is_err());
        assert!(SurveyScore::new(SurveyKind::Ces, 7).is_ok());
        assert!(SurveyScore::new(SurveyKind::Ces, 8).is_err());
    }

    #[test]
    fn sentiment_stays_within_two() {
        assert_eq!(Sentiment::parse("+2").unwrap().value(), 2);
        assert_eq!(Sentiment::parse("-2").unwrap().value(), -2);
        assert!(Sentiment::parse("5").is_err());
        assert!(Sentiment::parse("good").is_err());
    }

    #[test]
    fn currencies_quantities_countries() {
        assert_eq!(Currency::parse("eur").unwrap(), Currency::EUR);
        assert!(Currency::parse("EURO").is_err());
        assert_eq!(Currency::parse("JPY").unwrap().minor_digits(), 0);
        assert_eq!(parse_quantity("3").unwrap(), 3);
        assert!(parse_quantity("-1").is_err());
        assert!(parse_quantity("1.5").is_err());
        assert_eq!(parse_country("de").unwrap(), "DE");
        assert!(parse_country("Germany").is_err());
    }
}
