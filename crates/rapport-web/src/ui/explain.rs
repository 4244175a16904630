//! Health explanations in the reader's language: the sentence of each [`Reason`] (typed, or read
//! back from stored JSON), and the names and what-to-do hints of health components, customer
//! classes and RFM segments, from `explain.tsv` (key, then en, de, fr, el).
//!
//! A reason's sentence has `{name}` placeholders for its parameters, formatted for the language
//! and the parameter's unit (see `rapport_analytics::health::Reason`): probabilities and
//! percentiles as whole percentages, trends (ratios) with one decimal, days and counts as whole
//! numbers, scores and multiples with at most one decimal, sentiment with its sign. A code
//! parameter shows as its own text (`component` → `component.<code>`). `{name|one|other}` picks
//! the word that goes with the number (CLDR: one is 1 in en, de and el, 0 to under 2 in fr).
//! Pure: no IO, never panics; an empty cell falls back to English.

use std::collections::HashMap;
use std::sync::OnceLock;

use rapport_analytics::health::{ComponentKind, ParamValue};
use rapport_analytics::{Class, Reason, ReasonCode};
use serde_json::{Map, Value};

use super::locale::{Lang, format_decimal, format_int, format_percent};

static SOURCE: &str = include_str!("explain.tsv");

/// The stable codes of the 11 RFM segments, best first.
pub const SEGMENT_CODES: [&str; 11] = [
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose_them",
    "hibernating",
    "lost",
];

/// What a missing or non-finite number shows as (an en dash).
const NO_VALUE: &str = "–";

fn catalogue() -> &'static HashMap<&'static str, [&'static str; 4]> {
    static MAP: OnceLock<HashMap<&'static str, [&'static str; 4]>> = OnceLock::new();
    MAP.get_or_init(|| super::i18n::parse(SOURCE))
}

/// The text of `key` in `lang`, English where the cell is empty.
fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    let texts = catalogue().get(key)?;
    let column = match lang {
        Lang::En => 0,
        Lang::De => 1,
        Lang::Fr => 2,
        Lang::El => 3,
    };
    let text = texts[column];
    Some(if text.is_empty() { texts[0] } else { text })
}

/// A health component's short name, e.g. "Purchase vitality".
pub fn component_name(lang: Lang, kind: ComponentKind) -> &'static str {
    lookup(lang, &format!("component.{}", kind.code())).unwrap_or_else(|| kind.english())
}

/// A customer class's name, e.g. "At risk".
pub fn class_name(lang: Lang, class: Class) -> &'static str {
    lookup(lang, &format!("class.{}", class.code())).unwrap_or_else(|| class.english())
}

/// One sentence on what to do with a customer of `class`.
pub fn class_hint(lang: Lang, class: Class) -> &'static str {
    lookup(lang, &format!("class.{}.hint", class.code())).unwrap_or("")
}

/// The usual name of the RFM segment with stable code `code` ("cant_lose_them" → "Can't lose
/// them"); `None` for an unknown code.
pub fn segment_name(lang: Lang, code: &str) -> Option<&'static str> {
    lookup(lang, &format!("segment.{code}")).filter(|_| SEGMENT_CODES.contains(&code))
}

/// One sentence on what to do with customers of the RFM segment `code`; `None` if unknown.
pub fn segment_hint(lang: Lang, code: &str) -> Option<&'static str> {
    lookup(lang, &format!("segment.{code}.hint")).filter(|_| SEGMENT_CODES.contains(&code))
}

/// The reason as a sentence in `lang`.
#[allow(
    dead_code,
    reason = "the pages read stored reasons; this is for fresh ones"
)]
pub fn reason_text(lang: Lang, reason: &Reason) -> String {
    let arg = |name: &str| {
        reason
            .params
            .iter()
            .find(|p| p.name == name)
            .map(|p| match p.value {
                ParamValue::Number(n) => Arg::Number(n),
                ParamValue::Code(c) => Arg::Code(c),
            })
    };
    render(lang, reason.code, arg).unwrap_or_else(|| reason.english())
}

