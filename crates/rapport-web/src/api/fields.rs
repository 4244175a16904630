//! The JSON shape of every record kind: which JSON type each field of `ImportKind::fields`
//! takes, strict conversion of request objects into the fields the use cases read (so a wrong
//! type or an unknown field is refused by name), and the way back from stored fields to JSON.
//! The OpenAPI schemas are generated from the same descriptions.

use rapport_app::import::ImportKind;
use rapport_app::records::StoredRecord;
use rapport_domain::{
    CaseSeverity, CaseStatus, ContractStatus, Direction, InteractionChannel, LifecycleStatus,
    PartyKind, ReasonCategory, RemedyStatus, SurveyKind, TaskStatus,
};
use serde_json::{Map, Value};

use crate::problem::FieldError;

/// The JSON type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Text,
    Email,
    Integer,
    /// A decimal amount in major units, as a string such as "1234.50" (numbers are accepted).
    Decimal,
    Date,
    DateTime,
    /// A list of strings (stored `;`-separated).
    List,
    /// A JSON object of custom attributes.
    Object,
    /// One of a closed list of codes.
    Code(&'static [&'static str]),
}

/// Longest text any field accepts (longer notes are refused by the field's own rule first).
pub const TEXT_MAX: usize = 20_000;

macro_rules! codes {
    ($vocab:ty) => {
        <$vocab>::CODES
    };
}

/// The JSON type of `field` of `kind`.
pub fn json_type(kind: ImportKind, field: &str) -> JsonType {
    use ImportKind as K;
    use JsonType::*;
    match (kind, field) {
        (_, "email" | "owner_email" | "user_email" | "assignee_email" | "remedy_owner_email") => {
            Email
        }
        (_, "sentiment" | "score" | "quantity" | "line") => Integer,
        (_, "list_price" | "value" | "amount") => Decimal,
        (_, "acquired_on" | "due_on") => Date,
        (_, f) if f.ends_with("_at") || f == "withdrawal_deadline" => DateTime,
        (_, "roles" | "tags") => List,
        (_, "attributes") => Object,
        (K::Parties, "kind") => Code(codes!(PartyKind)),
        (K::Parties | K::Contacts, "lifecycle") => Code(codes!(LifecycleStatus)),
        (K::Interactions, "channel") => Code(codes!(InteractionChannel)),
        (K::Interactions, "direction") => Code(codes!(Direction)),
        (K::Contracts, "status") => Code(codes!(ContractStatus)),
        (K::CancellationReasons, "category") => Code(codes!(ReasonCategory)),
        (K::CancellationReasons, "remedy_status") => Code(codes!(RemedyStatus)),
        (K::Surveys, "kind") => Code(codes!(SurveyKind)),
        (K::Cases, "severity") => Code(codes!(CaseSeverity)),
        (K::Cases, "status") => Code(codes!(CaseStatus)),
        (K::Tasks, "status") => Code(codes!(TaskStatus)),
        _ => Text,
    }
}

/// Fields the server fills in: never accepted in requests.
pub const READ_ONLY: &[&str] = &["id", "created_at", "updated_at"];

