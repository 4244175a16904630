//! The schemas of orders: an order with its lines nested, as the API shows it and as requests
//! create and change it, built from the same field types as every record.

use rapport_app::import::ImportKind;
use rapport_app::records::orders::{HEADER_FIELDS, LINE_FIELDS, MAX_LINES};
use serde_json::{Map, Value, json};

use super::super::fields::json_type;
use super::{field_schema, schema_ref};

fn props(fields: &[&str], input: bool) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| {
            (
                f.to_string(),
                field_schema(json_type(ImportKind::Orders, f), input),
            )
        })
        .collect()
}

fn lines(item: &str) -> Value {
    json!({
        "type": "array",
        "items": schema_ref(item),
        "minItems": 1,
        "maxItems": MAX_LINES,
        "description": "The order's lines; in a change they replace the stored lines. A line without `line` is numbered by its position."
    })
}

/// An order to create (`create`) or the fields of one to change.
fn order_input(create: bool) -> Value {
    let mut p = props(&HEADER_FIELDS, true);
    p.insert("lines".into(), lines("OrderLineItemInput"));
    let required: &[&str] = if create {
        &["customer_id", "ordered_at", "lines"]
    } else {
        &[]
    };
    json!({
        "type": "object",
        "properties": p,
        "required": required,
        "additionalProperties": false,
    })
}

pub(super) fn insert_schemas(s: &mut Map<String, Value>) {
    let mut order = props(&HEADER_FIELDS, false);
    order.insert("id".into(), json!({"type": "string", "format": "uuid"}));
    order.insert(
        "lines".into(),
        json!({"type": "array", "items": schema_ref("OrderLineItem")}),
    );
    let mut required: Vec<&str> = vec!["id"];
    required.extend(HEADER_FIELDS);
    required.push("lines");
    s.insert(
        "Order".into(),
        json!({
            "type": "object",
            "description": "An order with its lines, in the field names of the orders CSV format (`customer_id`: the party's external id; `amount`: the line's total in the order's currency, in major units).",
            "properties": order,
            "required": required,
            "additionalProperties": true,
        }),
    );
    s.insert(
        "OrderLineItem".into(),
        json!({
            "type": "object",
            "properties": props(&LINE_FIELDS, false),
            "required": LINE_FIELDS,
            "additionalProperties": true,
        }),
    );
    s.insert(
        "OrderLineItemInput".into(),
        json!({
            "type": "object",
            "description": "A line: `sku` a product's (optional), `quantity` 0 or more (default 1), `amount` the line's total.",
            "properties": props(&LINE_FIELDS, true),
            "required": ["amount"],
            "additionalProperties": false,
        }),
    );
    s.insert("OrderCreate".into(), order_input(true));
    s.insert("OrderChange".into(), order_input(false));
    s.insert(
        "OrderPage".into(),
        json!({
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": schema_ref("Order")},
                "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last."}
            },
            "required": ["items", "next_cursor"]
        }),
    );
}
