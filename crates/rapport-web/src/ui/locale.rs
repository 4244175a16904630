//! The UI languages (`Lang`), choosing one from a request, and locale-aware number and date text.
//!
//! The conventions follow CLDR for en (British-style dates), de, fr and el, reduced to what the
//! pages need. Everything here is pure: no IO, no clock, never panics on any input.

mod date;
mod number;

pub use date::{
    format_date, format_date_long, format_datetime, format_month_year, month_long, month_short,
};
pub use number::{format_decimal, format_int, format_money, format_percent};

/// A language the UI is translated into.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
    El,
}

impl Lang {
    /// Every supported language, in the order a language picker shows them.
    pub const ALL: [Lang; 4] = [Lang::En, Lang::De, Lang::Fr, Lang::El];

    /// The ISO 639-1 code: "en", "de", "fr", "el".
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::El => "el",
        }
    }

    /// The language's name in itself, for a language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::El => "Ελληνικά",
        }
    }

    /// Reads a language tag such as "de", "DE", "de-DE", "de_CH" or "el-GR"; the region and any
    /// further subtags are ignored. Returns `None` for unsupported or malformed tags.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim();
        let mut subtags = tag.split(['-', '_']);
        let primary = subtags.next()?;
        let rest_ok =
            subtags.all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !rest_ok {
            return None;
        }
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// Picks the best supported language from an HTTP `Accept-Language` header (RFC 9110 §12.5.4):
    /// the highest q-value wins, ties go to the earlier entry, `q=0` means "not acceptable".
    /// Entries that are malformed, wildcards or unsupported are skipped; `None` if nothing fits.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for entry in header.split(',') {
            let Some((lang, q)) = accept_entry(entry) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
                best = Some((lang, q));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

/// One `tag;q=0.8` entry of an Accept-Language header, if it is well-formed and supported.
fn accept_entry(entry: &str) -> Option<(Lang, f32)> {
    let mut parts = entry.split(';');
    let lang = Lang::parse(parts.next()?)?;
    let mut q = 1.0;
    for param in parts.filter(|p| !p.trim().is_empty()) {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_qvalue(value.trim())?;
        }
    }
    Some((lang, q))
}

/// A q-value as RFC 9110 allows it: "0" to "1" with at most three decimals.
fn parse_qvalue(text: &str) -> Option<f32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let well_formed = matches!(whole, "0" | "1")
        && fraction.len() <= 3
        && fraction.chars().all(|c| c.is_ascii_digit());
    if !well_formed {
        return None;
    }
    let q: f32 = text.parse().ok()?;
    (q <= 1.0).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        let codes: Vec<_> = Lang::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(codes, ["en", "de", "fr", "el"]);
        let names: Vec<_> = Lang::ALL.iter().map(|l| l.native_name()).collect();
        assert_eq!(names, ["English", "Deutsch", "Français", "Ελληνικά"]);
    }

    #[test]
    fn every_code_parses_back() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
    }

    fn check_parse(tag: &str, expected: Option<Lang>) {
        assert_eq!(Lang::parse(tag), expected, "tag {tag:?}");
    }

    #[test]
    fn parse_tags() {
        check_parse("de", Some(Lang::De));
        check_parse("DE", Some(Lang::De));
        check_parse("de-DE", Some(Lang::De));
        check_parse("de_CH", Some(Lang::De));
        check_parse(" fr-CA ", Some(Lang::Fr));
        check_parse("el-GR", Some(Lang::El));
        check_parse("en-Latn-GB", Some(Lang::En));
        check_parse("EN-us", Some(Lang::En));
        check_parse("", None);
        check_parse("xx", None);
        check_parse("deu", None);
        check_parse("d", None);
        check_parse("de-", None);
        check_parse("-de", None);
        check_parse("de--DE", None);
        check_parse("de-D E", None);
        check_parse("*", None);
        check_parse("ελ", None);
    }

    fn check_accept(header: &str, expected: Option<Lang>) {
        assert_eq!(
            Lang::from_accept_language(header),
            expected,
            "header {header:?}"
        );
    }

    #[test]
    fn accept_language_picks_the_highest_q() {
        check_accept("de-CH,de;q=0.9,en;q=0.8", Some(Lang::De));
        check_accept("fr;q=0.1, el", Some(Lang::El));
        check_accept("en;q=0.5, fr;q=0.7, de;q=0.6", Some(Lang::Fr));
        check_accept("xx, it;q=0.9, el;q=0.2", Some(Lang::El));
        check_accept("el-GR", Some(Lang::El));
        check_accept("  de  ;  q=1  ", Some(Lang::De));
        check_accept("de;Q=0.5,fr;q=0.4", Some(Lang::De));
    }

    #[test]
    fn accept_language_ties_go_to_the_first_entry() {
        check_accept("fr, de", Some(Lang::Fr));
        check_accept("en;q=0.5, de;q=0.500", Some(Lang::En));
    }

    #[test]
    fn accept_language_q_zero_means_not_acceptable() {
        check_accept("de;q=0", None);
        check_accept("de;q=0.000, en;q=0.001", Some(Lang::En));
    }

    #[test]
    fn accept_language_without_a_supported_language() {
        check_accept("xx", None);
        check_accept("", None);
        check_accept("*", None);
        check_accept("it-IT, es;q=0.9", None);
    }

    #[test]
    fn accept_language_skips_malformed_entries() {
        check_accept(";;q=,,", None);
        check_accept(",,,;,;", None);
        check_accept("de;q=", None);
        check_accept("de;q=abc, fr;q=0.2", Some(Lang::Fr));
        check_accept("de;q=1.5, fr;q=0.2", Some(Lang::Fr));
        check_accept("de;q=-1, fr;q=0.2", Some(Lang::Fr));
        check_accept("de;q=NaN, fr;q=0.2", Some(Lang::Fr));
        check_accept("de;q=0.1234, fr;q=0.2", Some(Lang::Fr));
        check_accept("de;q, fr;q=0.2", Some(Lang::Fr));
        check_accept("de;q=0.9;", Some(Lang::De));
        check_accept("\u{0}\u{ffff}é;q=ü", None);
    }

    #[test]
    fn accept_language_ignores_other_parameters() {
        check_accept("de;level=1;q=0.3, en;q=0.2", Some(Lang::De));
    }
}