/// A reason stored as JSON (`{"code": "p_alive_low", "params": {"p": 0.23}}`) as a sentence in
/// `lang`; `None` for an unknown code. A missing parameter shows as "–".
pub fn reason_text_from_json(
    lang: Lang,
    code: &str,
    params: &Map<String, Value>,
) -> Option<String> {
    let code = ReasonCode::ALL.iter().copied().find(|c| c.code() == code)?;
    let arg = |name: &str| match params.get(name)? {
        Value::Number(n) => n.as_f64().map(Arg::Number),
        Value::String(s) => Some(Arg::Code(s.as_str())),
        _ => None,
    };
    render(lang, code, arg)
}

/// A parameter's value, from a typed reason or from JSON.
#[derive(Clone, Copy)]
enum Arg<'a> {
    Number(f64),
    Code(&'a str),
}

/// How a numeric parameter is shown.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    /// 0–1 shown as a whole percentage.
    Percent,
    /// A trend, with one decimal.
    Ratio,
    /// Days or counts, rounded to a whole number.
    Whole,
    /// Scores and multiples, with one decimal unless it is 0.
    Tenths,
    /// Sentiment -1..1, with one decimal and a "+" when positive.
    Signed,
    /// A stable code with its own text (`<param>.<code>`).
    Code,
}

/// The unit of parameter `name` of `code`, as documented in `rapport_analytics`'s reason module.
fn unit(code: ReasonCode, name: &str) -> Option<Unit> {
    Some(match name {
        "p" | "percentile" => Unit::Percent,
        "threshold" if code == ReasonCode::ChurnedPAlive => Unit::Percent,
        "threshold" | "score" | "previous" | "current" | "drop" | "multiple" => Unit::Tenths,
        "ratio" => Unit::Ratio,
        "days" | "age_days" | "gap_days" | "limit" | "count" => Unit::Whole,
        "sentiment" => Unit::Signed,
        "component" => Unit::Code,
        _ => return None,
    })
}

/// The sentence of `code` with its parameters filled in; `None` without a text for it.
fn render<'a>(
    lang: Lang,
    code: ReasonCode,
    arg: impl Fn(&str) -> Option<Arg<'a>>,
) -> Option<String> {
    let template = lookup(lang, &format!("reason.{}", code.code()))?;
    let mut out = String::with_capacity(template.len() + 16);
    for piece in pieces(template) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Value(name) => out.push_str(&value(lang, code, name, arg(name)).0),
            Piece::Plural { name, one, other } => {
                let is_one = value(lang, code, name, arg(name)).1;
                out.push_str(if is_one { one } else { other });
            }
        }
    }
    Some(out)
}

/// The parameter as text, and whether a word that goes with it takes the "one" form.
fn value(lang: Lang, code: ReasonCode, name: &str, arg: Option<Arg<'_>>) -> (String, bool) {
    match arg {
        None => (NO_VALUE.to_string(), false),
        Some(Arg::Code(c)) => {
            let text =
                lookup(lang, &format!("{name}.{c}")).map_or_else(|| c.to_string(), str::to_string);
            (text, false)
        }
        Some(Arg::Number(x)) if !x.is_finite() => (NO_VALUE.to_string(), false),
        Some(Arg::Number(x)) => {
            let (text, shown) = number(lang, unit(code, name).unwrap_or(Unit::Tenths), x);
            (text, plural_is_one(lang, shown))
        }
    }
}

