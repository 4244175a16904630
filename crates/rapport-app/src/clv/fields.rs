//! The fields of a transaction log's lines for `rapport clv`: which columns hold the customer
//! id, the date and the amount (named, numbered or detected from a header and a sample line),
//! and reading each field without allocating: dates in three formats, amounts exactly as the
//! standard parser reads them.

use super::ClvError;
use crate::import::source::Delimiter;

/// A column chosen on the command line: by header name or 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Name(String),
    Position(usize),
}

impl Column {
    /// `3` is a position, anything else a name.
    pub fn parse(s: &str) -> Column {
        match s.trim().parse::<usize>() {
            Ok(n) => Column::Position(n),
            Err(_) => Column::Name(s.trim().to_string()),
        }
    }
}

/// How dates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// Decided from the first data line: one of the three below.
    Auto,
    /// `YYYY-MM-DD`, optionally followed by a time (`T...` or ` ...`), which is ignored.
    Iso,
    /// `YYYYMMDD`.
    Compact,
    /// `DD.MM.YYYY`.
    Dotted,
}

impl DateFormat {
    pub fn parse(s: &str) -> Option<DateFormat> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(DateFormat::Auto),
            "iso" | "yyyy-mm-dd" => Some(DateFormat::Iso),
            "yyyymmdd" => Some(DateFormat::Compact),
            "dd.mm.yyyy" => Some(DateFormat::Dotted),
            _ => None,
        }
    }

    pub(super) fn detect(field: &[u8]) -> Option<DateFormat> {
        [DateFormat::Iso, DateFormat::Compact, DateFormat::Dotted]
            .into_iter()
            .find(|f| day_of(field, *f).is_some())
    }
}

/// Which columns to read, as the user gave them (`None`: detect).
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub id: Option<Column>,
    pub date: Option<Column>,
    pub amount: Option<Column>,
}

/// Where the three fields are, 0-based, and how dates are written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub(super) delimiter: Delimiter,
    pub(super) id: usize,
    pub(super) date: usize,
    pub(super) amount: usize,
    pub(super) format: DateFormat,
    /// Length of a typical line, to size buffers.
    pub(super) line_length: usize,
}

/// Decides the columns: the user's choice by name (needs a header) or position; else a
/// column with a well-known name, the first date-shaped field as the date, the last field as
/// the amount, and the first remaining field as the customer id.
pub(super) fn layout(
    file: &str,
    header: Option<&[&[u8]]>,
    sample: &[&[u8]],
    sample_line: u64,
    delimiter: Delimiter,
    columns: &Columns,
    format: DateFormat,
) -> Result<Layout, ClvError> {
    let n = sample.len();
    let resolve = |c: &Column, what: &str| -> Result<usize, ClvError> {
        match c {
            Column::Position(p) if (1..=n).contains(p) => Ok(p - 1),
            Column::Position(p) => Err(ClvError::Column {
                file: file.into(),
                reason: format!("{what} column {p} does not exist: the lines have {n} fields"),
            }),
            Column::Name(name) => {
                let Some(h) = header else {
                    return Err(ClvError::Column {
                        file: file.into(),
                        reason: format!(
                            "{what} column '{name}' cannot be found: the file has no header line (give its position, 1 to {n})"
                        ),
                    });
                };
                h.iter()
                    .position(|f| trim(f).eq_ignore_ascii_case(name.as_bytes()))
                    .ok_or_else(|| ClvError::Column {
                        file: file.into(),
                        reason: format!(
                            "the header has no {what} column '{name}' (it has: {})",
                            h.iter()
                                .map(|f| String::from_utf8_lossy(trim(f)).into_owned())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
            }
        }
    };
    let named = |names: &[&str]| -> Option<usize> {
        header?.iter().position(|f| {
            names
                .iter()
                .any(|n| trim(f).eq_ignore_ascii_case(n.as_bytes()))
        })
    };
    let date = match &columns.date {
        Some(c) => resolve(c, "date")?,
        None => named(&["date", "day", "ordered_at", "purchase_date", "transaction_date"])
            .or_else(|| sample.iter().position(|f| DateFormat::detect(f).is_some()))
            .ok_or_else(|| ClvError::Column {
                file: file.into(),
                reason: format!(
                    "line {sample_line} has no field that reads as a date (YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY); name the column with --date-col"
                ),
            })?,
    };
    let amount = match &columns.amount {
        Some(c) => resolve(c, "amount")?,
        None => named(&[
            "amount",
            "value",
            "revenue",
            "sales",
            "total",
            "dollar_value",
        ])
        .unwrap_or(n - 1),
    };
    let id = match &columns.id {
        Some(c) => resolve(c, "customer id")?,
        None => named(&["customer_id", "customer", "id", "client_id", "cust_id"])
            .or_else(|| (0..n).find(|&i| i != date && i != amount))
            .unwrap_or(0),
    };
    if n < 3 && (id == date || id == amount || date == amount) {
        return Err(ClvError::Column {
            file: file.into(),
            reason: format!(
                "line {sample_line} has {n} fields; a transaction log needs a customer id, a date and an amount"
            ),
        });
    }
    let format = match format {
        DateFormat::Auto => DateFormat::detect(sample.get(date).copied().unwrap_or_default())
            .ok_or_else(|| ClvError::Line {
                file: file.into(),
                line: sample_line,
                field: "date".into(),
                reason: format!(
                    "'{}' is not a date in a known format (YYYY-MM-DD, YYYYMMDD, DD.MM.YYYY)",
                    String::from_utf8_lossy(sample.get(date).copied().unwrap_or_default())
                ),
            })?,
        f => f,
    };
    Ok(Layout {
        delimiter,
        id,
        date,
        amount,
        format,
        line_length: 32,
    })
}

/// The id, date and amount fields of a line, or how many fields it has when too few.
pub(super) fn pick<'a>(
    line: &'a [u8],
    layout: &Layout,
    need: usize,
) -> Result<[&'a [u8]; 3], usize> {
    let mut at: [&[u8]; 3] = [&[]; 3];
    let mut found = 0;
    let mut keep = |k: usize, f: &'a [u8]| {
        if k == layout.id {
            at[0] = f;
        }
        if k == layout.date {
            at[1] = f;
        }
        if k == layout.amount {
            at[2] = f;
        }
    };
    match layout.delimiter {
        Delimiter::Byte(d) => {
            let mut rest = line;
            while found < need {
                let (field, tail) = match memchr::memchr(d, rest) {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest, None),
                };
                keep(found, trim(field));
                found += 1;
                match tail {
                    Some(t) => rest = t,
                    None => break,
                }
            }
        }
        Delimiter::Whitespace => {
            for field in line
                .split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty())
                .take(need)
            {
                keep(found, field);
                found += 1;
            }
        }
    }
    if found < need { Err(found) } else { Ok(at) }
}

