//! Stored orders with their lines, as the import format writes them: one by id or external
//! id, or a page of a list.

use std::collections::HashMap;

use rapport_domain::dates::format_timestamp;
use rapport_domain::{Currency, format_minor};
use rapport_store::schema::{ORDER_LINES, ORDERS, PARTIES};
use rapport_store::{ListQuery, Row, StoreError, Tx, Value};
use uuid::Uuid;

use super::StoredOrder;
use crate::import::ImportKind;

/// The order whose id or external id is `key`.
pub async fn get(tx: &mut Tx, key: &str) -> Result<Option<StoredOrder>, StoreError> {
    let Some(row) = crate::records::find_row(tx, ImportKind::Orders, key).await? else {
        return Ok(None);
    };
    Ok(render(tx, std::slice::from_ref(&row)).await?.pop())
}

/// One page of orders (`query` on the orders table); the rows are returned too, for the
/// caller's cursor.
pub async fn list(tx: &mut Tx, query: &ListQuery) -> Result<Vec<(Row, StoredOrder)>, StoreError> {
    let rows = tx.list(&ORDERS, query).await?;
    let orders = render(tx, &rows).await?;
    Ok(rows.into_iter().zip(orders).collect())
}

/// The stored lines of these orders, by order id, each order's by line number.
pub(super) async fn lines_of(
    tx: &mut Tx,
    orders: &[Row],
) -> Result<HashMap<Uuid, Vec<Row>>, StoreError> {
    let ids: Vec<Value> = orders.iter().map(|r| r[ORDERS.col("id")].clone()).collect();
    let mut lines: HashMap<Uuid, Vec<Row>> = HashMap::new();
    if ids.is_empty() {
        return Ok(lines);
    }
    let order_col = ORDER_LINES.col("order_id");
    for l in tx.fetch_in(&ORDER_LINES, "order_id", &ids).await? {
        if let Some(o) = l[order_col].as_uuid() {
            lines.entry(o).or_default().push(l);
        }
    }
    let line_col = ORDER_LINES.col("line_no");
    for ls in lines.values_mut() {
        ls.sort_by_key(|l| l[line_col].as_int());
    }
    Ok(lines)
}

/// Renders order rows with their lines (read here), in the rows' order.
pub(super) async fn render(tx: &mut Tx, rows: &[Row]) -> Result<Vec<StoredOrder>, StoreError> {
    let lines = lines_of(tx, rows).await?;
    render_with(tx, rows, &lines).await
}

/// Renders order rows with their lines (as `lines_of` reads them), in the rows' order.
pub(super) async fn render_with(
    tx: &mut Tx,
    rows: &[Row],
    lines: &HashMap<Uuid, Vec<Row>>,
) -> Result<Vec<StoredOrder>, StoreError> {
    let party_ids: Vec<Value> = rows
        .iter()
        .map(|r| r[ORDERS.col("party_id")].clone())
        .collect();
    let (id, ext) = (PARTIES.col("id"), PARTIES.col("external_id"));
    let parties: HashMap<Uuid, String> = if party_ids.is_empty() {
        HashMap::new()
    } else {
        tx.fetch_in(&PARTIES, "id", &party_ids)
            .await?
            .into_iter()
            .filter_map(|p| Some((p[id].as_uuid()?, p[ext].as_str()?.to_string())))
            .collect()
    };
    Ok(rows
        .iter()
        .map(|row| {
            let order_id = row[ORDERS.col("id")].as_uuid().unwrap_or_default();
            let customer = row[ORDERS.col("party_id")]
                .as_uuid()
                .and_then(|p| parties.get(&p).cloned())
                .unwrap_or_default();
            let none = Vec::new();
            render_one(row, customer, lines.get(&order_id).unwrap_or(&none))
        })
        .collect())
}

/// One order row, its customer's external id and its lines (stored rows) as text.
fn render_one(row: &Row, customer: String, lines: &[Row]) -> StoredOrder {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let currency = text(&row[ORDERS.col("currency")]);
    let digits = Currency::parse(&currency).map_or(2, |c| c.minor_digits());
    let int = |v: &Value| v.as_int().map(|i| i.to_string()).unwrap_or_default();
    StoredOrder {
        id: row[ORDERS.col("id")].as_uuid().unwrap_or_default(),
        fields: vec![
            text(&row[ORDERS.col("external_id")]),
            customer,
            row[ORDERS.col("ordered_at")]
                .as_time()
                .map(|t| format_timestamp(&t))
                .unwrap_or_default(),
            currency,
            text(&row[ORDERS.col("channel")]),
        ],
        lines: lines
            .iter()
            .map(|l| {
                vec![
                    int(&l[ORDER_LINES.col("line_no")]),
                    text(&l[ORDER_LINES.col("sku")]),
                    int(&l[ORDER_LINES.col("quantity")]),
                    l[ORDER_LINES.col("amount_minor")]
                        .as_int()
                        .map(|m| format_minor(m, digits))
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    }
}