/// A finite number in `unit`, and the value as shown (for the plural choice).
fn number(lang: Lang, unit: Unit, x: f64) -> (String, f64) {
    match unit {
        Unit::Percent => (percent(lang, x), x * 100.0),
        Unit::Whole => {
            let n = x.round() as i64;
            (format_int(lang, n), n as f64)
        }
        Unit::Ratio if x > 0.0 && x < 0.05 => {
            // One decimal would read "0.0 times"; show hundredths, at least 0.01.
            let hundredths = (x * 100.0).round().max(1.0) as i64;
            (
                format_decimal(lang, hundredths, 2),
                hundredths as f64 / 100.0,
            )
        }
        Unit::Ratio => {
            let tenths = (x * 10.0).round() as i64;
            (format_decimal(lang, tenths, 1), tenths as f64 / 10.0)
        }
        Unit::Tenths | Unit::Code => tenths(lang, x),
        Unit::Signed => {
            let (text, shown) = tenths(lang, x);
            let sign = if shown > 0.0 { "+" } else { "" };
            (format!("{sign}{text}"), shown)
        }
    }
}

/// One decimal, without a trailing zero: 7.0 → "7", 7.25 → en "7.3", de "7,3".
fn tenths(lang: Lang, x: f64) -> (String, f64) {
    let tenths = (x * 10.0).round() as i64;
    let text = if tenths % 10 == 0 {
        format_int(lang, tenths / 10)
    } else {
        format_decimal(lang, tenths, 1)
    };
    (text, tenths as f64 / 10.0)
}

/// A whole percentage, with "<1 %" and ">99 %" at the ends instead of a misleading 0 or 100.
fn percent(lang: Lang, x: f64) -> String {
    if x > 0.0 && x < 0.005 {
        format!("<{}", format_percent(lang, 0.01, 0))
    } else if x > 0.995 && x < 1.0 {
        format!(">{}", format_percent(lang, 0.99, 0))
    } else {
        format_percent(lang, x, 0)
    }
}

/// Whether a word that counts `n` takes its "one" form (CLDR cardinal rules for integers and
/// one-decimal values: en, de, el only 1; fr 0 to below 2).
fn plural_is_one(lang: Lang, n: f64) -> bool {
    match lang {
        Lang::Fr => (0.0..2.0).contains(&n),
        Lang::En | Lang::De | Lang::El => n == 1.0,
    }
}

/// A piece of a reason's text.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    /// `{name}`
    Value(&'a str),
    /// `{name|one|other}`
    Plural {
        name: &'a str,
        one: &'a str,
        other: &'a str,
    },
}