/// A request object turned into field names and values, in the kind's field order.
pub fn to_fields(
    kind: ImportKind,
    object: &Map<String, Value>,
    index: Option<usize>,
) -> Result<Vec<(String, String)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    for key in object.keys() {
        if READ_ONLY.contains(&key.as_str()) {
            errors.push(FieldError::new(
                index,
                key,
                "is set by the server and cannot be written",
            ));
        } else if !kind.fields().iter().any(|f| f.name == key) {
            errors.push(FieldError::new(
                index,
                key,
                format!("is not a field of {kind}; the fields are listed in the API document"),
            ));
        }
    }
    let mut out = Vec::new();
    for f in kind.fields() {
        let Some(v) = object.get(f.name) else {
            continue;
        };
        match convert(json_type(kind, f.name), v) {
            Ok(text) => out.push((f.name.to_string(), text)),
            Err(reason) => errors.push(FieldError::new(index, f.name, reason)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One JSON value as the text a field holds; null clears the field.
pub(crate) fn convert(ty: JsonType, v: &Value) -> Result<String, String> {
    use JsonType::*;
    if v.is_null() {
        return Ok(String::new());
    }
    if holds_nul(v) {
        return Err(rapport_app::records::NUL_REASON.into());
    }
    let text = |v: &Value| v.as_str().map(str::to_string);
    let out = match ty {
        Text | Email | Date | DateTime => text(v).ok_or("must be a string")?,
        Code(codes) => {
            let s = text(v).ok_or("must be a string")?;
            if !codes.contains(&s.as_str()) {
                return Err(format!("must be one of: {}", codes.join(", ")));
            }
            s
        }
        Integer => match v.as_i64() {
            Some(i) => i.to_string(),
            None => return Err("must be a whole number".into()),
        },
        Decimal => match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err("must be a decimal amount such as \"12.50\"".into()),
        },
        List => match v {
            Value::Array(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    let s = item.as_str().ok_or("must be a list of strings")?;
                    if s.contains([';', ',', '|']) {
                        return Err("entries may not contain ';', ',' or '|'".into());
                    }
                    parts.push(s.to_string());
                }
                parts.join(";")
            }
            _ => return Err("must be a list of strings".into()),
        },
        Object => match v {
            Value::Object(_) => v.to_string(),
            _ => return Err("must be an object of custom attributes".into()),
        },
    };
    if out.len() > TEXT_MAX {
        return Err(format!("is longer than {TEXT_MAX} bytes"));
    }
    Ok(out)
}

/// Whether a string anywhere in `v` (keys included) holds U+0000, which PostgreSQL cannot
/// store.
pub fn holds_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// A stored record as the API shows it.
pub fn to_json(kind: ImportKind, rec: &StoredRecord) -> Value {
    serde_json::to_value(RecordJson { kind, rec }).unwrap_or(Value::Null)
}

/// A stored record as the API shows it, written straight to JSON (no document is built
/// first): `id`, the kind's fields typed by [`json_type`], `created_at` and `updated_at`, with
/// the keys in alphabetical order.
pub struct RecordJson<'a> {
    pub kind: ImportKind,
    pub rec: &'a StoredRecord,
}

/// A key of a record's JSON.
#[derive(Debug, Clone, Copy)]
enum Key {
    Id,
    Field(usize, &'static str, JsonType),
    Created,
    Updated,
}

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::Field(_, name, _) => name,
            Key::Created => "created_at",
            Key::Updated => "updated_at",
        }
    }
}

/// Each kind's keys in alphabetical order (the order serde_json's maps keep), worked out once.
fn keys(kind: ImportKind) -> &'static [Key] {
    static KEYS: std::sync::OnceLock<Vec<Vec<Key>>> = std::sync::OnceLock::new();
    let all = KEYS.get_or_init(|| {
        ImportKind::ALL
            .iter()
            .map(|k| {
                let mut keys = vec![Key::Id, Key::Created, Key::Updated];
                keys.extend(
                    k.fields()
                        .iter()
                        .enumerate()
                        .map(|(i, f)| Key::Field(i, f.name, json_type(*k, f.name))),
                );
                keys.sort_by_key(|k| k.name());
                keys.dedup_by_key(|k| k.name());
                keys
            })
            .collect()
    });
    let i = ImportKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    &all[i]
}

impl serde::Serialize for RecordJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let rec = self.rec;
        let mut map = s.serialize_map(None)?;
        for key in keys(self.kind) {
            match *key {
                Key::Id if !rec.id.is_nil() => map.serialize_entry("id", &rec.id)?,
                Key::Field(i, name, ty) => {
                    let text = rec.fields.get(i).map_or("", String::as_str);
                    map.serialize_entry(name, &FieldJson(ty, text))?
                }
                Key::Created | Key::Updated => {
                    let t = match key {
                        Key::Created => rec.created_at,
                        _ => rec.updated_at,
                    };
                    if let Some(t) = t {
                        map.serialize_entry(
                            key.name(),
                            &rapport_domain::dates::format_timestamp(&t),
                        )?;
                    }
                }
                Key::Id => {}
            }
        }
        map.end()
    }
}

/// A field's stored text as JSON of its type (empty text: null).
pub(crate) fn field_json(ty: JsonType, text: &str) -> Value {
    serde_json::to_value(FieldJson(ty, text)).unwrap_or(Value::Null)
}

/// A field's stored text as its JSON type: lists as arrays, attributes as an object, an empty
/// field as null, integers as numbers, the rest as strings.
struct FieldJson<'a>(JsonType, &'a str);

