//! Reading a transaction log for `rapport clv`: one purchase per line with a customer id, a
//! date and an amount, delimited by commas, semicolons, tabs or runs of whitespace, with or
//! without a header. Built for logs of tens of millions of lines: the file is read whole, the
//! lines are parsed on every core without allocating per field, and customer ids are mapped to
//! numbers through borrowed slices of the buffer.

use std::path::Path;

use rapport_analytics::Transaction;
type IdMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Numbers customer ids in the order they first appear. Ids of up to 16 bytes (nearly all) are
/// keyed by value, so a lookup compares two integers instead of reading the id back from the
/// file at a random place; longer ids are keyed by their bytes.
#[derive(Default)]
struct Numbering<'a> {
    short: IdMap<(u128, u8), u32>,
    long: IdMap<&'a [u8], u32>,
    ids: Vec<&'a [u8]>,
}

impl<'a> Numbering<'a> {
    fn number(&mut self, id: &'a [u8]) -> u32 {
        let next = self.ids.len() as u32;
        let n = if id.len() <= 16 {
            let mut bytes = [0u8; 16];
            bytes[..id.len()].copy_from_slice(id);
            *self
                .short
                .entry((u128::from_le_bytes(bytes), id.len() as u8))
                .or_insert(next)
        } else {
            *self.long.entry(id).or_insert(next)
        };
        if n == next {
            self.ids.push(id);
        }
        n
    }
}

use super::ClvError;
use crate::import::source::{Delimiter, detect_delimiter};

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

    fn detect(field: &[u8]) -> Option<DateFormat> {
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

/// The log as numbers: transactions with customers numbered from 0 in order of first
/// appearance, and each number's original id.
#[derive(Debug)]
pub struct Log {
    pub transactions: Vec<Transaction>,
    pub ids: Vec<String>,
    /// Data lines read (header and blank lines not counted).
    pub lines: u64,
    pub header: bool,
    pub date_format: DateFormat,
}

/// Where the three fields are, 0-based, and how dates are written.
#[derive(Debug, Clone, Copy)]
struct Layout {
    delimiter: Delimiter,
    id: usize,
    date: usize,
    amount: usize,
    format: DateFormat,
}

/// Reads and parses the whole log at `path`.
pub fn read_log(path: &Path, columns: &Columns, format: DateFormat) -> Result<Log, ClvError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ClvError::File {
        file: file.clone(),
        message: e.to_string(),
    })?;
    parse_log(&bytes, &file, columns, format)
}

/// Parses a whole log held in memory (`file` names it in messages).
pub fn parse_log(
    bytes: &[u8],
    file: &str,
    columns: &Columns,
    format: DateFormat,
) -> Result<Log, ClvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = bytes.split(|&b| b == b'\n').enumerate();
    let Some((first_no, first)) = lines.find(|(_, l)| !trim(l).is_empty()) else {
        return Err(ClvError::Empty { file: file.into() });
    };
    let delimiter = detect_delimiter(first);
    let first_fields = fields(first, delimiter);
    let header = first_fields.iter().all(|f| {
        std::str::from_utf8(f).map_or(true, |s| s.parse::<f64>().is_err())
            && DateFormat::detect(f).is_none()
    });
    let (sample_no, sample) = if header {
        lines
            .find(|(_, l)| !trim(l).is_empty())
            .ok_or_else(|| ClvError::Empty { file: file.into() })?
    } else {
        (first_no, first)
    };
    let sample_fields = fields(sample, delimiter);
    let layout = layout(
        file,
        header.then_some(&first_fields[..]),
        &sample_fields,
        sample_no as u64 + 1,
        delimiter,
        columns,
        format,
    )?;
    // The data starts after the header line.
    let data_start = if header {
        let offset: usize = bytes
            .split(|&b| b == b'\n')
            .take(first_no + 1)
            .map(|l| l.len() + 1)
            .sum();
        offset.min(bytes.len())
    } else {
        0
    };
    let first_line_no = if header { first_no as u64 + 2 } else { 1 };
    let chunks = split_at_lines(
        &bytes[data_start..],
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let parsed: Vec<Result<Chunk<'_>, ClvError>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|&(slice, _)| s.spawn(move || parse_chunk(slice, file, &layout)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ClvError::File {
                        file: file.into(),
                        message: "a reader thread failed".into(),
                    })
                })
            })
            .collect()
    });
    // Line numbers: each chunk counted its own lines from 1.
    let mut merged = Numbering::default();
    let mut transactions = Vec::with_capacity(
        parsed
            .iter()
            .map(|c| c.as_ref().map_or(0, |c| c.rows.len()))
            .sum(),
    );
    let mut lines_read = 0;
    let mut line_base = first_line_no - 1;
    for (chunk, &(_, newlines)) in parsed.into_iter().zip(&chunks) {
        let chunk = chunk.map_err(|e| e.shifted(line_base))?;
        let global: Vec<u64> = chunk
            .ids
            .iter()
            .map(|id| u64::from(merged.number(id)))
            .collect();
        transactions.extend(chunk.rows.iter().map(|&(local, day, amount)| Transaction {
            customer: global[local as usize],
            day,
            amount,
        }));
        lines_read += chunk.rows.len() as u64;
        line_base += newlines;
    }
    Ok(Log {
        transactions,
        ids: merged
            .ids
            .into_iter()
            .map(|id| String::from_utf8_lossy(id).into_owned())
            .collect(),
        lines: lines_read,
        header,
        date_format: layout.format,
    })
}

