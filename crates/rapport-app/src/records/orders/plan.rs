//! Turning requested orders into the rows to write: each merged with what is stored (the
//! fields a request leaves out, and its lines when it gives none, keep their stored values),
//! every line parsed by the orders import's rules, lines numbered, the customer and the skus
//! resolved. Every problem of every order is named at once, with the order's position and the
//! field (`lines[2].amount` for a line's).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rapport_domain::Currency;
use rapport_store::schema::{ORDER_LINES, ORDERS, PRODUCTS};
use rapport_store::{Row, Tx, Value};
use uuid::Uuid;

use super::read::{lines_of, render_with};
use super::{HEADER_FIELDS, LINE_FIELDS, MAX_LINES, OrderInput, StoredOrder};
use crate::import::orders::{RequestLine, parse_request_line};
use crate::import::source::Record;
use crate::import::{ImportKind, RowError};
use crate::records::RecordError;

/// One order of a request, ready to write.
pub(super) struct Planned {
    pub key: String,
    /// The stored order and its lines, when it exists.
    pub stored: Option<(Row, Vec<Row>)>,
    /// The order's row (with the stored id, or a nil one for a new order).
    pub header: Row,
    /// Its lines (their order id is filled in when written).
    pub lines: Vec<Row>,
}

/// A requested order parsed, before its references are resolved.
struct Parsed {
    position: u64,
    key: String,
    customer: String,
    at: DateTime<Utc>,
    currency: Currency,
    channel: Option<String>,
    /// Each line: its number, the line parsed, and whether the request gave it (lines kept
    /// from the stored order keep their product).
    lines: Vec<(i64, RequestLine, bool)>,
}

fn error(
    position: u64,
    field: String,
    value: Option<String>,
    reason: impl Into<String>,
) -> RowError {
    RowError {
        line: position,
        column: Some(field),
        value,
        reason: reason.into(),
    }
}

/// Plans `orders` (each with its key) against the `stored` order rows (by key); the errors of
/// every order when any is wrong.
pub(super) async fn plan(
    tx: &mut Tx,
    orders: Vec<(String, OrderInput)>,
    stored: &HashMap<String, Row>,
) -> Result<Vec<Planned>, RecordError> {
    let stored_rows: Vec<Row> = stored.values().cloned().collect();
    let mut stored_lines = lines_of(tx, &stored_rows).await?;
    let rendered: HashMap<String, StoredOrder> = render_with(tx, &stored_rows, &stored_lines)
        .await?
        .into_iter()
        .map(|o| (o.key().to_string(), o))
        .collect();
    let mut errors = Vec::new();
    let mut parsed = Vec::with_capacity(orders.len());
    for (i, (key, input)) in orders.into_iter().enumerate() {
        let current = rendered.get(&key);
        if let Some(p) = parse(i as u64 + 1, key, &input, current, &mut errors) {
            parsed.push(p);
        }
    }
    // The customers and the skus the requests name must exist.
    let mut customers: Vec<String> = parsed.iter().map(|p| p.customer.clone()).collect();
    customers.sort();
    customers.dedup();
    let parties = tx.resolve_parties(&customers).await?;
    let skus: HashSet<&str> = parsed
        .iter()
        .flat_map(|p| p.lines.iter())
        .filter(|(_, _, given)| *given)
        .filter_map(|(_, l, _)| l.sku.as_deref())
        .collect();
    let skus: Vec<Value> = skus.into_iter().map(Value::text).collect();
    let (sku_col, id_col) = (PRODUCTS.col("sku"), PRODUCTS.col("id"));
    let products: HashMap<String, Uuid> = tx
        .fetch_in(&PRODUCTS, "sku", &skus)
        .await?
        .into_iter()
        .filter_map(|r| Some((r[sku_col].as_str()?.to_string(), r[id_col].as_uuid()?)))
        .collect();
    let mut planned = Vec::with_capacity(parsed.len());
    for p in parsed {
        let Some(party) = parties.get(&p.customer).copied() else {
            errors.push(error(
                p.position,
                "customer_id".into(),
                Some(p.customer.clone()),
                "no party has this external id",
            ));
            continue;
        };
        let stored_row = stored.get(&p.key).cloned();
        let old_lines = stored_row
            .as_ref()
            .and_then(|r| r[ORDERS.col("id")].as_uuid())
            .and_then(|id| stored_lines.remove(&id))
            .unwrap_or_default();
        let old_product: HashMap<i64, Value> = old_lines
            .iter()
            .filter_map(|l| {
                let n = l[ORDER_LINES.col("line_no")].as_int()?;
                Some((n, l[ORDER_LINES.col("product_id")].clone()))
            })
            .collect();
        let mut lines = Vec::with_capacity(p.lines.len());
        let mut refused = false;
        for (j, (line_no, l, given)) in p.lines.into_iter().enumerate() {
            let product = match (&l.sku, given) {
                (Some(sku), true) => match products.get(sku) {
                    Some(id) => Value::Uuid(*id),
                    None => {
                        errors.push(error(
                            p.position,
                            format!("lines[{j}].sku"),
                            Some(sku.clone()),
                            "no product has this sku",
                        ));
                        refused = true;
                        continue;
                    }
                },
                (None, _) => Value::Null,
                (Some(_), false) => old_product.get(&line_no).cloned().unwrap_or(Value::Null),
            };
            lines.push(vec![
                Value::Uuid(Uuid::nil()),
                Value::Int(line_no),
                product,
                Value::opt(l.sku),
                Value::Int(l.quantity),
                Value::Int(l.amount),
            ]);
        }
        if refused {
            continue;
        }
        let id = stored_row
            .as_ref()
            .map_or(Value::Uuid(Uuid::nil()), |r| r[ORDERS.col("id")].clone());
        // The order's total is its lines' sum: the lines planned here are all of them.
        let amount = ORDER_LINES.col("amount_minor");
        let total: i64 = lines.iter().filter_map(|l| l[amount].as_int()).sum();
        planned.push(Planned {
            header: vec![
                id,
                Value::text(p.key.as_str()),
                Value::Uuid(party),
                Value::Time(p.at),
                Value::opt(p.channel),
                Value::text(p.currency.as_str()),
                Value::Int(total),
            ],
            key: p.key,
            stored: stored_row.map(|r| (r, old_lines)),
            lines,
        });
    }
    if errors.is_empty() {
        Ok(planned)
    } else {
        Err(RecordError::Invalid(errors))
    }
}

