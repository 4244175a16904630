//! The store contract: every store operation, run against SQLite and (when configured)
//! PostgreSQL, must behave the same.

mod common;

use common::*;
use rapport_domain::{AuditEntry, AuditId, Email, OrgId, UserId, UserRole};
use rapport_store::schema::{self, ORDER_LINES, ORDERS, PARTIES, PARTY_ALIASES};
use rapport_store::{Backend, NewUser, Row, Store, StoreError, Value};
use uuid::Uuid;

#[tokio::test]
async fn migrations_apply_once_and_orgs_are_found_by_name() {
    for (db, store, org) in stores().await {
        // Connecting again applies nothing new and keeps the data.
        let again = Store::connect(&db.url).await.unwrap();
        let (found, created) = again
            .ensure_org("Acme", OrgId(Uuid::now_v7()), t(2))
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(found.id, org);
        assert!(again.find_org("Other").await.unwrap().is_none());
        assert_eq!(
            store.backend() == Backend::Sqlite,
            db.backend == rapport_testkit::TestBackend::Sqlite
        );
    }
}

#[tokio::test]
async fn every_schema_table_has_the_columns_and_indexes_the_spec_names() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin(org).await.unwrap();
        for table in schema::ALL {
            // Selecting every spec column fails if one is missing or misnamed.
            tx.fetch_page(table, None, 1)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", table.name));
            tx.drop_indexes(table).await.unwrap();
            tx.create_indexes(table).await.unwrap();
            tx.suspend_foreign_keys(table).await.unwrap();
            tx.restore_foreign_keys(table).await.unwrap();
            assert!(
                tx.missing_indexes(table).await.unwrap().is_empty(),
                "{}",
                table.name
            );
        }
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn rows_round_trip_with_every_value_type() {
    for (_db, store, org) in stores().await {
        let id = Uuid::now_v7();
        let row = party_row(id, "C1", "Anna Berger");
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, std::slice::from_ref(&row))
            .await
            .unwrap();
        let got = tx
            .fetch_in(&PARTIES, "id", &[Value::Uuid(id)])
            .await
            .unwrap();
        assert_eq!(got, vec![row.clone()]);
        let by_ext = tx
            .fetch_in(
                &PARTIES,
                "external_id",
                &[Value::text("C1"), Value::text("nope")],
            )
            .await
            .unwrap();
        assert_eq!(by_ext.len(), 1);
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn bulk_inserts_use_the_fast_path_and_read_back_in_pages() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin(org).await.unwrap();
        let rows: Vec<Row> = (0..5_000)
            .map(|i| party_row(Uuid::now_v7(), &format!("C{i:05}"), &format!("P {i}")))
            .collect();
        tx.insert_rows(&PARTIES, &rows).await.unwrap();
        assert_eq!(tx.count(&PARTIES).await.unwrap(), 5_000);
        // What the bulk path (COPY on PostgreSQL, the raw handle on SQLite) wrote reads back
        // as written, every type included.
        let probe = &rows[4_321];
        let back = tx
            .fetch_in(&PARTIES, "id", &[probe[PARTIES.col("id")].clone()])
            .await
            .unwrap();
        assert_eq!(&back[0], probe);
        let seen = all_rows(&mut tx, &PARTIES, 1_000).await.len();
        assert_eq!(seen, 5_000);
        // Natural-key order is bytewise on both backends.
        let first = tx
            .fetch_ordered(&PARTIES, "external_id", None, 2)
            .await
            .unwrap();
        let ext = PARTIES.col("external_id");
        assert_eq!(first[0][ext], Value::text("C00000"));
        let next = tx
            .fetch_ordered(&PARTIES, "external_id", Some("C04998"), 10)
            .await
            .unwrap();
        assert_eq!(next.len(), 1);
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn updates_replace_non_key_columns() {
    for (_db, store, org) in stores().await {
        let id = Uuid::now_v7();
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(id, "C1", "Anna")])
            .await
            .unwrap();
        let mut changed = party_row(id, "C1", "Anna Berger");
        changed[PARTIES.col("email")] = Value::Null;
        assert_eq!(tx.update_row(&PARTIES, &changed).await.unwrap(), 1);
        let got = tx
            .fetch_in(&PARTIES, "id", &[Value::Uuid(id)])
            .await
            .unwrap();
        assert_eq!(got[0], changed);
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn constraint_violations_are_reported_as_such_and_nothing_is_half_written() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C1", "A")])
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C2", "B")])
            .await
            .unwrap();
        let err = tx
            .insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C1", "dup")])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Constraint(_)), "{err}");
        drop(tx); // rolls back

        let mut tx = store.begin(org).await.unwrap();
        assert_eq!(
            tx.count(&PARTIES).await.unwrap(),
            1,
            "the rolled-back row is gone"
        );
        // A row missing a required value is refused before it reaches the database.
        let mut bad = party_row(Uuid::now_v7(), "C3", "C");
        bad[PARTIES.col("name")] = Value::Null;
        assert!(matches!(
            tx.insert_rows(&PARTIES, &[bad]).await,
            Err(StoreError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn foreign_keys_are_enforced() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin(org).await.unwrap();
        let order = vec![
            Value::Uuid(Uuid::now_v7()),
            Value::text("O1"),
            Value::Uuid(Uuid::now_v7()), // no such party
            Value::Time(t(3)),
            Value::Null,
            Value::text("EUR"),
            Value::Int(0),
        ];
        let err = tx.insert_rows(&ORDERS, &[order]).await.unwrap_err();
        assert!(matches!(err, StoreError::Constraint(_)), "{err}");
    }
}

#[tokio::test]
async fn orgs_never_see_each_other() {
    for (_db, store, org) in stores().await {
        let (other, _) = store
            .ensure_org("Globex", OrgId(Uuid::now_v7()), t(1))
            .await
            .unwrap();
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C1", "A")])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin(other.id).await.unwrap();
        assert_eq!(tx.count(&PARTIES).await.unwrap(), 0);
        assert!(
            tx.fetch_in(&PARTIES, "external_id", &[Value::text("C1")])
                .await
                .unwrap()
                .is_empty()
        );
        // The same external id may exist in another org.
        tx.insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C1", "A")])
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn users_are_added_listed_and_disabled() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin(org).await.unwrap();
        let user = NewUser {
            id: UserId(Uuid::now_v7()),
            email: Email::parse("rm@example.com").unwrap(),
            name: "Rita Manager".into(),
            role: UserRole::RelationshipManager,
            locale: "de".into(),
            password_hash: "!".into(),
            created_at: t(1),
        };
        tx.insert_user(&user).await.unwrap();
        let again = tx
            .insert_user(&NewUser {
                id: UserId(Uuid::now_v7()),
                ..user.clone()
            })
            .await
            .unwrap_err();
        assert!(again.to_string().contains("exists already"), "{again}");
        let users = tx.list_users().await.unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].role, UserRole::RelationshipManager);
        assert!(!users[0].disabled);
        assert!(tx.set_user_disabled(&user.email, true).await.unwrap());
        assert!(
            tx.find_user_by_email(&user.email)
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        let nobody = Email::parse("nobody@example.com").unwrap();
        assert!(!tx.set_user_disabled(&nobody, true).await.unwrap());
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn audit_entries_keep_before_and_after() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin(org).await.unwrap();
        let entry = |action: &str, entity: &str| AuditEntry {
            id: AuditId(Uuid::now_v7()),
            at: t(4),
            user: None,
            source: "cli".into(),
            entity: entity.into(),
            entity_id: Some("C1".into()),
            action: action.into(),
            before: Some(serde_json::json!({"name": "A"})),
            after: Some(serde_json::json!({"name": "B"})),
        };
        tx.audit(&[
            entry("create", "party"),
            entry("update", "party"),
            entry("import", "orders"),
        ])
        .await
        .unwrap();
        let all = tx.list_audit(None, 10).await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].action, "import", "newest first");
        let parties = tx.list_audit(Some("party"), 10).await.unwrap();
        assert_eq!(parties.len(), 2);
        assert_eq!(parties[0].after, Some(serde_json::json!({"name": "B"})));
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn parties_resolve_through_aliases_and_reassign_moves_references() {
    for (_db, store, org) in stores().await {
        let keep = Uuid::now_v7();
        let other = Uuid::now_v7();
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(
            &PARTIES,
            &[party_row(keep, "C1", "A"), party_row(other, "C2", "A.")],
        )
        .await
        .unwrap();
        let order_id = Uuid::now_v7();
        tx.insert_rows(
            &ORDERS,
            &[vec![
                Value::Uuid(order_id),
                Value::text("O1"),
                Value::Uuid(other),
                Value::Time(t(3)),
                Value::Null,
                Value::text("EUR"),
                Value::Int(0),
            ]],
        )
        .await
        .unwrap();
        tx.insert_rows(
            &ORDER_LINES,
            &[vec![
                Value::Uuid(order_id),
                Value::Int(1),
                Value::Null,
                Value::text("X"),
                Value::Int(2),
                Value::Int(1999),
            ]],
        )
        .await
        .unwrap();
        assert_eq!(
            tx.reassign(&ORDERS, "party_id", other, keep).await.unwrap(),
            1
        );
        tx.delete_where(&PARTIES, "id", &Value::Uuid(other))
            .await
            .unwrap();
        tx.insert_rows(
            &PARTY_ALIASES,
            &[vec![Value::text("C2"), Value::Uuid(keep)]],
        )
        .await
        .unwrap();
        let map = tx
            .resolve_parties(&["C1".into(), "C2".into(), "C9".into()])
            .await
            .unwrap();
        assert_eq!(map.get("C1"), Some(&keep));
        assert_eq!(map.get("C2"), Some(&keep));
        assert!(!map.contains_key("C9"));
        let briefs = tx.party_briefs(None, 10).await.unwrap();
        assert_eq!(briefs.len(), 1);
        assert_eq!(briefs[0].email.as_deref(), Some("C1@example.com"));
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn bad_urls_and_unreachable_servers_are_told_plainly() {
    let err = Store::connect("mysql://x").await.err().expect("refused");
    assert!(
        err.to_string().contains("unsupported database URL"),
        "{err}"
    );
    let err = Store::connect("postgres://nobody:secret@127.0.0.1:1/x")
        .await
        .err()
        .expect("refused");
    let message = err.to_string();
    assert!(
        message.contains("connecting to postgres://nobody:***@127.0.0.1:1/x"),
        "{message}"
    );
    assert!(
        !message.contains("secret"),
        "the password never shows: {message}"
    );
    assert!(
        !message.contains("pool timed out"),
        "the real cause is named: {message}"
    );
}

#[tokio::test]
async fn lookups_read_what_transactions_read_and_never_write() {
    for (db, store, org) in stores().await {
        let party = Uuid::now_v7();
        let order = Uuid::now_v7();
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(party, "C1", "Anna Berger")])
            .await
            .unwrap();
        tx.insert_rows(&ORDERS, &[order_row(order, "O1", party)])
            .await
            .unwrap();
        let line = vec![
            Value::Uuid(order),
            Value::Int(1),
            Value::Null,
            Value::text("X"),
            Value::Int(2),
            Value::Int(1999),
        ];
        tx.insert_rows(&ORDER_LINES, &[line]).await.unwrap();
        tx.insert_user(&NewUser {
            id: UserId(Uuid::now_v7()),
            email: Email::parse("rm@example.com").unwrap(),
            name: "Rita Manager".into(),
            role: UserRole::RelationshipManager,
            locale: "de".into(),
            password_hash: "!".into(),
            created_at: t(1),
        })
        .await
        .unwrap();
        tx.set_user_disabled(&Email::parse("rm@example.com").unwrap(), true)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // Every value type (UUID, text, integer, boolean, time, date, JSON, NULL) reads back
        // the same through a lookup as through a transaction, for every kind of read.
        async fn reads(tx: &mut rapport_store::Tx, party: Uuid) -> Vec<Vec<Row>> {
            let mut out = Vec::new();
            for table in schema::ALL {
                out.push(all_rows(tx, table, 2).await);
            }
            out.push(
                tx.fetch_in(&PARTIES, "external_id", &[Value::text("C1")])
                    .await
                    .unwrap(),
            );
            out.push(
                tx.fetch_ordered(&PARTIES, "external_id", Some("A"), 5)
                    .await
                    .unwrap(),
            );
            let mut q = rapport_store::ListQuery::new("name", 10);
            q.filters.push(rapport_store::Filter::eq(
                "lifecycle",
                Value::text("active"),
            ));
            out.push(tx.list(&PARTIES, &q).await.unwrap());
            let summary = tx.order_summary(party).await.unwrap();
            out.push(vec![vec![
                Value::text(format!("{summary:?}")),
                Value::Int(tx.count(&ORDER_LINES).await.unwrap()),
                Value::text(format!(
                    "{:?}",
                    tx.count_by(&PARTIES, "kind", &[]).await.unwrap()
                )),
            ]]);
            out
        }
        let mut read = store.begin_read(org).await.unwrap();
        let want = reads(&mut read, party).await;
        read.rollback().await.unwrap();
        let mut lookup = store.begin_lookup(org).await.unwrap();
        let got = reads(&mut lookup, party).await;
        assert_eq!(got, want, "{:?}", db.backend);
        assert!(
            got[schema::ALL.iter().position(|t| t.name == "users").unwrap()][0]
                .contains(&Value::Bool(true))
        );
        assert!(
            format!("{:?}", got.last()).contains("total_minor: 1999"),
            "{got:?}"
        );

        // A lookup writes nothing, and says so.
        let refused = lookup
            .insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C2", "Bea")])
            .await
            .unwrap_err();
        if store.backend() == Backend::Sqlite {
            assert!(refused.to_string().contains("only reads"), "{refused}");
        }
        lookup.rollback().await.unwrap();

        // A lookup reads one snapshot; the next one sees what was committed in between.
        let mut before = store.begin_lookup(org).await.unwrap();
        assert_eq!(before.count(&PARTIES).await.unwrap(), 1);
        let mut tx = store.begin(org).await.unwrap();
        tx.insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C3", "Cleo")])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(before.count(&PARTIES).await.unwrap(), 1);
        before.rollback().await.unwrap();
        let mut after = store.begin_lookup(org).await.unwrap();
        assert_eq!(after.count(&PARTIES).await.unwrap(), 2);
        after.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_second_writer_waits_for_the_first_and_then_sees_its_work() {
    for (_db, store, org) in stores().await {
        let mut first = store.begin(org).await.unwrap();
        first
            .insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C1", "Anna")])
            .await
            .unwrap();
        let second_store = store.clone();
        let second = tokio::spawn(async move {
            let mut tx = second_store.begin(org).await.unwrap();
            let seen = tx.count(&PARTIES).await.unwrap();
            tx.insert_rows(&PARTIES, &[party_row(Uuid::now_v7(), "C2", "Bea")])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            seen
        });
        // Whatever the timing, the second writer cannot have finished while the first is open:
        // on SQLite it waits for its turn, on PostgreSQL it does not see the uncommitted row.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if store.backend() == Backend::Sqlite {
            assert!(!second.is_finished());
        }
        first.commit().await.unwrap();
        let seen = second.await.unwrap();
        if store.backend() == Backend::Sqlite {
            assert_eq!(seen, 1, "the second writer began after the first committed");
        }
        let mut read = store.begin_read(org).await.unwrap();
        assert_eq!(read.count(&PARTIES).await.unwrap(), 2);
        read.rollback().await.unwrap();
    }
}
