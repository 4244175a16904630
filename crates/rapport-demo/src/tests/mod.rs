//! Tests of the generated company as a whole, reading the CSV text back like an importer
//! would: shape and determinism, referential integrity, the field rules of
//! `docs/csv-formats.md`, the planted patterns, and the benchmark writers.

mod bench;
mod bench_contracts;
mod integrity;
mod patterns;
mod rules;
mod shape;

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};

use crate::{DemoCompany, DemoConfig, generate};

/// The as-of date of the test companies.
fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date")
}

fn config(customers: usize, seed: u64) -> DemoConfig {
    DemoConfig {
        customers,
        seed,
        as_of: as_of(),
    }
}

/// The 5,000-customer company, generated once for all tests that need statistics.
fn large() -> &'static DemoCompany {
    static COMPANY: OnceLock<DemoCompany> = OnceLock::new();
    COMPANY.get_or_init(|| generate(&config(5_000, 42)))
}

/// A 200-customer company.
fn small() -> &'static DemoCompany {
    static COMPANY: OnceLock<DemoCompany> = OnceLock::new();
    COMPANY.get_or_init(|| generate(&config(200, 7)))
}

/// Splits CSV text into records of fields (RFC 4180: quoted fields may hold commas, doubled
/// quotes and line breaks). Every record must end with a line break.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    if !matches!(chars.peek(), Some(',' | '\n')) {
                        return Err(format!("line {line}: text after a closing quote"));
                    }
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '"' => return Err(format!("line {line}: quote inside an unquoted field")),
            ',' => record.push(std::mem::take(&mut field)),
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                line += 1;
            }
            '\r' => return Err(format!("line {line}: carriage return outside quotes")),
            _ => field.push(c),
        }
    }
    if quoted || !field.is_empty() || !record.is_empty() {
        return Err(format!("line {line}: unterminated last record"));
    }
    Ok(records)
}

/// A parsed file with access to fields by column name.
struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn parse(text: &str) -> Table {
        let mut records = parse_csv(text).expect("well-formed CSV");
        let header = records.remove(0);
        let columns = header
            .into_iter()
            .enumerate()
            .map(|(i, name)| (name, i))
            .collect();
        Table {
            columns,
            rows: records,
        }
    }

    /// The values of `column`, row by row.
    fn column<'a>(&'a self, column: &str) -> impl Iterator<Item = &'a str> + 'a {
        let at = self.columns[column];
        self.rows.iter().map(move |row| row[at].as_str())
    }

    /// The value of `column` in `row`.
    fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        &row[self.columns[column]]
    }
}

/// The file of `kind`, parsed.
fn table(company: &DemoCompany, kind: &str) -> Table {
    let file = company
        .files
        .iter()
        .find(|f| f.kind == kind)
        .expect("file present");
    Table::parse(&file.csv)
}

fn stamp(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
        .unwrap_or_else(|e| panic!("'{text}': {e}"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("'{text}': {e}"))
}

#[test]
fn the_csv_splitter_handles_quotes() {
    let parsed = parse_csv("a,\"b,c\",\"say \"\"hi\"\"\nthere\"\n,,\n").expect("valid");
    assert_eq!(
        parsed,
        vec![vec!["a", "b,c", "say \"hi\"\nthere"], vec!["", "", ""]]
    );
    assert!(parse_csv("a,b\"c\n").is_err());
    assert!(parse_csv("\"a\"b\n").is_err());
    assert!(parse_csv("a,b").is_err());
}
