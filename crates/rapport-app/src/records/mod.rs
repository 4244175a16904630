//! Single records of every kind for the API and the web UI: read, list, create, change, upsert
//! in bulk and delete, under the same rules as imports (the same parsing of every field, the
//! same resolution of references, the same audit entries), plus the permission checks that
//! depend on whose party a record concerns.
//!
//! A record travels as the fields of its kind (`ImportKind::fields`): the names a CSV header
//! carries, the values as text. The web layer turns JSON or form input into those fields and
//! back.
//!
//! `write.rs` creates and changes records, `read.rs` finds and lists them, `delete.rs` removes
//! them, `access.rs` decides whose party a record concerns and whether the caller may write it.
//! Orders travel with their lines as one record instead (`orders/`): a request's order is not a
//! row of fields but an order and a list of lines.

mod access;
mod delete;
pub mod orders;
mod read;
mod write;

pub use access::{action_for, owner_of_row};
pub use delete::delete;
pub(crate) use read::find_row;
pub use read::{get, list};
pub use write::{create_one, update, upsert_owning, write};

use chrono::{DateTime, Utc};
use rapport_domain::access::Actor;
use rapport_store::{Filter, ListQuery, Row, StoreError, Table, Value};
use uuid::Uuid;

use crate::import::{ImportError, ImportKind, RowError, natural_key_field};

/// At most this many records per bulk call.
pub const MAX_BULK: usize = 1_000;

/// Why a value holding the character U+0000 is refused (PostgreSQL cannot store it in text).
pub const NUL_REASON: &str = "may not contain the character U+0000";

/// What a write may find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only new records: an existing key is a conflict.
    Create,
    /// New or existing records alike.
    Upsert,
}

/// Why a record operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Field-level problems; `line` is the 1-based position of the record in the request.
    #[error("{} problem(s) with the input", .0.len())]
    Invalid(Vec<RowError>),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl From<ImportError> for RecordError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(s) => RecordError::Store(s),
            other => RecordError::Invalid(vec![RowError {
                line: 0,
                column: None,
                value: None,
                reason: other.to_string(),
            }]),
        }
    }
}

/// Who writes, from where, when.
#[derive(Debug, Clone)]
pub struct Writing {
    /// `None` for the system (the command line runs with full rights).
    pub actor: Option<Actor>,
    /// `api`, `ui`, `cli` …
    pub source: String,
    pub now: DateTime<Utc>,
}

/// A stored record: its id and its fields in the kind's order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: Uuid,
    pub fields: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What a write came to, with the natural key of every record in request order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub keys: Vec<String>,
}

/// The kinds written one record at a time as fields through [`write`] and [`update`] (orders
/// are written with their lines through [`orders`]).
pub fn writable(kind: ImportKind) -> bool {
    kind != ImportKind::Orders
}

fn forbidden(kind: ImportKind) -> RecordError {
    RecordError::Forbidden(format!(
        "your role may not change these {kind}: they concern a party another relationship manager owns, or {kind} are not yours to write"
    ))
}

fn not_found(kind: ImportKind, key: &str) -> RecordError {
    RecordError::NotFound(format!(
        "no {} has the {} {key}",
        kind.as_str().trim_end_matches('s'),
        natural_key_field(kind)
    ))
}

fn one(filters: &[(&'static str, Value)], sort: &'static str) -> ListQuery {
    let mut q = ListQuery::new(sort, 1);
    q.filters = filters
        .iter()
        .map(|(c, v)| Filter::eq(c, v.clone()))
        .collect();
    q
}

pub(crate) fn to_record(table: &Table, row: &Row, fields: Vec<String>) -> StoredRecord {
    let time = |c: &str| table.try_col(c).and_then(|i| row[i].as_time());
    StoredRecord {
        id: table
            .try_col("id")
            .and_then(|i| row[i].as_uuid())
            .unwrap_or_default(),
        fields,
        created_at: time("created_at"),
        updated_at: time("updated_at"),
    }
}
