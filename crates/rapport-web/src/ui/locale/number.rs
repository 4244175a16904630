//! Locale-aware text for integers, fixed-point decimals, money and percentages.
//!
//! Negative numbers always start with an ASCII hyphen-minus, in every language, so the text
//! survives copy-paste into spreadsheets.

use super::Lang;

/// More fraction digits than any currency or ratio needs; larger requests are clamped to this.
pub(super) const MAX_DIGITS: u32 = 30;
/// What a percentage that is not a finite number renders as (an en dash).
const NOT_A_NUMBER: &str = "–";
const NBSP: char = '\u{a0}';
const NARROW_NBSP: char = '\u{202f}';

/// The digit-group separator: "," en, "." de/el, U+202F NARROW NO-BREAK SPACE fr.
fn group_separator(lang: Lang) -> char {
    match lang {
        Lang::En => ',',
        Lang::De | Lang::El => '.',
        Lang::Fr => NARROW_NBSP,
    }
}

/// The decimal separator: "." en, "," everywhere else.
fn decimal_separator(lang: Lang) -> char {
    match lang {
        Lang::En => '.',
        Lang::De | Lang::Fr | Lang::El => ',',
    }
}

/// Joins ASCII integer digits and fraction digits with the language's separators,
/// grouping the integer part by thousands.
fn join_digits(lang: Lang, integer: &str, fraction: &str) -> String {
    let mut out = String::with_capacity(integer.len() * 2 + fraction.len() + 1);
    for (i, digit) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i).is_multiple_of(3) {
            out.push(group_separator(lang));
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(decimal_separator(lang));
        out.push_str(fraction);
    }
    out
}

/// `magnitude` minor units shown with `digits` decimals, without a sign.
fn unsigned_decimal(lang: Lang, magnitude: u64, digits: u32) -> String {
    let digits = digits.min(MAX_DIGITS) as usize;
    let padded = format!("{magnitude:0>width$}", width = digits + 1);
    let (integer, fraction) = padded.split_at(padded.len() - digits);
    join_digits(lang, integer, fraction)
}

fn sign(negative: bool) -> &'static str {
    if negative { "-" } else { "" }
}

/// An integer with digit grouping: en "-1,234,567", de "-1.234.567", fr "-1 234 567".
pub fn format_int(lang: Lang, value: i64) -> String {
    format_decimal(lang, value, 0)
}

/// A fixed-point number given in minor units with `digits` decimals: 123456 with 2 digits is
/// en "1,234.56", de/el "1.234,56", fr "1 234,56" (U+202F between groups).
/// `digits` above 30 is treated as 30.
pub fn format_decimal(lang: Lang, value_minor: i64, digits: u32) -> String {
    let magnitude = unsigned_decimal(lang, value_minor.unsigned_abs(), digits);
    format!("{}{magnitude}", sign(value_minor < 0))
}

/// The symbol shown for a currency code; `None` means "show the code itself".
fn currency_symbol(code: &str) -> Option<&'static str> {
    match code {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        _ => None,
    }
}

/// A money amount given in minor units of `currency` (an ISO 4217 code) with `digits` decimals
/// (2 for EUR, 0 for JPY, 3 for KWD).
///
/// en puts the symbol first ("€1,234.56", "-$5.00") or the code and a no-break space
/// ("CHF 1,234.56"); de, fr and el put the amount first, then U+00A0 and the symbol or code
/// ("1.234,56 €", "-1 234,56 CHF"). EUR, USD and GBP have symbols; other codes show as given,
/// trimmed and upper-cased.
pub fn format_money(lang: Lang, minor: i64, currency: &str, digits: u32) -> String {
    let amount = unsigned_decimal(lang, minor.unsigned_abs(), digits);
    let sign = sign(minor < 0);
    let code = currency.trim().to_ascii_uppercase();
    if code.is_empty() {
        return format!("{sign}{amount}");
    }
    let symbol = currency_symbol(&code);
    match (lang, symbol) {
        (Lang::En, Some(symbol)) => format!("{sign}{symbol}{amount}"),
        (Lang::En, None) => format!("{sign}{code}{NBSP}{amount}"),
        (_, Some(symbol)) => format!("{sign}{amount}{NBSP}{symbol}"),
        (_, None) => format!("{sign}{amount}{NBSP}{code}"),
    }
}

