//! The store contract: every store operation, run against SQLite and (when configured)
//! PostgreSQL, must behave the same.

use chrono::{NaiveDate, TimeZone, Utc};
use rapport_domain::{AuditEntry, AuditId, Email, OrgId, UserId, UserRole};
use rapport_store::schema::{self, ORDER_LINES, ORDERS, PARTIES, PARTY_ALIASES};
use rapport_store::{Backend, NewUser, Row, Store, StoreError, Tx, Value};
use rapport_testkit::TestDb;
use uuid::Uuid;

fn t(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 10, 0, 0).unwrap()
}

fn party_row(id: Uuid, ext: &str, name: &str) -> Row {
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

async fn stores() -> Vec<(TestDb, Store, OrgId)> {
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
        let mut seen = 0;
        let mut after: Option<Vec<Value>> = None;
        loop {
            let page = tx
                .fetch_page(&PARTIES, after.as_deref(), 1_000)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(Tx::key_of(&PARTIES, last));
            seen += page.len();
        }
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
        let mut back = Vec::new();
        let mut after: Option<Vec<Value>> = None;
        loop {
            let page = tx
                .fetch_page(&PARTIES, after.as_deref(), 500)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(Tx::key_of(&PARTIES, last));
            back.extend(page);
        }
        tx.rollback().await.unwrap();
        let id = PARTIES.col("id");
        back.sort_by_key(|r| r[id].as_uuid());
        let mut want = rows.clone();
        want.sort_by_key(|r| r[id].as_uuid());
        assert_eq!(back, want);
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
async fn bulk_transactions_restore_foreign_keys_and_validate_them() {
    for (_db, store, org) in stores().await {
        let mut tx = store.begin_bulk(org).await.unwrap();
        tx.suspend_foreign_keys(&ORDERS).await.unwrap();
        let orphan = vec![
            Value::Uuid(Uuid::now_v7()),
            Value::text("O1"),
            Value::Uuid(Uuid::now_v7()),
            Value::Time(t(3)),
            Value::Null,
            Value::text("EUR"),
        ];
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
        let orphan = vec![
            Value::Uuid(Uuid::now_v7()),
            Value::text("O2"),
            Value::Uuid(Uuid::now_v7()),
            Value::Time(t(3)),
            Value::Null,
            Value::text("EUR"),
        ];
        assert!(tx.insert_rows(&ORDERS, &[orphan]).await.is_err());
    }
}

fn order_row(id: Uuid, ext: &str, party: Uuid) -> Row {
    vec![
        Value::Uuid(id),
        Value::text(ext),
        Value::Uuid(party),
        Value::Time(t(3)),
        Value::Null,
        Value::text("EUR"),
    ]
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
