//! Where SQLite and PostgreSQL differ: binding typed NULLs, decoding cells, the COPY text
//! format, and the SQL that starts a write transaction. The macros expand once per backend, so
//! the SQL and the control flow stay written once.

use uuid::Uuid;

use crate::value::Value;

/// Binds one value to a query, with the column's type for NULLs (PostgreSQL needs typed NULLs).
macro_rules! bind_value {
    ($query:expr, $value:expr, $ty:expr) => {{
        use $crate::value::{ColType, Value};
        let q = $query;
        match ($value, $ty) {
            (Value::Null, ColType::Bool) => q.bind(None::<bool>),
            (Value::Null, ColType::Int) => q.bind(None::<i64>),
            (Value::Null, ColType::Text) => q.bind(None::<String>),
            (Value::Null, ColType::Uuid) => q.bind(None::<uuid::Uuid>),
            (Value::Null, ColType::Time) => q.bind(None::<chrono::DateTime<chrono::Utc>>),
            (Value::Null, ColType::Date) => q.bind(None::<chrono::NaiveDate>),
            (Value::Null, ColType::Json) => q.bind(None::<sqlx::types::Json<serde_json::Value>>),
            (Value::Bool(b), _) => q.bind(*b),
            (Value::Int(i), _) => q.bind(*i),
            (Value::Text(s), _) => q.bind(s.clone()),
            (Value::Uuid(u), _) => q.bind(*u),
            (Value::Time(t), _) => q.bind(*t),
            (Value::Date(d), _) => q.bind(*d),
            (Value::Json(j), _) => q.bind(sqlx::types::Json(j.clone())),
        }
    }};
}
pub(crate) use bind_value;

/// Decodes the cells of `row` into `Value`s, one per column type in `$types`.
macro_rules! decode_row {
    ($row:expr, $types:expr) => {{
        use sqlx::Row as _;
        use $crate::value::{ColType, Value};
        let row = $row;
        let mut out = Vec::with_capacity($types.len());
        for (i, ty) in $types.iter().enumerate() {
            let v = match ty {
                ColType::Bool => row
                    .try_get::<Option<bool>, _>(i)
                    .map(|v| v.map(Value::Bool)),
                ColType::Int => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::Int)),
                ColType::Text => row
                    .try_get::<Option<String>, _>(i)
                    .map(|v| v.map(Value::Text)),
                ColType::Uuid => row
                    .try_get::<Option<uuid::Uuid>, _>(i)
                    .map(|v| v.map(Value::Uuid)),
                ColType::Time => row
                    .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>(i)
                    .map(|v| v.map(Value::Time)),
                ColType::Date => row
                    .try_get::<Option<chrono::NaiveDate>, _>(i)
                    .map(|v| v.map(Value::Date)),
                ColType::Json => row
                    .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(i)
                    .map(|v| v.map(|j| Value::Json(j.0))),
            };
            out.push(v.map(|v| v.unwrap_or(Value::Null)));
        }
        out.into_iter().collect::<Result<Vec<Value>, sqlx::Error>>()
    }};
}
pub(crate) use decode_row;

/// Appends one row to a PostgreSQL `COPY ... FROM STDIN` text-format buffer.
pub(crate) fn copy_text_row(buf: &mut String, org: Uuid, row: &[Value]) {
    use std::fmt::Write;
    let _ = write!(buf, "{org}");
    for value in row {
        buf.push('\t');
        match value {
            Value::Null => buf.push_str("\\N"),
            Value::Bool(b) => buf.push(if *b { 't' } else { 'f' }),
            Value::Int(i) => {
                let _ = write!(buf, "{i}");
            }
            Value::Text(s) => copy_escape(buf, s),
            Value::Uuid(u) => {
                let _ = write!(buf, "{u}");
            }
            Value::Time(t) => {
                let _ = write!(buf, "{}", t.format("%Y-%m-%d %H:%M:%S%.f+00"));
            }
            Value::Date(d) => {
                let _ = write!(buf, "{d}");
            }
            Value::Json(j) => copy_escape(buf, &j.to_string()),
        }
    }
    buf.push('\n');
}

fn copy_escape(buf: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

/// `$1, $2, ...` starting at `first`, `count` of them.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Placeholders for long parameter lists. SQLite looks named parameters (`$1`) up by name,
/// which makes a statement with thousands of them quadratic to prepare and bind; anonymous
/// `?` parameters bind by position. PostgreSQL only knows `$n`.
pub(crate) fn bulk_placeholders(backend: crate::Backend, first: usize, count: usize) -> String {
    match backend {
        crate::Backend::Sqlite => vec!["?"; count].join(", "),
        crate::Backend::Postgres => placeholders(first, count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_what_copy_treats_specially() {
        let mut buf = String::new();
        let org = Uuid::nil();
        copy_text_row(
            &mut buf,
            org,
            &[
                Value::text("a\tb\\c\nd"),
                Value::Null,
                Value::Bool(true),
                Value::Int(-4),
            ],
        );
        assert_eq!(buf, format!("{org}\ta\\tb\\\\c\\nd\t\\N\tt\t-4\n"));
    }

    #[test]
    fn placeholders_count_from_first() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
    }
}
