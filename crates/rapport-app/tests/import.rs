//! Importing: idempotence, updates with audit, bad input of every kind, skip-invalid with a
//! reject file, dry runs — on SQLite and PostgreSQL.

mod support;

use rapport_app::import::{ImportError, ImportKind};
use rapport_store::schema::{AUDIT_LOG, INTERACTIONS, PARTIES, PARTY_LINKS, SURVEY_RESPONSES};
use support::*;

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    for env in envs().await {
        let first = env.import(ImportKind::Parties, PARTIES_CSV).await;
        assert!(first.committed, "{:?}", first.errors);
        assert_eq!((first.rows, first.created, first.updated), (3, 3, 0));
        assert_eq!(env.count(&PARTY_LINKS).await, 1, "C2 was referred by C1");
        let audit_after_first = env.count(&AUDIT_LOG).await;

        let again = env.import(ImportKind::Parties, PARTIES_CSV).await;
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
        assert_eq!(env.count(&PARTIES).await, 3);
        assert_eq!(env.count(&PARTY_LINKS).await, 1);
        // Only the import summary is new in the audit log.
        assert_eq!(env.count(&AUDIT_LOG).await, audit_after_first + 1);
    }
}

#[tokio::test]
async fn a_changed_row_updates_its_record_and_the_audit_log_says_what_changed() {
    for env in envs().await {
        env.import(ImportKind::Parties, PARTIES_CSV).await;
        let changed = PARTIES_CSV.replace("Berlin", "Hamburg");
        let r = env.import(ImportKind::Parties, &changed).await;
        assert_eq!((r.created, r.updated, r.unchanged), (0, 1, 2));
        let mut tx = env.store.begin(env.org).await.unwrap();
        let updates = tx.list_audit(Some("parties"), 100).await.unwrap();
        let update = updates
            .iter()
            .find(|e| e.action == "update")
            .expect("an update entry");
        assert_eq!(update.entity_id.as_deref(), Some("C1"));
        assert_eq!(update.before, Some(serde_json::json!({"city": "Berlin"})));
        assert_eq!(update.after, Some(serde_json::json!({"city": "Hamburg"})));
    }
}

#[tokio::test]
async fn a_file_with_fewer_columns_leaves_the_other_fields_alone() {
    for env in envs().await {
        env.import(ImportKind::Parties, PARTIES_CSV).await;
        let r = env
            .import(ImportKind::Parties, "external_id,city\nC1,Bremen\n")
            .await;
        assert_eq!(r.updated, 1);
        let exported = env.export(ImportKind::Parties).await;
        let c1 = exported.lines().find(|l| l.starts_with("C1,")).unwrap();
        assert!(
            c1.contains("Acme Trading GmbH")
                && c1.contains("Bremen")
                && c1.contains("info@acme-trading.de"),
            "{c1}"
        );
    }
}

/// Every kind of bad row, in one file per kind: the report names line, column, value and
/// reason; nothing is written.
#[tokio::test]
async fn bad_rows_are_all_reported_and_nothing_is_written() {
    for env in envs().await {
        env.import(ImportKind::Parties, PARTIES_CSV).await;
        let before = env.count(&SURVEY_RESPONSES).await;
        let surveys = "\
external_id,party_external_id,kind,score,comment,answered_at
S1,C1,nps,9,great,2025-01-10T10:00:00Z
S2,C1,nps,11,too high,2025-01-10T10:00:00Z
S3,C9,nps,5,unknown party,2025-01-10T10:00:00Z
S4,C2,csat,4,,2025-02-30
S1,C2,nps,7,duplicate id,2025-01-11T10:00:00Z
S5,C2,xyz,3,,2025-01-11T10:00:00Z
";
        let r = env.import(ImportKind::Surveys, surveys).await;
        assert!(!r.committed);
        assert_eq!(r.invalid_rows, 5);
        let has = |line: u64, col: &str, reason: &str| {
            r.errors.iter().any(|e| {
                e.line == line && e.column.as_deref() == Some(col) && e.reason.contains(reason)
            })
        };
        assert!(
            has(3, "score", "NPS score 11 is outside 0–10"),
            "{:?}",
            r.errors
        );
        assert!(
            has(4, "party_external_id", "no party has this external id"),
            "{:?}",
            r.errors
        );
        assert!(has(5, "answered_at", "not a date"), "{:?}", r.errors);
        assert!(
            has(
                6,
                "external_id",
                "appears twice in the file (first on line 2)"
            ),
            "{:?}",
            r.errors
        );
        assert!(has(7, "kind", "not a valid SurveyKind"), "{:?}", r.errors);
        assert_eq!(
            env.count(&SURVEY_RESPONSES).await,
            before,
            "nothing written"
        );

        let interactions = "\
external_id,party_external_id,channel,occurred_at,sentiment
I1,C1,call,2025-01-01T09:00:00Z,5
I2,C1,pigeon,2025-01-01T09:00:00Z,0
";
        let r = env.import(ImportKind::Interactions, interactions).await;
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 2 && e.reason.contains("sentiment 5 is outside")),
            "{:?}",
            r.errors
        );
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 3 && e.column.as_deref() == Some("channel")),
            "{:?}",
            r.errors
        );
        assert_eq!(env.count(&INTERACTIONS).await, 0);

        let orders = "\
order_id,line,customer_id,ordered_at,sku,quantity,amount
O1,1,C1,2025-01-01,X,-2,10.00
O2,1,C1,20250101,X,1,abc
";
        let r = env.import(ImportKind::Orders, orders).await;
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 2 && e.reason.contains("quantity -2 is negative")),
            "{:?}",
            r.errors
        );
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 3 && e.column.as_deref() == Some("amount")),
            "{:?}",
            r.errors
        );
        assert!(!r.committed);

        let contracts = "\
external_id,party_external_id,value,signed_at,delivered_at,status,cancellation_reason
K1,C1,100.00,2025-03-01,2025-02-01,active,
K2,C1,100.00,2025-03-01,,active,price
";
        let r = env.import(ImportKind::Contracts, contracts).await;
        assert!(
            r.errors.iter().any(|e| e.line == 2
                && e.column.as_deref() == Some("delivered_at")
                && e.reason.contains("before signed_at")),
            "{:?}",
            r.errors
        );
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 3 && e.reason.contains("was not cancelled")),
            "{:?}",
            r.errors
        );
    }
}