/// Parses one requested order over its stored self (if any): every line through the import's
/// line parser, with the order's fields repeated on each, as a file has them.
fn parse(
    position: u64,
    key: String,
    input: &OrderInput,
    stored: Option<&StoredOrder>,
    errors: &mut Vec<RowError>,
) -> Option<Parsed> {
    let mut header: Vec<String> = match stored {
        Some(s) => s.fields.clone(),
        None => vec![String::new(); HEADER_FIELDS.len()],
    };
    for (field, value) in &input.fields {
        if let Some(i) = HEADER_FIELDS.iter().position(|f| f == field) {
            header[i] = value.clone();
        }
    }
    header[0] = key.clone();
    let given = input.lines.is_some();
    let lines: Vec<Vec<String>> = match &input.lines {
        Some(lines) => lines
            .iter()
            .map(|l| {
                LINE_FIELDS
                    .iter()
                    .map(|f| {
                        l.iter()
                            .find(|(g, _)| g == f)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect(),
        None => stored.map(|s| s.lines.clone()).unwrap_or_default(),
    };
    let before = errors.len();
    if lines.is_empty() {
        let reason = if given {
            "an order has at least one line"
        } else {
            "is required"
        };
        errors.push(error(position, "lines".into(), None, reason));
    } else if lines.len() > MAX_LINES {
        errors.push(error(
            position,
            "lines".into(),
            None,
            format!(
                "has {} lines; an order has at most {MAX_LINES}",
                lines.len()
            ),
        ));
        return None;
    }
    // A line in the import's field order: order_id, line, customer_id, ordered_at, sku,
    // quantity, amount, currency, channel.
    let record = |line: &[String]| Record {
        line: position,
        fields: vec![
            header[0].clone(),
            line[0].clone(),
            header[1].clone(),
            header[2].clone(),
            line[1].clone(),
            line[2].clone(),
            line[3].clone(),
            header[3].clone(),
            header[4].clone(),
        ],
    };
    debug_assert_eq!(ImportKind::Orders.fields().len(), 9);
    let mut header_errors: Vec<RowError> = Vec::new();
    let mut parsed_lines = Vec::with_capacity(lines.len());
    let mut first_of: HashMap<i64, usize> = HashMap::new();
    // Without lines, the order's own fields are still checked (on a line of no amount).
    let probe = [String::new(), String::new(), String::new(), "0".to_string()];
    let checked: Vec<&[String]> = if lines.is_empty() {
        vec![&probe[..]]
    } else {
        lines.iter().map(Vec::as_slice).collect()
    };
    for (j, line) in checked.into_iter().enumerate() {
        match parse_request_line(&record(line), Currency::EUR) {
            Ok(l) if !lines.is_empty() => {
                let line_no = l.line_no.unwrap_or(j as i64 + 1);
                if let Some(first) = first_of.insert(line_no, j) {
                    errors.push(error(
                        position,
                        format!("lines[{j}].line"),
                        Some(line_no.to_string()),
                        format!("order {key} has line {line_no} twice (also lines[{first}])"),
                    ));
                }
                parsed_lines.push((line_no, l, given));
            }
            Ok(_) => {}
            Err(errs) => {
                for e in errs {
                    let column = e.column.clone().unwrap_or_default();
                    if LINE_FIELDS.contains(&column.as_str()) {
                        if !lines.is_empty() {
                            errors.push(RowError {
                                column: Some(format!("lines[{j}].{column}")),
                                ..e
                            });
                        }
                    } else if !header_errors
                        .iter()
                        .any(|h| h.column == e.column && h.reason == e.reason)
                    {
                        header_errors.push(e);
                    }
                }
            }
        }
    }
    errors.append(&mut header_errors);
    if errors.len() > before {
        return None;
    }
    let first = &parsed_lines.first()?.1;
    Some(Parsed {
        position,
        customer: first.customer.clone(),
        at: first.at,
        currency: first.currency,
        channel: first.channel.clone(),
        key,
        lines: parsed_lines,
    })
}