/// Decides the columns: the user's choice by name (needs a header) or position; else a
/// column with a well-known name, the first date-shaped field as the date, the last field as
/// the amount, and the first remaining field as the customer id.
fn layout(
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
    })
}

/// One chunk's transactions with chunk-local customer numbers, and its ids in order.
struct Chunk<'a> {
    rows: Vec<(u32, i64, f64)>,
    ids: Vec<&'a [u8]>,
}

fn parse_chunk<'a>(bytes: &'a [u8], file: &str, layout: &Layout) -> Result<Chunk<'a>, ClvError> {
    let mut local = Numbering::default();
    let mut rows = Vec::with_capacity(bytes.len() / 24);
    let need = layout.id.max(layout.date).max(layout.amount) + 1;
    let mut at: [&[u8]; 3] = [&[]; 3];
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = trim(line);
        if line.is_empty() {
            continue;
        }
        let line_no = i as u64 + 1;
        let err = |field: &str, reason: String| ClvError::Line {
            file: file.into(),
            line: line_no,
            field: field.into(),
            reason,
        };
        let mut found = 0;
        for (k, f) in split(line, layout.delimiter).enumerate() {
            if k == layout.id {
                at[0] = f;
            }
            if k == layout.date {
                at[1] = f;
            }
            if k == layout.amount {
                at[2] = f;
            }
            found = k + 1;
            if found >= need {
                break;
            }
        }
        if found < need {
            return Err(err(
                "(line)",
                format!("has {found} fields, column {need} is needed"),
            ));
        }
        let id = unquote(at[0]);
        if id.is_empty() {
            return Err(err("customer id", "is empty".into()));
        }
        let day = day_of(unquote(at[1]), layout.format).ok_or_else(|| {
            err(
                "date",
                format!(
                    "'{}' is not a date in the format of the file",
                    String::from_utf8_lossy(at[1])
                ),
            )
        })?;
        let amount_text = unquote(at[2]);
        let amount = std::str::from_utf8(amount_text)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|a| a.is_finite())
            .ok_or_else(|| {
                err(
                    "amount",
                    format!(
                        "'{}' is not a number (use a dot for decimals)",
                        String::from_utf8_lossy(amount_text)
                    ),
                )
            })?;
        let customer = local.number(id);
        rows.push((customer, day, amount));
    }
    Ok(Chunk {
        rows,
        ids: local.ids,
    })
}

/// Splits `bytes` into about `parts` pieces ending at line ends, each with how many line ends
/// it holds (to number lines across pieces).
fn split_at_lines(bytes: &[u8], parts: usize) -> Vec<(&[u8], u64)> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let size = bytes.len() / parts.max(1) + 1;
    while !rest.is_empty() {
        let cut = if rest.len() <= size {
            rest.len()
        } else {
            memchr::memchr(b'\n', &rest[size..]).map_or(rest.len(), |i| size + i + 1)
        };
        let (piece, tail) = rest.split_at(cut);
        out.push((piece, memchr::memchr_iter(b'\n', piece).count() as u64));
        rest = tail;
    }
    out
}