#[tokio::test]
async fn file_level_problems_name_the_file_and_line() {
    for env in envs().await {
        let err = env
            .try_import(ImportKind::Products, b"sku,name\nA,\xff\xfeWidget\n")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::NotUtf8 {
                    line: 2,
                    column: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("not UTF-8"), "{err}");

        let err = env
            .try_import(ImportKind::Products, b"sku,name,colour\nA,Widget,red\n")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown columns: 'colour'"),
            "{err}"
        );

        let err = env
            .try_import(ImportKind::Products, b"name\nWidget\n")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("missing required columns: sku"),
            "{err}"
        );

        let err = env.try_import(ImportKind::Products, b"").await.unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");

        // A row with the wrong number of fields is a bad row, reported with its line.
        let r = env
            .try_import(
                ImportKind::Products,
                b"sku,name\nA,Widget\nB,Gadget,extra\n\"C,Thing\n",
            )
            .await;
        match r {
            Ok(r) => {
                assert!(!r.committed);
                assert!(
                    r.errors
                        .iter()
                        .any(|e| e.line == 3 && e.reason.contains("has 3 fields")),
                    "{:?}",
                    r.errors
                );
            }
            Err(e) => assert!(e.to_string().contains("line"), "{e}"),
        }
        assert_eq!(env.count(&rapport_store::schema::PRODUCTS).await, 0);
    }
}

#[tokio::test]
async fn skip_invalid_imports_the_good_rows_and_writes_the_bad_ones_with_reasons() {
    for env in envs().await {
        env.import(ImportKind::Parties, PARTIES_CSV).await;
        let path = env.file("surveys.csv", "external_id,party_external_id,kind,score,answered_at\nS1,C1,nps,9,2025-01-10\nS2,C1,nps,11,2025-01-10\nS3,C2,ces,7,2025-01-10\n");
        let rejects = env.dir.path().join("rejects.csv");
        let r = env
            .import_with(ImportKind::Surveys, &path, |o| {
                o.skip_invalid = true;
                o.reject_file = Some(rejects.clone());
            })
            .await;
        assert!(r.committed);
        assert_eq!((r.created, r.invalid_rows), (2, 1));
        assert_eq!(env.count(&SURVEY_RESPONSES).await, 2);
        let rejected = std::fs::read_to_string(&rejects).unwrap();
        let mut lines = rejected.lines();
        assert_eq!(
            lines.next(),
            Some("external_id,party_external_id,kind,score,answered_at,rapport_errors")
        );
        let bad = lines.next().unwrap();
        assert!(
            bad.starts_with("S2,C1,nps,11,2025-01-10,") && bad.contains("outside 0–10"),
            "{bad}"
        );
        assert_eq!(lines.next(), None);
    }
}

#[tokio::test]
async fn a_dry_run_reports_but_writes_nothing() {
    for env in envs().await {
        let path = env.file("p.csv", PARTIES_CSV);
        let r = env
            .import_with(ImportKind::Parties, &path, |o| o.dry_run = true)
            .await;
        assert_eq!(r.created, 3);
        assert!(!r.committed);
        assert_eq!(env.count(&PARTIES).await, 0);
        assert_eq!(env.count(&AUDIT_LOG).await, 0);
    }
}

#[tokio::test]
async fn hubspot_and_salesforce_exports_import_with_their_own_column_names() {
    for env in envs().await {
        let hubspot = "\
Record ID,First Name,Last Name,Email,Phone Number,Lifecycle Stage,Create Date,City,Country/Region,Original Source
101,Maria,Papadopoulou,maria@example.gr,+30 210 1234567,customer,2024-03-01 10:22,Athens,Greece,Organic Search
102,Hans,Meier,hans@example.de,,lead,2024-04-02 08:00,München,Germany,Referrals
";
        let r = env.import(ImportKind::Parties, hubspot).await;
        assert!(r.committed, "{:?}", r.errors);
        let salesforce = "\
Account ID,Account Name,Type,Industry,Billing City,Billing Country,Phone
001A,Globex SA,Customer - Direct,Manufacturing,Lyon,France,+33 4 12 34 56 78
001B,Initech Ltd,Channel Partner / Reseller,Technology,London,United Kingdom,
";
        let r = env.import(ImportKind::Parties, salesforce).await;
        assert!(r.committed, "{:?}", r.errors);
        let exported = env.export(ImportKind::Parties).await;
        assert!(exported.contains("101,person,Maria Papadopoulou,Maria,Papadopoulou,customer,,active,Organic Search,2024-03-01"), "{exported}");
        assert!(
            exported.contains("001B,organization,Initech Ltd,,,partner,"),
            "{exported}"
        );
        assert!(exported.contains(",GR,Athens,"), "{exported}");
    }
}
