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
pub use rapport_app::insights::SEGMENTS as SEGMENT_CODES;

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
mod tests;