fn fields(line: &[u8], delimiter: Delimiter) -> Vec<&[u8]> {
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

fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

fn unquote(s: &[u8]) -> &[u8] {
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

    fn parse(text: &str, columns: &Columns) -> Result<Log, ClvError> {
        parse_log(text.as_bytes(), "log.txt", columns, DateFormat::Auto)
    }

    #[test]
    fn a_cdnow_style_log_is_read_without_help() {
        let log = parse(
            " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n\n 00021 0002 19970101  3   63.34\n",
            &Columns::default(),
        )
        .unwrap();
        assert!(!log.header);
        assert_eq!(log.date_format, DateFormat::Compact);
        assert_eq!(log.ids, vec!["00004", "00021"]);
        assert_eq!(log.transactions.len(), 3);
        assert_eq!(log.transactions[1].customer, 0);
        assert_eq!(log.transactions[2].amount, 63.34);
        assert_eq!(
            log.transactions[0].day,
            rapport_analytics::day_number(1997, 1, 1).unwrap()
        );
    }

    #[test]
    fn ids_short_and_long_are_numbered_once_each() {
        let ids: [&[u8]; 7] = [
            b"C1",
            b"C1\0",
            b"0123456789abcdef",
            b"0123456789abcdefX",
            b"0123456789abcdefY",
            b"C1",
            b"0123456789abcdefX",
        ];
        let mut n = Numbering::default();
        let numbers: Vec<u32> = ids.iter().map(|id| n.number(id)).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4, 0, 3]);
        assert_eq!(n.ids, ids[..5].to_vec());
    }

    #[test]
    fn headers_name_columns_and_positions_count_from_one() {
        let text = "amount;when;who\n10.5;01.02.2024;A\n3;2.2.2024;B\n";
        let log = parse(text, &Columns::default()).unwrap();
        assert!(log.header);
        assert_eq!(log.date_format, DateFormat::Dotted);
        assert_eq!(log.ids, vec!["A", "B"]);
        assert_eq!(log.transactions[0].amount, 10.5);
        let by_position = Columns {
            id: Some(Column::parse("3")),
            date: Some(Column::parse("when")),
            amount: Some(Column::parse("1")),
        };
        let log = parse(text, &by_position).unwrap();
        assert_eq!(log.transactions[1].amount, 3.0);
    }

    #[test]
    fn iso_dates_with_times_and_quoted_fields_are_read() {
        let text = "customer_id,date,amount\n\"c1\",2024-03-01T10:00:00Z,\"5.00\"\nc2,2024-03-02 09:00,7\n";
        let log = parse(text, &Columns::default()).unwrap();
        assert_eq!(log.ids, vec!["c1", "c2"]);
        assert_eq!(log.transactions[0].amount, 5.0);
        assert_eq!(
            log.transactions[1].day - log.transactions[0].day,
            1,
            "a day apart"
        );
    }

    #[test]
    fn bad_lines_say_file_line_field_and_reason() {
        let text = "customer_id,date,amount\nc1,2024-03-01,5\nc2,2024-02-30,7\n";
        let e = parse(text, &Columns::default()).unwrap_err().to_string();
        assert!(e.contains("log.txt, line 3, date"), "{e}");
        let e = parse(
            "c1,2024-03-01,5\nc2,2024-03-01,seven\n",
            &Columns::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 2, amount: 'seven' is not a number"), "{e}");
        let e = parse("c1,2024-03-01,5\nc2\n", &Columns::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
        let e = parse("who,amount\nA,3\n", &Columns::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no field that reads as a date"), "{e}");
        let named = Columns {
            id: Some(Column::parse("client")),
            ..Columns::default()
        };
        let e = parse("customer,date,amount\nA,2024-01-01,3\n", &named)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no customer id column 'client'"), "{e}");
        assert!(matches!(
            parse("\n  \n", &Columns::default()),
            Err(ClvError::Empty { .. })
        ));
    }

    #[test]
    fn line_numbers_stay_right_across_the_reader_threads() {
        let mut text = String::from("customer,date,amount\n");
        for i in 0..5_000 {
            text.push_str(&format!("c{},2024-01-{:02},{}\n", i % 70, i % 28 + 1, i));
        }
        text.push_str("c1,2024-01-01,oops\n");
        let e = parse(&text, &Columns::default()).unwrap_err().to_string();
        assert!(e.contains("line 5002, amount"), "{e}");
        let ok = parse(&text[..text.len() - 19], &Columns::default()).unwrap();
        assert_eq!(ok.transactions.len(), 5_000);
        assert_eq!(ok.ids.len(), 70);
        // Customers are numbered in order of first appearance whatever the threads.
        assert_eq!(ok.ids[0], "c0");
        assert_eq!(ok.ids[69], "c69");
    }
}
