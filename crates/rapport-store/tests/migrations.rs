//! Migrations applied to a database with data in it: the order totals' migration gives the
//! orders stored before it the sums of their lines. On SQLite and PostgreSQL.

mod common;

use common::*;
use rapport_store::schema::{ORDER_LINES, ORDERS, PARTIES};
use rapport_store::{Store, Value};
use uuid::Uuid;

/// Runs `sql` on the database at `url` outside the store (as an older build would have
/// left the database).
async fn raw(url: &str, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

#[tokio::test]
async fn the_order_totals_migration_sums_the_lines_of_stored_orders() {
    for (db, store, org) in stores().await {
        let party = Uuid::now_v7();
        let (two_lines, no_lines) = (Uuid::now_v7(), Uuid::now_v7());
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(party, "C1", "Ann")])
            .await
            .unwrap();
        tx.insert_rows(
            &ORDERS,
            &[
                order_row(two_lines, "O1", party),
                order_row(no_lines, "O2", party),
            ],
        )
        .await
        .unwrap();
        let line = |n: i64, amount: i64| {
            vec![
                Value::Uuid(two_lines),
                Value::Int(n),
                Value::Null,
                Value::Null,
                Value::Int(1),
                Value::Int(amount),
            ]
        };
        tx.insert_rows(&ORDER_LINES, &[line(1, 1250), line(2, -250)])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        store.close().await;

        // As before version 6: no total on the orders.
        raw(
            &db.url,
            "ALTER TABLE orders DROP COLUMN total_minor; DELETE FROM rapport_migrations WHERE version = 6",
        )
        .await;

        let store = Store::connect(&db.url).await.unwrap();
        let mut tx = store.begin_read(org).await.unwrap();
        let rows = tx.fetch_page(&ORDERS, None, 10).await.unwrap();
        tx.rollback().await.unwrap();
        let total = |id: Uuid| {
            rows.iter()
                .find(|r| r[ORDERS.col("id")] == Value::Uuid(id))
                .map(|r| r[ORDERS.col("total_minor")].clone())
        };
        assert_eq!(total(two_lines), Some(Value::Int(1000)));
        assert_eq!(total(no_lines), Some(Value::Int(0)));
    }
}
