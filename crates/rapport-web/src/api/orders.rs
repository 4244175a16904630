//! The order endpoints that write: an order is one record with its lines nested
//! (`lines: [{line, sku, quantity, amount}]`), in the field names of the orders CSV format, so
//! what a GET returns can be sent back (less its server-set `id`). Create, upsert in bulk and
//! change (the lines replaced when given); lists, reads and deletes are the records' own. The
//! JSON is converted strictly, every wrong field named (`lines[1].amount` for a line's), and
//! each handler calls one use case of `rapport_app::records::orders`.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rapport_app::import::ImportKind;
use rapport_app::records::Mode;
use rapport_app::records::orders::{self, HEADER_FIELDS, LINE_FIELDS, OrderInput, StoredOrder};
use serde_json::{Map, Value, json};

use super::body::JsonBody;
use super::fields::{READ_ONLY, convert, field_json, json_type};
use super::kinds::KindApi;
use super::records::{bulk_items, created, object, outcome_json, read_back, writing};
use crate::auth::Caller;
use crate::problem::{FieldError, Problem, record_problem};
use crate::state::AppState;

/// A stored order as the API shows it.
pub fn order_json(o: &StoredOrder) -> Value {
    let kind = ImportKind::Orders;
    let mut map = Map::new();
    map.insert("id".into(), json!(o.id));
    for (f, text) in HEADER_FIELDS.iter().zip(&o.fields) {
        map.insert(f.to_string(), field_json(json_type(kind, f), text));
    }
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            let line: Map<String, Value> = LINE_FIELDS
                .iter()
                .zip(l)
                .map(|(f, text)| (f.to_string(), field_json(json_type(kind, f), text)))
                .collect();
            Value::Object(line)
        })
        .collect();
    map.insert("lines".into(), Value::Array(lines));
    Value::Object(map)
}