impl serde::Serialize for FieldJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let FieldJson(ty, text) = *self;
        match ty {
            JsonType::List => s.collect_seq(text.split(';').filter(|p| !p.is_empty())),
            JsonType::Object => match serde_json::from_str::<Value>(text) {
                Ok(v) => v.serialize(s),
                _ => s.collect_map(std::iter::empty::<(&str, &str)>()),
            },
            _ if text.is_empty() => s.serialize_none(),
            JsonType::Integer => match text.parse::<i64>() {
                Ok(i) => s.serialize_i64(i),
                Err(_) => s.serialize_none(),
            },
            _ => s.serialize_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(kind: ImportKind, input: Value, expected: Result<Vec<(&str, &str)>, Vec<&str>>) {
        let got = to_fields(kind, input.as_object().expect("object"), None);
        match (got, expected) {
            (Ok(fields), Ok(want)) => {
                let want: Vec<(String, String)> = want
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect();
                assert_eq!(fields, want);
            }
            (Err(errors), Err(want)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, want, "{errors:?}");
            }
            (got, want) => panic!("{input}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn request_objects_become_fields_strictly() {
        use ImportKind::*;
        check(
            Parties,
            json!({"name": "Acme", "tags": ["b", "a"], "attributes": {"x": 1}}),
            Ok(vec![
                ("name", "Acme"),
                ("tags", "b;a"),
                ("attributes", "{\"x\":1}"),
            ]),
        );
        check(
            Interactions,
            json!({"sentiment": 2}),
            Ok(vec![("sentiment", "2")]),
        );
        check(
            Products,
            json!({"list_price": 12.5}),
            Ok(vec![("list_price", "12.5")]),
        );
        check(Parties, json!({"email": null}), Ok(vec![("email", "")]));
        check(Parties, json!({"nmae": "typo"}), Err(vec!["nmae"]));
        check(Parties, json!({"id": "x"}), Err(vec!["id"]));
        check(
            Interactions,
            json!({"sentiment": "two"}),
            Err(vec!["sentiment"]),
        );
        check(
            Interactions,
            json!({"sentiment": 1.5}),
            Err(vec!["sentiment"]),
        );
        check(Parties, json!({"name": 5}), Err(vec!["name"]));
        check(Parties, json!({"tags": "a;b"}), Err(vec!["tags"]));
        check(Parties, json!({"tags": ["a;b"]}), Err(vec!["tags"]));
        check(Parties, json!({"attributes": [1]}), Err(vec!["attributes"]));
        check(
            Parties,
            json!({"lifecycle": "Active"}),
            Err(vec!["lifecycle"]),
        );
        check(
            Interactions,
            json!({"channel": "call"}),
            Ok(vec![("channel", "call")]),
        );
        check(Parties, json!({"name": "a\u{0}b"}), Err(vec!["name"]));
        check(Parties, json!({"tags": ["\u{0}"]}), Err(vec!["tags"]));
        check(
            Parties,
            json!({"attributes": {"k": {"\u{0}": 1}}}),
            Err(vec!["attributes"]),
        );
    }

    #[test]
    fn every_field_has_a_type_and_enums_list_real_codes() {
        for kind in ImportKind::ALL {
            for f in kind.fields() {
                if let JsonType::Code(codes) = json_type(*kind, f.name) {
                    assert!(!codes.is_empty() && codes.iter().all(|c| !c.is_empty()));
                }
            }
        }
        assert_eq!(
            json_type(ImportKind::Interactions, "channel"),
            JsonType::Code(&[
                "call", "email", "meeting", "visit", "chat", "letter", "other"
            ])
        );
    }

    #[test]
    fn stored_fields_render_typed() {
        let rec = StoredRecord {
            id: uuid::Uuid::nil(),
            fields: vec![
                "I-1".into(),
                "P-1".into(),
                String::new(),
                "call".into(),
                "inbound".into(),
                "2026-01-02T03:04:05Z".into(),
                String::new(),
                String::new(),
                "-1".into(),
                String::new(),
            ],
            created_at: None,
            updated_at: None,
        };
        let v = to_json(ImportKind::Interactions, &rec);
        assert_eq!(v["sentiment"], json!(-1));
        assert_eq!(v["user_email"], Value::Null);
        assert_eq!(v["external_id"], json!("I-1"));
        assert!(v.get("id").is_none());
    }
}