/// A ratio shown as a percentage with `decimals` decimals: 0.125 is en "12.5%", de "12,5 %"
/// (U+00A0), fr "12,5 %" (U+202F), el "12,5%". Not-finite values render as "–".
/// Rounding is to the nearest representable value; `decimals` above 30 is treated as 30.
pub fn format_percent(lang: Lang, ratio: f64, decimals: u32) -> String {
    let percent = ratio * 100.0;
    if !percent.is_finite() {
        return NOT_A_NUMBER.to_string();
    }
    let decimals = decimals.min(MAX_DIGITS) as usize;
    let text = format!("{:.*}", decimals, percent.abs());
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let is_zero = text.bytes().all(|b| matches!(b, b'0' | b'.'));
    let number = join_digits(lang, integer, fraction);
    let sign = sign(percent < 0.0 && !is_zero);
    let suffix = match lang {
        Lang::En | Lang::El => "%",
        Lang::De => "\u{a0}%",
        Lang::Fr => "\u{202f}%",
    };
    format!("{sign}{number}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Lang::*;

    /// Spells the invisible spaces so failures are readable: "_" U+00A0, "^" U+202F.
    fn visible(text: &str) -> String {
        text.replace(NBSP, "_").replace(NARROW_NBSP, "^")
    }

    fn check(actual: String, expected: &str) {
        assert_eq!(visible(&actual), expected, "raw output {actual:?}");
    }

    fn check_int(lang: Lang, value: i64, expected: &str) {
        check(format_int(lang, value), expected);
    }

    #[test]
    fn int_grouping_in_every_language() {
        check_int(En, 1_234_567, "1,234,567");
        check_int(De, 1_234_567, "1.234.567");
        check_int(Fr, 1_234_567, "1^234^567");
        check_int(El, 1_234_567, "1.234.567");
    }

    #[test]
    fn int_small_zero_and_negative() {
        check_int(En, 0, "0");
        check_int(En, 7, "7");
        check_int(En, 999, "999");
        check_int(De, 1000, "1.000");
        check_int(Fr, -1000, "-1^000");
        check_int(El, -42, "-42");
        check_int(En, 100_000, "100,000");
    }

    #[test]
    fn int_extremes() {
        check_int(En, i64::MAX, "9,223,372,036,854,775,807");
        check_int(En, i64::MIN, "-9,223,372,036,854,775,808");
        check_int(De, i64::MIN, "-9.223.372.036.854.775.808");
    }

    fn check_decimal(lang: Lang, minor: i64, digits: u32, expected: &str) {
        check(format_decimal(lang, minor, digits), expected);
    }

    #[test]
    fn decimal_in_every_language() {
        check_decimal(En, 123_456, 2, "1,234.56");
        check_decimal(De, 123_456, 2, "1.234,56");
        check_decimal(Fr, 123_456, 2, "1^234,56");
        check_decimal(El, 123_456, 2, "1.234,56");
    }

    #[test]
    fn decimal_pads_small_values() {
        check_decimal(En, 0, 2, "0.00");
        check_decimal(En, 5, 2, "0.05");
        check_decimal(De, -5, 2, "-0,05");
        check_decimal(En, 7, 3, "0.007");
        check_decimal(En, 100, 2, "1.00");
    }

    #[test]
    fn decimal_with_zero_and_three_digits() {
        check_decimal(En, 123_456, 0, "123,456");
        check_decimal(En, 1_234_567, 3, "1,234.567");
        check_decimal(Fr, -1_234_567, 3, "-1^234,567");
    }

    #[test]
    fn decimal_extremes() {
        check_decimal(En, i64::MAX, 2, "92,233,720,368,547,758.07");
        check_decimal(En, i64::MIN, 2, "-92,233,720,368,547,758.08");
        check_decimal(De, i64::MIN, 0, "-9.223.372.036.854.775.808");
        check_decimal(En, 1, 20, "0.00000000000000000001");
        check_decimal(En, i64::MIN, 19, "-0.9223372036854775808");
    }

    #[test]
    fn decimal_digits_are_clamped() {
        assert_eq!(
            format_decimal(En, 1, u32::MAX),
            format_decimal(En, 1, MAX_DIGITS)
        );
    }

    fn check_money(lang: Lang, minor: i64, currency: &str, digits: u32, expected: &str) {
        check(format_money(lang, minor, currency, digits), expected);
    }

    #[test]
    fn money_english_puts_the_symbol_first() {
        check_money(En, 123_456, "EUR", 2, "€1,234.56");
        check_money(En, 123_456, "USD", 2, "$1,234.56");
        check_money(En, 123_456, "GBP", 2, "£1,234.56");
        check_money(En, 123_456, "CHF", 2, "CHF_1,234.56");
        check_money(En, -123_456, "EUR", 2, "-€1,234.56");
        check_money(En, -123_456, "CHF", 2, "-CHF_1,234.56");
    }

    #[test]
    fn money_other_languages_put_the_symbol_last() {
        check_money(De, 123_456, "EUR", 2, "1.234,56_€");
        check_money(Fr, 123_456, "EUR", 2, "1^234,56_€");
        check_money(El, 123_456, "EUR", 2, "1.234,56_€");
        check_money(De, 123_456, "USD", 2, "1.234,56_$");
        check_money(Fr, 123_456, "CHF", 2, "1^234,56_CHF");
        check_money(De, -123_456, "EUR", 2, "-1.234,56_€");
        check_money(El, -123_456, "GBP", 2, "-1.234,56_£");
    }

    #[test]
    fn money_zero_and_extremes() {
        check_money(En, 0, "EUR", 2, "€0.00");
        check_money(De, 0, "EUR", 2, "0,00_€");
        check_money(En, i64::MIN, "USD", 2, "-$92,233,720,368,547,758.08");
        check_money(De, i64::MAX, "EUR", 2, "92.233.720.368.547.758,07_€");
    }

    #[test]
    fn money_without_minor_units_or_with_three() {
        check_money(En, 1_234_567, "JPY", 0, "JPY_1,234,567");
        check_money(De, 1_234_567, "JPY", 0, "1.234.567_JPY");
        check_money(En, 1_234_567, "KWD", 3, "KWD_1,234.567");
        check_money(Fr, 1_234_567, "BHD", 3, "1^234,567_BHD");
    }

    #[test]
    fn money_currency_codes_are_normalised() {
        check_money(En, 100, " eur ", 2, "€1.00");
        check_money(De, 100, "xts", 2, "1,00_XTS");
        check_money(De, 100, "", 2, "1,00");
    }

    fn check_percent(lang: Lang, ratio: f64, decimals: u32, expected: &str) {
        check(format_percent(lang, ratio, decimals), expected);
    }

    #[test]
    fn percent_in_every_language() {
        check_percent(En, 0.125, 1, "12.5%");
        check_percent(De, 0.125, 1, "12,5_%");
        check_percent(Fr, 0.125, 1, "12,5^%");
        check_percent(El, 0.125, 1, "12,5%");
    }

    #[test]
    fn percent_rounding_and_decimals() {
        check_percent(En, 0.0, 0, "0%");
        check_percent(En, 1.0, 0, "100%");
        check_percent(En, 0.123_456, 2, "12.35%");
        check_percent(En, 0.999_9, 0, "100%");
        check_percent(En, 0.5, 3, "50.000%");
        check_percent(En, 12.346, 0, "1,235%");
        check_percent(Fr, 12.345, 1, "1^234,5^%");
    }

    #[test]
    fn percent_negative_and_negative_zero() {
        check_percent(En, -0.25, 0, "-25%");
        check_percent(De, -0.125, 1, "-12,5_%");
        check_percent(En, -0.0, 1, "0.0%");
        check_percent(En, -0.000_01, 1, "0.0%");
    }

    #[test]
    fn percent_not_finite_is_a_dash() {
        for lang in Lang::ALL {
            check_percent(lang, f64::NAN, 1, "–");
            check_percent(lang, f64::INFINITY, 1, "–");
            check_percent(lang, f64::NEG_INFINITY, 1, "–");
            check_percent(lang, f64::MAX, 1, "–");
        }
    }

    #[test]
    fn percent_of_huge_and_tiny_values_does_not_panic() {
        assert!(format_percent(En, 1e300, 2).ends_with(".00%"));
        check_percent(En, f64::MIN_POSITIVE, 2, "0.00%");
        assert_eq!(
            format_percent(En, 0.5, u32::MAX),
            format_percent(En, 0.5, MAX_DIGITS)
        );
    }
}
