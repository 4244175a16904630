//! Turning one record into a pending row: every value parsed into its domain type (so a bad
//! value is reported with its line, column and reason), references to other records kept as
//! keys to resolve in bulk later.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_domain::{Currency, LinkKind, ParseError};
use rapport_store::{Row, Table, Value};

use super::RowError;
use super::header::Mapping;
use super::kinds::ImportKind;
use super::source::Record;

/// What a reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Party,
    User,
    Product,
    Reason,
}

/// A reference to resolve: which row column gets the id, what it names, from which field.
#[derive(Debug, Clone)]
pub struct Ref {
    pub col: usize,
    pub kind: RefKind,
    pub key: String,
    pub field: &'static str,
}

/// A link between two parties to write once both exist.
#[derive(Debug, Clone)]
pub struct PendingLink {
    pub kind: LinkKind,
    pub from: String,
    pub to: String,
    pub job_title: Option<String>,
    pub since: Option<NaiveDate>,
    pub field: &'static str,
}

/// One parsed record, waiting for its references and for the decision insert/update/keep.
#[derive(Debug, Clone)]
pub struct Pending {
    pub line: u64,
    pub raw: Vec<String>,
    /// The natural key (external id, sku, code).
    pub key: String,
    pub row: Row,
    /// Which row columns the file speaks for; the others keep their stored values on update.
    pub present: Vec<bool>,
    pub refs: Vec<Ref>,
    pub links: Vec<PendingLink>,
}

/// Settings that parsing needs beyond the record.
pub struct ParseCtx {
    pub now: DateTime<Utc>,
    pub default_currency: Currency,
    /// The withdrawal periods new contracts without a deadline get (contract imports only).
    pub withdrawal: Option<std::sync::Arc<crate::retention::rules::DeadlineRules>>,
}

/// Field access for one record, collecting errors as it goes.
pub struct RowView<'a> {
    pub kind: ImportKind,
    pub rec: &'a Record,
    pub mapping: &'a Mapping,
    pub errors: Vec<RowError>,
}

impl<'a> RowView<'a> {
    pub fn new(kind: ImportKind, rec: &'a Record, mapping: &'a Mapping) -> Self {
        RowView {
            kind,
            rec,
            mapping,
            errors: Vec::new(),
        }
    }

    /// Whether the file has a column for `field`.
    pub fn has(&self, field: &str) -> bool {
        self.mapping.has(self.kind, field)
    }

    /// The trimmed value of `field`; `None` when the column is absent or the cell empty.
    pub fn get(&self, field: &str) -> Option<&'a str> {
        let col = self.mapping.column_of(self.kind, field)?;
        let v = self.rec.fields.get(col)?.trim();
        if v.is_empty() { None } else { Some(v) }
    }

    fn column_name(&self, field: &str) -> String {
        self.mapping
            .column_of(self.kind, field)
            .and_then(|c| self.mapping.header.get(c).cloned())
            .unwrap_or_else(|| field.to_string())
    }

    pub fn error(&mut self, field: &str, value: Option<&str>, reason: impl Into<String>) {
        self.errors.push(RowError {
            line: self.rec.line,
            column: Some(self.column_name(field)),
            value: value.map(str::to_string),
            reason: reason.into(),
        });
    }

    /// A required value: reports "is required" when empty.
    pub fn required(&mut self, field: &str) -> Option<&'a str> {
        let v = self.get(field);
        if v.is_none() {
            self.error(field, None, "is required");
        }
        v
    }

    /// Parses an optional value with `parse`, reporting a failure against the field.
    pub fn parse<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, ParseError>,
    ) -> Option<T> {
        let v = self.get(field)?;
        match parse(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(field, Some(v), e.0);
                None
            }
        }
    }

    /// Parses a required value.
    pub fn parse_required<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, ParseError>,
    ) -> Option<T> {
        if self.get(field).is_none() {
            self.error(field, None, "is required");
            return None;
        }
        self.parse(field, parse)
    }

    pub fn text(&mut self, field: &str, max: usize) -> Option<String> {
        self.parse(field, |s| {
            rapport_domain::parse_text(s, max).map_err(|e| ParseError::new(format!("{field} {e}")))
        })
    }

    pub fn timestamp(&mut self, field: &str) -> Option<DateTime<Utc>> {
        self.parse(field, rapport_domain::parse_timestamp)
    }

    pub fn date(&mut self, field: &str) -> Option<NaiveDate> {
        self.parse(field, rapport_domain::parse_date)
    }

    /// Money in major units, in `currency`'s minor units.
    pub fn money(&mut self, field: &str, currency: Currency) -> Option<i64> {
        self.parse(field, |s| {
            rapport_domain::parse_minor(s, currency.minor_digits())
        })
    }

    pub fn currency(&mut self, ctx: &ParseCtx) -> Currency {
        self.parse("currency", Currency::parse)
            .unwrap_or(ctx.default_currency)
    }

    /// The external id given, or one derived from the record's content so that importing the
    /// same file twice matches the same records.
    pub fn external_id(&mut self, field: &str) -> String {
        match self.parse(field, rapport_domain::ExternalId::parse) {
            Some(e) => e.as_str().to_string(),
            None => content_key(self.kind, &self.rec.fields),
        }
    }
}

/// A stable key from a record's content: `h-` and 16 hex digits.
pub fn content_key(kind: ImportKind, fields: &[String]) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in kind
        .as_str()
        .bytes()
        .chain(fields.iter().flat_map(|f| f.trim().bytes().chain([0x1f])))
    {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x100000001b3);
    }
    format!("h-{hash:016x}")
}

/// Builds a row column by column, remembering which columns the file spoke for.
pub struct RowBuilder {
    pub table: &'static Table,
    pub row: Row,
    pub present: Vec<bool>,
}

impl RowBuilder {
    pub fn new(table: &'static Table) -> Self {
        RowBuilder {
            table,
            row: vec![Value::Null; table.columns.len()],
            present: vec![false; table.columns.len()],
        }
    }

    /// Sets a column the file speaks for (`present` when the file has the column at all).
    pub fn set(&mut self, column: &str, value: Value, present: bool) -> &mut Self {
        let i = self.table.col(column);
        self.row[i] = value;
        self.present[i] = present;
        self
    }

    /// Sets a value the importer decides (ids, timestamps): always "present".
    pub fn fixed(&mut self, column: &str, value: Value) -> &mut Self {
        self.set(column, value, true)
    }
}
