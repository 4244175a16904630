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
            (Value::Null, ColType::Float) => q.bind(None::<f64>),
            (Value::Null, ColType::Text) => q.bind(None::<String>),
            (Value::Null, ColType::Uuid) => q.bind(None::<uuid::Uuid>),
            (Value::Null, ColType::Time) => q.bind(None::<chrono::DateTime<chrono::Utc>>),
            (Value::Null, ColType::Date) => q.bind(None::<chrono::NaiveDate>),
            (Value::Null, ColType::Json) => q.bind(None::<sqlx::types::Json<serde_json::Value>>),
            (Value::Bool(b), _) => q.bind(*b),
            (Value::Int(i), _) => q.bind(*i),
            (Value::Float(f), _) => q.bind(*f),
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
                ColType::Float => row
                    .try_get::<Option<f64>, _>(i)
                    .map(|v| v.map(Value::Float)),
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

/// The signature, flags and header extension that open a binary COPY stream.
pub(crate) fn copy_binary_header(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes());
    buf.extend_from_slice(&0i32.to_be_bytes());
}

/// Appends one row in PostgreSQL's binary COPY format: the field count, then each field as a
/// length and its bytes in the type's binary form (the server parses nothing, which is what
/// makes binary COPY faster than text). Every integer column is BIGINT.
pub(crate) fn copy_binary_row(buf: &mut Vec<u8>, org: Uuid, row: &[Value]) {
    /// Microseconds and days between the Unix epoch and PostgreSQL's (2000-01-01).
    const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
    const PG_EPOCH_DAYS: i32 = 10_957;
    buf.extend_from_slice(&((row.len() + 1) as i16).to_be_bytes());
    let field = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        buf.extend_from_slice(bytes);
    };
    field(buf, org.as_bytes());
    for value in row {
        match value {
            Value::Null => buf.extend_from_slice(&(-1i32).to_be_bytes()),
            Value::Bool(b) => field(buf, &[*b as u8]),
            Value::Int(i) => field(buf, &i.to_be_bytes()),
            Value::Float(f) => field(buf, &f.to_be_bytes()),
            Value::Text(s) => field(buf, s.as_bytes()),
            Value::Uuid(u) => field(buf, u.as_bytes()),
            Value::Time(t) => field(buf, &(t.timestamp_micros() - PG_EPOCH_MICROS).to_be_bytes()),
            Value::Date(d) => {
                let days = d
                    .signed_duration_since(
                        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
                    )
                    .num_days() as i32;
                field(buf, &(days - PG_EPOCH_DAYS).to_be_bytes())
            }
            Value::Json(j) => {
                // JSONB's binary form: a version byte, then the JSON text.
                let mut bytes = vec![1u8];
                bytes.extend_from_slice(j.to_string().as_bytes());
                field(buf, &bytes)
            }
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
    fn binary_copy_rows_count_their_fields_and_mark_nulls() {
        let mut buf = Vec::new();
        let org = Uuid::nil();
        copy_binary_row(
            &mut buf,
            org,
            &[Value::Int(-4), Value::Null, Value::Bool(true)],
        );
        let mut expected = vec![0, 4];
        expected.extend_from_slice(&16i32.to_be_bytes());
        expected.extend_from_slice(org.as_bytes());
        expected.extend_from_slice(&8i32.to_be_bytes());
        expected.extend_from_slice(&(-4i64).to_be_bytes());
        expected.extend_from_slice(&(-1i32).to_be_bytes());
        expected.extend_from_slice(&1i32.to_be_bytes());
        expected.push(1);
        assert_eq!(buf, expected);
        let mut header = Vec::new();
        copy_binary_header(&mut header);
        assert_eq!(&header[..11], b"PGCOPY\n\xff\r\n\0");
        assert_eq!(header.len(), 19);
    }

    #[test]
    fn placeholders_count_from_first() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
    }
}
