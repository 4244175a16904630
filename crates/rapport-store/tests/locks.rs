//! Row locks for read-modify-write: a writer that reads rows with `fetch_for_update` waits for
//! the writer that locked them before it and reads what that one committed, so neither change
//! is lost; and the lock does not hold up other writers' references to the row.

mod common;

use common::*;
use rapport_store::schema::{ORDERS, PARTIES};
use rapport_store::{Backend, Store, Value};
use uuid::Uuid;

/// Appends `suffix` to the party's name in a transaction of its own, reading it locked.
async fn append(store: &Store, org: rapport_domain::OrgId, suffix: &str) {
    let mut tx = store.begin(org).await.unwrap();
    let mut row = tx
        .fetch_for_update(&PARTIES, "external_id", &[Value::text("L-1")])
        .await
        .unwrap()
        .pop()
        .expect("the party");
    let name = PARTIES.col("name");
    row[name] = Value::text(format!("{}{suffix}", row[name].as_str().unwrap()));
    tx.update_row(&PARTIES, &row).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_read_waits_for_the_writer_before_it_and_keeps_its_change() {
    for (_db, store, org) in stores().await {
        let id = Uuid::now_v7();
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(id, "L-1", "A")])
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut first = store.begin(org).await.unwrap();
        let mut row = first
            .fetch_for_update(&PARTIES, "id", &[Value::Uuid(id), Value::Uuid(Uuid::nil())])
            .await
            .unwrap()
            .pop()
            .expect("the party");
        // The second writer starts while the first holds the row: it waits (for the lock on
        // PostgreSQL, for its turn to write on SQLite) and then reads the first one's change.
        let second = tokio::spawn({
            let store = store.clone();
            async move { append(&store, org, "+2").await }
        });
        row[PARTIES.col("name")] = Value::text("A+1");
        first.update_row(&PARTIES, &row).await.unwrap();
        first.commit().await.unwrap();
        second.await.unwrap();

        let mut tx = store.begin_read(org).await.unwrap();
        let got = tx
            .fetch_in(&PARTIES, "id", &[Value::Uuid(id)])
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(got[0][PARTIES.col("name")], Value::text("A+1+2"));

        if store.backend() == Backend::Postgres {
            // A row locked for a change still takes references: another writer's order for
            // the party goes in (and commits) while the lock is held.
            let mut holder = store.begin(org).await.unwrap();
            holder
                .fetch_for_update(&PARTIES, "id", &[Value::Uuid(id)])
                .await
                .unwrap();
            let mut other = store.begin(org).await.unwrap();
            other
                .insert_rows(&ORDERS, &[order_row(Uuid::now_v7(), "L-O1", id)])
                .await
                .unwrap();
            other.commit().await.unwrap();
            holder.commit().await.unwrap();
        }
    }
}

/// Two writers that lock the same two rows in opposite orders deadlock on PostgreSQL: the one
/// it gives up on gets `StoreError::Busy` (which the API answers with 503 and Retry-After),
/// not an internal error, and the other one goes through. (On SQLite writers take turns, so
/// they cannot deadlock.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_is_told_as_busy_and_the_other_writer_goes_through() {
    for (_db, store, org) in stores().await {
        if store.backend() != Backend::Postgres {
            continue;
        }
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(
            &PARTIES,
            &[party_row(a, "D-A", "A"), party_row(b, "D-B", "B")],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let lock = |first: Uuid, then: Uuid, barrier: std::sync::Arc<tokio::sync::Barrier>| {
            let store = store.clone();
            async move {
                let mut tx = store.begin(org).await?;
                tx.fetch_for_update(&PARTIES, "id", &[Value::Uuid(first)])
                    .await?;
                barrier.wait().await;
                tx.fetch_for_update(&PARTIES, "id", &[Value::Uuid(then)])
                    .await?;
                tx.commit().await
            }
        };
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let (one, two) = tokio::join!(
            tokio::spawn(lock(a, b, barrier.clone())),
            tokio::spawn(lock(b, a, barrier))
        );
        let results = [one.unwrap(), two.unwrap()];
        let busy = results
            .iter()
            .filter(|r| matches!(r, Err(rapport_store::StoreError::Busy(_))))
            .count();
        assert_eq!(busy, 1, "{results:?}");
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        let message = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .unwrap()
            .to_string();
        assert!(message.contains("try again"), "{message}");
    }
}
