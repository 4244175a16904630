//! The backend-neutral cell values the store reads and writes. A `Row` holds one value per
//! column of its `Table`, in the table's column order (without `org_id`, which the transaction
//! supplies).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// The SQL type of a column, as far as Rapport distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Bool,
    Int,
    /// A double-precision number (DOUBLE PRECISION on PostgreSQL, REAL on SQLite): scores and
    /// model outputs, never money.
    Float,
    Text,
    Uuid,
    /// A point in time (TIMESTAMPTZ on PostgreSQL, RFC 3339 text on SQLite).
    Time,
    /// A calendar date (DATE on PostgreSQL, ISO text on SQLite).
    Date,
    /// A JSON document, read and written whole (JSONB on PostgreSQL, text on SQLite).
    Json,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Uuid(Uuid),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Json(serde_json::Value),
}

/// The values of one row, in the table's column order.
pub type Row = Vec<Value>;

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    /// `Null` for `None`, else the converted value.
    pub fn opt<T: Into<Value>>(v: Option<T>) -> Value {
        v.map(Into::into).unwrap_or(Value::Null)
    }

    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Value::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_time(&self) -> Option<DateTime<Utc>> {
        match self {
            Value::Time(t) => Some(*t),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A JSON rendering, used for audit before/after images.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => J::from(*f),
            Value::Text(s) => J::String(s.clone()),
            Value::Uuid(u) => J::String(u.to_string()),
            Value::Time(t) => J::String(rapport_domain::dates::format_timestamp(t)),
            Value::Date(d) => J::String(d.to_string()),
            Value::Json(j) => j.clone(),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<Uuid> for Value {
    fn from(u: Uuid) -> Self {
        Value::Uuid(u)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(t: DateTime<Utc>) -> Self {
        Value::Time(t)
    }
}
impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}
impl From<serde_json::Value> for Value {
    fn from(j: serde_json::Value) -> Self {
        Value::Json(j)
    }
}