/// A request object as an order (`index`: its position in a bulk request); every wrong field
/// is named.
pub fn order_input(
    object: &Map<String, Value>,
    index: Option<usize>,
) -> Result<OrderInput, Vec<FieldError>> {
    let kind = ImportKind::Orders;
    let mut errors = Vec::new();
    for key in object.keys().filter(|k| *k != "lines") {
        if READ_ONLY.contains(&key.as_str()) {
            errors.push(FieldError::new(
                index,
                key,
                "is set by the server and cannot be written",
            ));
        } else if !HEADER_FIELDS.contains(&key.as_str()) {
            errors.push(FieldError::new(
                index,
                key,
                "is not a field of orders; the fields are listed in the API document",
            ));
        }
    }
    let mut input = OrderInput::default();
    for f in HEADER_FIELDS {
        if let Some(v) = object.get(f) {
            match convert(json_type(kind, f), v) {
                Ok(text) => input.fields.push((f.to_string(), text)),
                Err(reason) => errors.push(FieldError::new(index, f, reason)),
            }
        }
    }
    match object.get("lines") {
        None => {}
        Some(Value::Array(items)) => {
            let mut lines = Vec::with_capacity(items.len());
            for (j, item) in items.iter().enumerate() {
                let Some(o) = item.as_object() else {
                    errors.push(FieldError::new(
                        index,
                        &format!("lines[{j}]"),
                        "must be an object such as {\"sku\": \"A-1\", \"quantity\": 2, \"amount\": \"25.00\"}",
                    ));
                    continue;
                };
                for key in o.keys().filter(|k| !LINE_FIELDS.contains(&k.as_str())) {
                    errors.push(FieldError::new(
                        index,
                        &format!("lines[{j}].{key}"),
                        format!(
                            "is not a field of an order line ({})",
                            LINE_FIELDS.join(", ")
                        ),
                    ));
                }
                let mut line = Vec::new();
                for f in LINE_FIELDS {
                    if let Some(v) = o.get(f) {
                        match convert(json_type(kind, f), v) {
                            Ok(text) => line.push((f.to_string(), text)),
                            Err(reason) => errors.push(FieldError::new(
                                index,
                                &format!("lines[{j}].{f}"),
                                reason,
                            )),
                        }
                    }
                }
                lines.push(line);
            }
            input.lines = Some(lines);
        }
        Some(_) => errors.push(FieldError::new(
            index,
            "lines",
            "must be a list of lines, each {line, sku, quantity, amount}",
        )),
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

pub async fn create(
    k: &'static KindApi,
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let input = order_input(object(&body)?, None).map_err(Problem::invalid)?;
    let outcome = orders::write(
        &state.store,
        state.org,
        Mode::Create,
        vec![input],
        &writing(&caller, "api"),
    )
    .await
    .map_err(|e| record_problem(e, false))?;
    let key = outcome.keys.first().cloned().unwrap_or_default();
    let rec = read_back(&state, k, &key).await?;
    Ok(created(k, &key, rec))
}

pub async fn bulk(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let items = bulk_items(&body)?;
    let mut errors = Vec::new();
    let mut inputs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_object() {
            None => errors.push(FieldError::new(
                Some(i),
                "(record)",
                "must be a JSON object",
            )),
            Some(o) => match order_input(o, Some(i)) {
                Ok(input) => inputs.push(input),
                Err(mut e) => errors.append(&mut e),
            },
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let outcome = orders::write(
        &state.store,
        state.org,
        Mode::Upsert,
        inputs,
        &writing(&caller, "api"),
    )
    .await
    .map_err(|e| record_problem(e, true))?;
    Ok(axum::Json(outcome_json(&outcome)).into_response())
}

pub async fn update(
    k: &'static KindApi,
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let input = order_input(object(&body)?, None).map_err(Problem::invalid)?;
    let natural = orders::update(
        &state.store,
        state.org,
        &key,
        input,
        &writing(&caller, "api"),
    )
    .await?;
    Ok(axum::Json(read_back(&state, k, &natural).await?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(input: Value) -> Result<OrderInput, Vec<String>> {
        order_input(input.as_object().expect("object"), None)
            .map_err(|e| e.into_iter().map(|e| e.field).collect())
    }

    #[test]
    fn request_orders_become_fields_and_lines_strictly() {
        let got = fields_of(json!({
            "order_id": "O-1", "customer_id": "P-1", "ordered_at": "2026-03-01",
            "channel": null,
            "lines": [{"sku": "A", "quantity": 2, "amount": 12.5}, {"line": 7, "amount": "3"}]
        }));
        assert_eq!(
            got,
            Ok(OrderInput {
                fields: vec![
                    ("order_id".into(), "O-1".into()),
                    ("customer_id".into(), "P-1".into()),
                    ("ordered_at".into(), "2026-03-01".into()),
                    ("channel".into(), String::new()),
                ],
                lines: Some(vec![
                    vec![
                        ("sku".into(), "A".into()),
                        ("quantity".into(), "2".into()),
                        ("amount".into(), "12.5".into()),
                    ],
                    vec![("line".into(), "7".into()), ("amount".into(), "3".into())],
                ]),
            })
        );
        assert_eq!(
            fields_of(json!({"channel": "web"})).map(|i| i.lines),
            Ok(None)
        );
        for (input, fields) in [
            (json!({"id": "x"}), vec!["id"]),
            (json!({"colour": "red"}), vec!["colour"]),
            (json!({"lines": "A"}), vec!["lines"]),
            (json!({"lines": [5]}), vec!["lines[0]"]),
            (json!({"lines": [{"price": 1}]}), vec!["lines[0].price"]),
            (
                json!({"lines": [{"amount": true}]}),
                vec!["lines[0].amount"],
            ),
            (
                json!({"lines": [{}, {"quantity": 1.5}]}),
                vec!["lines[1].quantity"],
            ),
            (json!({"lines": [{"line": "one"}]}), vec!["lines[0].line"]),
            (json!({"ordered_at": 20260301}), vec!["ordered_at"]),
            (json!({"customer_id": ["P"]}), vec!["customer_id"]),
        ] {
            let fields: Vec<String> = fields.into_iter().map(String::from).collect();
            assert_eq!(fields_of(input.clone()).map(|_| ()), Err(fields), "{input}");
        }
    }

    #[test]
    fn stored_orders_render_with_typed_nested_lines() {
        let o = StoredOrder {
            id: uuid::Uuid::nil(),
            fields: vec![
                "O-1".into(),
                "P-1".into(),
                "2026-03-01T10:00:00Z".into(),
                "EUR".into(),
                String::new(),
            ],
            lines: vec![vec!["1".into(), String::new(), "2".into(), "25.00".into()]],
        };
        assert_eq!(
            order_json(&o),
            json!({
                "id": uuid::Uuid::nil(),
                "order_id": "O-1", "customer_id": "P-1", "ordered_at": "2026-03-01T10:00:00Z",
                "currency": "EUR", "channel": null,
                "lines": [{"line": 1, "sku": null, "quantity": 2, "amount": "25.00"}]
            })
        );
    }
}
