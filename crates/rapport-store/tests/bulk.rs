//! The store's bulk-load operations, on SQLite and (when configured) PostgreSQL: the fast
//! insert path, suspended and restored keys, and a loader taking over the foreign-key checks.

mod common;

use chrono::NaiveDate;
use common::*;
use rapport_domain::OrgId;
use rapport_store::schema::{ORDER_LINES, ORDERS, PARTIES};
use rapport_store::{Backend, Row, Store, StoreError, Value};
use rapport_testkit::TestDb;
use uuid::Uuid;

#[tokio::test]
async fn bulk_transactions_write_every_row_as_given() {
    for (_db, store, org) in stores().await {
        // Several full multi-row statements and a partial one, every value type, each row
        // different (times, dates and JSON are formatted per row).
        let rows: Vec<Row> = (0..1_037)
            .map(|i| {
                let mut row = party_row(Uuid::now_v7(), &format!("B{i:05}"), &format!("Bulk {i}"));
                row[PARTIES.col("created_at")] = Value::Time(t(1 + i % 28));
                row[PARTIES.col("acquired_on")] = Value::Date(
                    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(i as u64),
                );
                row[PARTIES.col("attributes")] = Value::Json(serde_json::json!({ "n": i }));
                if i % 7 == 0 {
                    row[PARTIES.col("email")] = Value::Null;
                }
                row
            })
            .collect();
        let mut tx = store.begin_bulk(org).await.unwrap();
        tx.insert_rows(&PARTIES, &rows).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin(org).await.unwrap();
        let mut back = all_rows(&mut tx, &PARTIES, 500).await;
        tx.rollback().await.unwrap();
        let id = PARTIES.col("id");
        back.sort_by_key(|r| r[id].as_uuid());
        let mut want = rows.clone();
        want.sort_by_key(|r| r[id].as_uuid());
        assert_eq!(back, want);
    }
}

#[tokio::test]
async fn bulk_transactions_restore_foreign_keys_and_validate_them() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin_bulk(org).await.unwrap();
        tx.suspend_foreign_keys(&ORDERS).await.unwrap();
        let orphan = order_row(Uuid::now_v7(), "O1", Uuid::now_v7());
        tx.insert_rows(&ORDERS, &[orphan]).await.unwrap();
        if store.backend() == Backend::Postgres {
            // Adding the key back checks the rows loaded meanwhile.
            assert!(tx.restore_foreign_keys(&ORDERS).await.is_err());
        }
        drop(tx);
        let mut tx = store.begin(org).await.unwrap();
        assert_eq!(
            tx.count(&ORDERS).await.unwrap(),
            0,
            "the bulk transaction rolled back"
        );
        assert!(tx.missing_indexes(&ORDERS).await.unwrap().is_empty());
        tx.rollback().await.unwrap();
        // And the ordinary transactions still enforce the key.
        let mut tx = store.begin(org).await.unwrap();
        let orphan = order_row(Uuid::now_v7(), "O2", Uuid::now_v7());
        assert!(tx.insert_rows(&ORDERS, &[orphan]).await.is_err());
    }
}

#[tokio::test]
async fn a_loader_may_take_over_the_foreign_key_checks_and_locks_what_it_refers_to() {
    for (_db, store, org) in stores().await {
        let party = Uuid::now_v7();
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(party, "C1", "Anna")])
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin_bulk(org).await.unwrap();
        assert!(tx.skip_foreign_key_triggers().await.unwrap());
        tx.lock_keys(&PARTIES, &[party, party]).await.unwrap();
        // A row the loader vouches for goes in unchecked (an orphan here, to show it).
        tx.insert_rows(&ORDERS, &[order_row(Uuid::now_v7(), "O1", Uuid::now_v7())])
            .await
            .unwrap();
        // A reference to a row that is gone is refused by the lock, as the check would.
        let gone = tx.lock_keys(&PARTIES, &[party, Uuid::now_v7()]).await;
        if store.backend() == Backend::Postgres {
            assert!(matches!(gone, Err(StoreError::Constraint(_))), "{gone:?}");
        }
        drop(tx);

        // The next transaction checks every reference again.
        let mut tx = store.begin(org).await.unwrap();
        let orphan = order_row(Uuid::now_v7(), "O2", Uuid::now_v7());
        assert!(tx.insert_rows(&ORDERS, &[orphan]).await.is_err());
    }
}

#[tokio::test]
async fn without_the_privilege_the_database_keeps_checking_references() {
    use sqlx::{Connection, Executor};
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = Store::connect(&db.url).await.unwrap();
    let (org, _) = store
        .ensure_org("Acme", OrgId(Uuid::now_v7()), t(1))
        .await
        .unwrap();
    store.close().await;
    // An ordinary role, allowed to write the tables but not to turn triggers off, nor to create
    // tables (it still connects: the migrations are applied).
    let role = format!("rapport_plain_{}", Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE {role} LOGIN; GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"
        )))
        .await
        .unwrap();
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let plain = Store::connect(&format!("{scheme}://{role}@{host}"))
        .await
        .unwrap();

    let mut tx = plain.begin_bulk(org.id).await.unwrap();
    assert!(!tx.skip_foreign_key_triggers().await.unwrap());
    // The refusal left the transaction usable, and the checks on.
    let orphan = order_row(Uuid::now_v7(), "O1", Uuid::now_v7());
    assert!(matches!(
        tx.insert_rows(&ORDERS, &[orphan]).await,
        Err(StoreError::Constraint(_))
    ));
    tx.insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C1", "Anna")])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    plain.close().await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP OWNED BY {role}; DROP ROLE {role}"
        )))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_suspended_primary_key_comes_back_and_checks_what_was_loaded() {
    for (_db, store, org) in stores().await {
        let party = Uuid::now_v7();
        let order = Uuid::now_v7();
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(party, "C1", "Anna")])
            .await
            .unwrap();
        tx.insert_rows(&ORDERS, &[order_row(order, "O1", party)])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let line = |n: i64| {
            vec![
                Value::Uuid(order),
                Value::Int(n),
                Value::Null,
                Value::Null,
                Value::Int(1),
                Value::Int(100),
            ]
        };

        let mut tx = store.begin_bulk(org).await.unwrap();
        tx.suspend_primary_key(&ORDER_LINES).await.unwrap();
        tx.insert_rows(&ORDER_LINES, &[line(1), line(2)])
            .await
            .unwrap();
        tx.restore_primary_key(&ORDER_LINES).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin(org).await.unwrap();
        assert_eq!(tx.count(&ORDER_LINES).await.unwrap(), 2);
        // The key is back: a duplicate is refused.
        assert!(matches!(
            tx.insert_rows(&ORDER_LINES, &[line(2)]).await,
            Err(StoreError::Constraint(_))
        ));
        drop(tx);

        if store.backend() == Backend::Postgres {
            // A duplicate loaded while the key was away stops it from coming back.
            let mut tx = store.begin_bulk(org).await.unwrap();
            tx.suspend_primary_key(&ORDER_LINES).await.unwrap();
            tx.insert_rows(&ORDER_LINES, &[line(2)]).await.unwrap();
            assert!(tx.restore_primary_key(&ORDER_LINES).await.is_err());
        }
    }
}
