//! What the store's test files share: a fixed clock, sample rows, and a fresh store (with an
//! org) on every configured backend.
#![allow(dead_code)] // each test file uses its own part

use chrono::{NaiveDate, TimeZone, Utc};
use rapport_domain::OrgId;
use rapport_store::schema::PARTIES;
use rapport_store::{Row, Store, Table, Tx, Value};
use rapport_testkit::TestDb;
use uuid::Uuid;

pub fn t(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 10, 0, 0).unwrap()
}

pub fn party_row(id: Uuid, ext: &str, name: &str) -> Row {
    let mut row = vec![Value::Null; PARTIES.columns.len()];
    row[PARTIES.col("id")] = Value::Uuid(id);
    row[PARTIES.col("external_id")] = Value::text(ext);
    row[PARTIES.col("kind")] = Value::text("person");
    row[PARTIES.col("name")] = Value::text(name);
    row[PARTIES.col("roles")] = Value::text("customer");
    row[PARTIES.col("lifecycle")] = Value::text("active");
    row[PARTIES.col("acquired_on")] = Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
    row[PARTIES.col("email")] = Value::text(format!("{ext}@example.com"));
    row[PARTIES.col("tags")] = Value::text("vip;newsletter");
    row[PARTIES.col("attributes")] = Value::Json(serde_json::json!({"tier": "gold", "n": 3}));
    row[PARTIES.col("created_at")] = Value::Time(t(1));
    row[PARTIES.col("updated_at")] = Value::Time(t(2));
    row
}

pub async fn stores() -> Vec<(TestDb, Store, OrgId)> {
    let mut out = Vec::new();
    for db in TestDb::all().await {
        let store = Store::connect(&db.url).await.expect("connect");
        let (org, created) = store
            .ensure_org("Acme", OrgId(Uuid::now_v7()), t(1))
            .await
            .unwrap();
        assert!(created);
        out.push((db, store, org.id));
    }
    out
}

pub fn order_row(id: Uuid, ext: &str, party: Uuid) -> Row {
    vec![
        Value::Uuid(id),
        Value::text(ext),
        Value::Uuid(party),
        Value::Time(t(3)),
        Value::Null,
        Value::text("EUR"),
        Value::Int(0),
    ]
}

/// Every row of `table` in the transaction's org, read page by page (`page` rows at a time).
pub async fn all_rows(tx: &mut Tx, table: &Table, page: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut after: Option<Vec<Value>> = None;
    loop {
        let batch = tx.fetch_page(table, after.as_deref(), page).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(Tx::key_of(table, last));
        rows.extend(batch);
    }
    rows
}