/// Splits a text into literal text and placeholders; a brace that opens no well-formed
/// placeholder stays text.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 1..start + len];
        let fields: Vec<&str> = inner.split('|').collect();
        let piece = match fields.as_slice() {
            [name] if is_name(name) => Some(Piece::Value(name)),
            [name, one, other] if is_name(name) => Some(Piece::Plural { name, one, other }),
            _ => None,
        };
        match piece {
            Some(piece) => {
                if start > 0 {
                    out.push(Piece::Text(&rest[..start]));
                }
                out.push(piece);
            }
            None => out.push(Piece::Text(&rest[..=start + len])),
        }
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_analytics::health::Param;

    /// Spells the invisible spaces so failures are readable: "_" U+00A0, "^" U+202F.
    fn visible(text: &str) -> String {
        text.replace('\u{a0}', "_").replace('\u{202f}', "^")
    }

    fn cells(key: &str) -> [&'static str; 4] {
        *catalogue()
            .get(key)
            .unwrap_or_else(|| panic!("no line for {key}"))
    }

    fn assert_translated(key: &str) {
        for (lang, text) in Lang::ALL.iter().zip(cells(key)) {
            assert!(!text.trim().is_empty(), "{key} has no {} text", lang.code());
        }
    }

    fn placeholder_names(text: &str) -> Vec<&str> {
        pieces(text)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Value(name) | Piece::Plural { name, .. } => Some(name),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_file_is_well_formed() {
        let mut keys = std::collections::HashSet::new();
        for line in SOURCE.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 5, "{line}");
            assert!(keys.insert(cols[0]), "duplicate key {}", cols[0]);
            assert!(cols.iter().all(|c| c.trim() == *c), "stray space: {line}");
        }
        let expected = ReasonCode::ALL.len()
            + ComponentKind::ALL.len()
            + 2 * Class::ALL.len()
            + 2 * SEGMENT_CODES.len();
        assert_eq!(keys.len(), expected, "a key no code asks for");
    }

    #[test]
    fn every_reason_has_four_texts_with_exactly_its_parameters() {
        for &code in ReasonCode::ALL {
            let key = format!("reason.{}", code.code());
            assert_translated(&key);
            let mut declared: Vec<&str> = code.params().to_vec();
            declared.sort_unstable();
            for (lang, text) in Lang::ALL.iter().zip(cells(&key)) {
                let mut used = placeholder_names(text);
                used.sort_unstable();
                used.dedup();
                assert_eq!(used, declared, "{key} in {}: {text}", lang.code());
                for piece in pieces(text) {
                    match piece {
                        Piece::Text(t) => assert!(!t.contains(['{', '}']), "{key}: {text}"),
                        Piece::Plural { one, other, .. } => {
                            assert!(!one.is_empty() && !other.is_empty(), "{key}: {text}")
                        }
                        Piece::Value(_) => {}
                    }
                }
            }
        }
    }

    #[test]
    fn every_parameter_has_a_unit() {
        for &code in ReasonCode::ALL {
            for name in code.params() {
                assert!(unit(code, name).is_some(), "{}: {name}", code.code());
            }
        }
        assert_eq!(
            unit(ReasonCode::ChurnedPAlive, "threshold"),
            Some(Unit::Percent)
        );
        assert_eq!(
            unit(ReasonCode::RepairLowHealth, "threshold"),
            Some(Unit::Tenths)
        );
    }

    #[test]
    fn components_classes_and_segments_have_names_and_hints() {
        for kind in ComponentKind::ALL {
            assert_translated(&format!("component.{}", kind.code()));
        }
        for class in Class::ALL {
            assert_translated(&format!("class.{}", class.code()));
            assert_translated(&format!("class.{}.hint", class.code()));
        }
        for code in SEGMENT_CODES {
            assert_translated(&format!("segment.{code}"));
            assert_translated(&format!("segment.{code}.hint"));
            for lang in Lang::ALL {
                assert!(segment_name(lang, code).is_some_and(|t| !t.is_empty()));
                assert!(segment_hint(lang, code).is_some_and(|t| !t.is_empty()));
            }
        }
        assert_eq!(component_name(Lang::De, ComponentKind::Value), "Kundenwert");
        assert_eq!(class_name(Lang::En, Class::AtRisk), "At risk");
        assert_eq!(class_name(Lang::El, Class::Churned), "Χαμένος");
        assert_eq!(
            segment_name(Lang::En, "cant_lose_them"),
            Some("Can't lose them")
        );
        assert_eq!(segment_name(Lang::Fr, "champions"), Some("Champions"));
        assert_eq!(segment_name(Lang::En, "champions.hint"), None);
        assert_eq!(segment_name(Lang::En, "unknown"), None);
        assert_eq!(segment_hint(Lang::En, "unknown"), None);
        assert!(class_hint(Lang::En, Class::Repair).starts_with("Fix what went wrong"));
    }

    #[test]
    fn french_puts_a_no_break_space_before_colons_and_greek_uses_its_own_script() {
        for (key, [_, _, fr, el]) in catalogue() {
            let mut previous = ' ';
            for c in fr.chars() {
                if ":;?!".contains(c) {
                    assert_eq!(previous, '\u{a0}', "{key}: {fr}");
                }
                previous = c;
            }
            let greek = el
                .chars()
                .filter(|c| ('\u{370}'..='\u{3ff}').contains(c))
                .count();
            assert!(greek > 0 && !el.contains(';'), "{key}: {el}");
        }
    }

    fn check(lang: Lang, reason: &Reason, expected: &str) {
        assert_eq!(visible(&reason_text(lang, reason)), expected);
    }

    #[test]
    fn p_alive_low_in_every_language() {
        let r = Reason::new(ReasonCode::PAliveLow).with_number("p", 0.23);
        check(
            Lang::En,
            &r,
            "Probably no longer buying: only 23% chance that the customer is still active.",
        );
        check(
            Lang::De,
            &r,
            "Kauft wahrscheinlich nicht mehr: Die Wahrscheinlichkeit, dass der Kunde noch aktiv \
             ist, liegt nur bei 23_%.",
        );
        check(
            Lang::Fr,
            &r,
            "N'achète probablement plus_: seulement 23^% de chances que le client soit encore \
             actif.",
        );
        check(
            Lang::El,
            &r,
            "Μάλλον δεν αγοράζει πια: η πιθανότητα να είναι ακόμη ενεργός ο πελάτης είναι μόλις \
             23%.",
        );
    }

    #[test]
    fn numbers_follow_the_locale_and_the_unit() {
        let r = Reason::new(ReasonCode::PurchaseTrendUp).with_number("ratio", 1.46);
        check(
            Lang::De,
            &r,
            "Kauft zuletzt häufiger: Die aktuelle Kaufrate beträgt das 1,5-Fache der früheren.",
        );
        let r = Reason::new(ReasonCode::AtRiskHealthDrop)
            .with_number("previous", 72.3)
            .with_number("current", 57.0)
            .with_number("drop", 15.3);
        check(
            Lang::En,
            &r,
            "Health fell by 15.3 points since the last scoring, from 72.3 to 57.",
        );
        let r = Reason::new(ReasonCode::ChurnedDormant)
            .with_number("days", 1234.0)
            .with_number("limit", 365.0);
        check(
            Lang::Fr,
            &r,
            "Aucun achat depuis 1^234 jours, soit plus que les 365 jours au-delà desquels un \
             client est considéré comme perdu.",
        );
        let r = Reason::new(ReasonCode::SentimentPositive).with_number("sentiment", 0.62);
        check(
            Lang::El,
            &r,
            "Οι πρόσφατες συζητήσεις πήγαν καλά (διάθεση +0,6 σε κλίμακα από -1 έως +1).",
        );
        let r = Reason::new(ReasonCode::ChurnedPAlive)
            .with_number("p", 0.004)
            .with_number("threshold", 0.1);
        check(
            Lang::En,
            &r,
            "Only <1% chance that the customer is still active, below the 10% limit.",
        );
        let r = Reason::new(ReasonCode::PurchaseTrendDown).with_number("ratio", 0.03);
        assert!(reason_text(Lang::En, &r).contains(" 0.03 times"));
    }

    #[test]
    fn words_agree_with_the_number() {
        let count = |n: f64| Reason::new(ReasonCode::InteractionsSome).with_number("count", n);
        check(
            Lang::En,
            &count(1.0),
            "Occasional contact: 1 interaction in the last 90 days.",
        );
        check(
            Lang::En,
            &count(3.0),
            "Occasional contact: 3 interactions in the last 90 days.",
        );
        let days = |n: f64| Reason::new(ReasonCode::ContactRecent).with_number("days", n);
        check(
            Lang::De,
            &days(1.0),
            "Kürzlich in Kontakt: letzter Kontakt vor 1 Tag.",
        );
        check(
            Lang::De,
            &days(12.0),
            "Kürzlich in Kontakt: letzter Kontakt vor 12 Tagen.",
        );
        check(
            Lang::Fr,
            &days(0.0),
            "Contact récent_: dernier échange il y a 0 jour.",
        );
        check(
            Lang::El,
            &days(2.0),
            "Πρόσφατη επικοινωνία: η τελευταία επαφή ήταν πριν από 2 ημέρες.",
        );
    }

    #[test]
    fn a_component_shows_by_its_name() {
        let r = Reason::new(ReasonCode::WeakestComponent)
            .with_code("component", "friction")
            .with_number("score", 31.0);
        check(Lang::En, &r, "Weakest area: Friction (31 out of 100).");
        check(
            Lang::De,
            &r,
            "Schwächster Bestandteil: Reibungspunkte (31 von 100).",
        );
        check(
            Lang::Fr,
            &r,
            "Point le plus faible_: Points de friction (31 sur 100).",
        );
        check(
            Lang::El,
            &r,
            "Πιο αδύναμο σημείο: Σημεία τριβής (31 στα 100).",
        );
    }

    #[test]
    fn missing_and_odd_values_never_panic() {
        let r = Reason::new(ReasonCode::OpenComplaints);
        assert_eq!(
            reason_text(Lang::En, &r),
            "– open complaints waiting to be resolved."
        );
        let r = Reason::new(ReasonCode::RepairLowHealth)
            .with_number("score", f64::NAN)
            .with_number("threshold", f64::INFINITY);
        assert!(reason_text(Lang::De, &r).contains("Gesundheitswert von – liegt unter –"));
        let r = Reason::new(ReasonCode::WeakestComponent)
            .with_code("component", "mystery")
            .with_number("score", -0.04);
        assert_eq!(
            reason_text(Lang::En, &r),
            "Weakest area: mystery (0 out of 100)."
        );
        for x in [f64::MAX, f64::MIN, -1e300, 1e-300] {
            let r = Reason::new(ReasonCode::AtRiskOverdue)
                .with_number("days", x)
                .with_number("gap_days", x)
                .with_number("multiple", x);
            for lang in Lang::ALL {
                assert!(!reason_text(lang, &r).is_empty());
            }
        }
        assert_eq!(
            reason_text_from_json(Lang::En, "no_such_code", &Map::new()),
            None
        );
    }

    #[test]
    fn placeholders_parse() {
        use Piece::*;
        assert_eq!(
            pieces("a {n} {n|x|y} {bad} {} {x|y} {"),
            vec![
                Text("a "),
                Value("n"),
                Text(" "),
                Plural {
                    name: "n",
                    one: "x",
                    other: "y"
                },
                Text(" "),
                Value("bad"),
                Text(" {}"),
                Text(" {x|y}"),
                Text(" {"),
            ]
        );
    }

    /// A value in the parameter's range, for every parameter of every code.
    fn sample(code: ReasonCode) -> Reason {
        code.params()
            .iter()
            .enumerate()
            .fold(Reason::new(code), |r, (i, &name)| match unit(code, name) {
                Some(Unit::Code) => r.with_code(name, "satisfaction"),
                Some(Unit::Percent) => r.with_number(name, 0.137 + 0.2 * i as f64),
                Some(Unit::Ratio) => r.with_number(name, 0.64),
                Some(Unit::Signed) => r.with_number(name, -0.31),
                _ => r.with_number(name, 1.0 + 1234.56 * i as f64),
            })
    }

    /// The JSON that `rapport_app` stores for a reason.
    fn stored(r: &Reason) -> Value {
        let params: Map<String, Value> = r
            .params
            .iter()
            .map(|Param { name, value }| {
                let v = match value {
                    ParamValue::Number(n) => serde_json::json!(n),
                    ParamValue::Code(c) => serde_json::json!(c),
                };
                (name.to_string(), v)
            })
            .collect();
        serde_json::json!({"code": r.code.code(), "params": params, "text": r.english()})
    }

    #[test]
    fn stored_json_renders_like_the_typed_reason() {
        for &code in ReasonCode::ALL {
            let reason = sample(code);
            let json = serde_json::to_string(&stored(&reason)).unwrap();
            let back: Value = serde_json::from_str(&json).unwrap();
            for lang in Lang::ALL {
                let from_json = reason_text_from_json(
                    lang,
                    back["code"].as_str().unwrap(),
                    back["params"].as_object().unwrap(),
                );
                let typed = reason_text(lang, &reason);
                assert_eq!(from_json.as_deref(), Some(typed.as_str()));
                assert!(!typed.contains(['{', '}', '|']), "{typed}");
                assert!(!typed.contains(NO_VALUE), "{typed}");
            }
        }
    }
}