/// Powers of ten that are exact in an `f64`.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A finite amount. Plain decimals (`-12.50`) of up to 15 digits take the exact fast path:
/// an integer of at most 2^53 divided by an exact power of ten is correctly rounded, so the
/// value is the one `str::parse` gives (Clinger 1990, "How to Read Floating Point Numbers
/// Accurately"). Anything else (exponents, long digit strings) goes through `str::parse`.
pub(super) fn amount_of(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut mantissa = 0u64;
    let mut count = 0;
    let mut decimals = 0;
    let mut dot = false;
    let mut plain = !digits.is_empty() && digits.len() <= 16;
    for &b in digits {
        match b {
            b'0'..=b'9' if plain => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                decimals += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => {
                plain = false;
                break;
            }
        }
    }
    if plain && count > 0 && mantissa <= 1 << 53 {
        let value = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
        return Some(if negative { -value } else { value });
    }
    std::str::from_utf8(text)
        .ok()?
        .parse::<f64>()
        .ok()
        .filter(|a| a.is_finite())
}

pub(super) fn fields(line: &[u8], delimiter: Delimiter) -> Vec<&[u8]> {
    split(trim(line), delimiter).collect()
}

fn split(line: &[u8], delimiter: Delimiter) -> Box<dyn Iterator<Item = &[u8]> + '_> {
    match delimiter {
        Delimiter::Whitespace => Box::new(
            line.split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty()),
        ),
        Delimiter::Byte(d) => Box::new(line.split(move |&b| b == d).map(trim)),
    }
}

pub(super) fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

pub(super) fn unquote(s: &[u8]) -> &[u8] {
    let s = trim(s);
    s.strip_prefix(b"\"")
        .and_then(|s| s.strip_suffix(b"\""))
        .map_or(s, trim)
}

/// The day number of a date written in `format` (a time after an ISO date is ignored).
pub(super) fn day_of(s: &[u8], format: DateFormat) -> Option<i64> {
    let num = |b: &[u8]| -> Option<u32> {
        if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let (y, m, d) = match format {
        DateFormat::Iso => {
            if s.len() < 10 || s[4] != b'-' || s[7] != b'-' {
                return None;
            }
            if s.len() > 10 && !matches!(s[10], b'T' | b' ') {
                return None;
            }
            (num(&s[..4])?, num(&s[5..7])?, num(&s[8..10])?)
        }
        DateFormat::Compact => {
            if s.len() != 8 {
                return None;
            }
            (num(&s[..4])?, num(&s[4..6])?, num(&s[6..])?)
        }
        DateFormat::Dotted => {
            let mut parts = s.split(|&b| b == b'.');
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || y.len() != 4 || d.len() > 2 || m.len() > 2 {
                return None;
            }
            (num(y)?, num(m)?, num(d)?)
        }
        DateFormat::Auto => return DateFormat::detect(s).and_then(|f| day_of(s, f)),
    };
    rapport_analytics::day_number(y as i32, m, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_the_standard_parser_reads_them() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "+7",
            "1.",
            ".5",
            "12.50",
            "-12.345",
            "9007199254740992",
            "9007199254740993",
            "0.1000000000000001",
            "123456789012345.6",
            "1e3",
            "2.5E-3",
            "00012.5000",
            "4503599627370497.5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Many plain decimals, as logs write them.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 17) as usize;
            let dot = (x >> 8) as usize % (digits + 2);
            let mut s: String = (0..digits)
                .map(|i| char::from(b'0' + ((x >> (i * 3)) % 10) as u8))
                .collect();
            if dot <= s.len() {
                s.insert(dot, '.');
            }
            texts.push(s);
        }
        for t in &texts {
            let standard = t.parse::<f64>().ok().filter(|v| v.is_finite());
            let ours = amount_of(t.as_bytes());
            assert_eq!(
                ours.map(f64::to_bits),
                standard.map(f64::to_bits),
                "{t:?}: {ours:?} against {standard:?}"
            );
        }
        for bad in ["", ".", "-", "1.2.3", "12a", "inf", "NaN", "1e400"] {
            assert_eq!(amount_of(bad.as_bytes()), None, "{bad:?}");
        }
    }
}
