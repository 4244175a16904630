//! Importing order lines and transaction logs, on SQLite and PostgreSQL: the bulk path into an
//! empty database, the incremental path into a filled one, and their bad input.

mod support;

use rapport_app::import::ImportKind;
use rapport_store::Value;
use rapport_store::schema::{ORDER_LINES, ORDERS, PARTIES};
use support::*;

fn cdnow(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/cdnow")
        .join(name)
}

#[tokio::test]
async fn the_cdnow_sample_log_without_a_header_imports_by_the_shape_of_its_columns() {
    for env in envs().await {
        // master_id, sample_id, date (YYYYMMDD), number_of_cds, dollar_value; whitespace separated.
        let r = env
            .import_with(ImportKind::Orders, &cdnow("CDNOW_sample.txt"), |o| {
                o.default_currency = rapport_domain::Currency::USD
            })
            .await;
        assert!(r.committed, "{:?}", r.errors);
        assert_eq!(
            (r.rows, r.orders_created, r.parties_created),
            (6_919, 6_919, 2_357)
        );
        assert_eq!(
            r.ignored_columns,
            vec!["column 2".to_string()],
            "the sample id is not used"
        );
        assert_eq!(env.count(&PARTIES).await, 2_357);
        assert_eq!(env.count(&ORDER_LINES).await, 6_919);
    }
}

const LINES: &str = "\
order_id,line,customer_id,ordered_at,sku,quantity,amount,currency,channel
O1,1,C1,2025-01-05T10:00:00Z,A,1,10.00,EUR,web
O2,1,C2,2025-01-06T10:00:00Z,B,2,20.00,EUR,shop
O1,2,C1,2025-01-05T10:00:00Z,B,1,5.50,EUR,web
O3,1,C1,2025-02-01T10:00:00Z,A,3,30.00,EUR,web
";

#[tokio::test]
async fn lines_of_one_order_may_be_apart_and_reimports_change_only_what_changed() {
    for env in envs().await {
        let first = env.import(ImportKind::Orders, LINES).await;
        assert!(first.bulk && first.committed, "{:?}", first.errors);
        assert_eq!(
            (first.created, first.orders_created, first.parties_created),
            (4, 3, 2)
        );
        assert_eq!(env.count(&ORDERS).await, 3);

        let again = env.import(ImportKind::Orders, LINES).await;
        assert!(!again.bulk);
        assert_eq!(
            (
                again.created,
                again.updated,
                again.unchanged,
                again.orders_created
            ),
            (0, 0, 4, 0)
        );

        let changed = LINES.replace(
            "O3,1,C1,2025-02-01T10:00:00Z,A,3,30.00",
            "O3,1,C1,2025-02-01T10:00:00Z,A,4,40.00",
        );
        let more = format!("{changed}O4,1,C3,2025-03-01T10:00:00Z,A,1,10.00,EUR,web\n");
        let r = env.import(ImportKind::Orders, &more).await;
        assert_eq!(
            (
                r.created,
                r.updated,
                r.unchanged,
                r.orders_created,
                r.parties_created
            ),
            (1, 1, 3, 1, 1)
        );
        let exported = env.export(ImportKind::Orders).await;
        assert!(
            exported.contains("O3,1,C1,2025-02-01T10:00:00Z,A,4,40.00,EUR,web"),
            "{exported}"
        );
    }
}

#[tokio::test]
async fn a_line_twice_is_reported_with_its_line_number_on_both_paths() {
    for env in envs().await {
        let dup = format!("{LINES}O2,1,C2,2025-01-06T10:00:00Z,B,2,20.00,EUR,shop\n");
        let r = env.import(ImportKind::Orders, &dup).await;
        assert!(!r.committed);
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 6 && e.reason.contains("order O2 has line 1 twice")),
            "{:?}",
            r.errors
        );
        assert_eq!(env.count(&ORDERS).await, 0);

        env.import(ImportKind::Orders, LINES).await;
        let r = env.import(ImportKind::Orders, &dup).await;
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 6 && e.reason.contains("line 1 twice")),
            "{:?}",
            r.errors
        );
    }
}

#[tokio::test]
async fn a_line_repeated_batches_later_is_refused_and_the_rest_goes_in() {
    for env in envs().await {
        // 30,000 orders of one line each, several batches, then order 7's line 1 again: the
        // repeat sits batches away from the first, which the bulk path wrote long before.
        let mut csv = String::from("order_id,line,customer_id,ordered_at,amount\n");
        for i in 0..30_000 {
            csv.push_str(&format!(
                "O{i},1,C{},2025-01-01,{}.00\n",
                i % 997,
                1 + i % 50
            ));
        }
        csv.push_str("O7,1,C7,2025-01-01,8.00\n");
        let path = env.file("many.csv", &csv);
        let r = env
            .import_with(ImportKind::Orders, &path, |o| o.skip_invalid = true)
            .await;
        assert!(r.bulk && r.committed, "{r:?}");
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].line, 30_002);
        assert!(r.errors[0].reason.contains("order O7 has line 1 twice"));
        assert_eq!(env.count(&ORDER_LINES).await, 30_000);
        assert_eq!(env.count(&ORDERS).await, 30_000);
        assert_eq!(env.count(&PARTIES).await, 997);

        // The bulk load left every key in force: a line of an order that does not exist, and
        // a line an order already has, are refused afterwards.
        let mut tx = env.store.begin(env.org).await.unwrap();
        let line = |order: Value| {
            vec![
                order,
                Value::Int(1),
                Value::Null,
                Value::Null,
                Value::Int(1),
                Value::Int(100),
            ]
        };
        let orphan = line(Value::Uuid(uuid::Uuid::now_v7()));
        assert!(tx.insert_rows(&ORDER_LINES, &[orphan]).await.is_err());
        let stored = tx.fetch_page(&ORDERS, None, 1).await.unwrap();
        let again = line(stored[0][0].clone());
        assert!(tx.insert_rows(&ORDER_LINES, &[again]).await.is_err());
    }
}

/// Records what an import reports while it runs.
#[derive(Default)]
struct Watched {
    rows: std::sync::Mutex<Vec<u64>>,
    stages: std::sync::Mutex<Vec<String>>,
}

impl rapport_app::import::Progress for Watched {
    fn advance(&self, rows: u64, _bytes: u64) {
        self.rows.lock().unwrap().push(rows);
    }

    fn stage(&self, what: &str) {
        self.stages.lock().unwrap().push(what.to_string());
    }
}

#[tokio::test]
async fn a_bulk_load_says_when_it_builds_its_indexes() {
    for env in envs().await {
        let path = env.file("orders.csv", LINES);
        let opts = rapport_app::import::ImportOptions::new(ImportKind::Orders, now());
        let watched = Watched::default();
        let r = rapport_app::import::import_file(&env.store, env.org, &path, &opts, &watched)
            .await
            .unwrap();
        assert!(r.bulk && r.committed);
        assert_eq!(
            *watched.stages.lock().unwrap(),
            vec!["building indexes and keys".to_string()]
        );
        assert_eq!(watched.rows.lock().unwrap().last(), Some(&r.rows));

        // Into a filled database there are no indexes to build.
        let watched = Watched::default();
        rapport_app::import::import_file(&env.store, env.org, &path, &opts, &watched)
            .await
            .unwrap();
        assert!(watched.stages.lock().unwrap().is_empty());
    }
}

#[tokio::test]
async fn lines_that_disagree_with_their_order_are_refused() {
    for env in envs().await {
        let bad = "order_id,line,customer_id,ordered_at,amount\nO1,1,C1,2025-01-05,10.00\nO1,2,C2,2025-01-05,5.00\n";
        let r = env.import(ImportKind::Orders, bad).await;
        assert!(
            r.errors
                .iter()
                .any(|e| e.line == 3 && e.reason.contains("disagrees with the order")),
            "{:?}",
            r.errors
        );
        assert!(!r.committed);
    }
}

#[tokio::test]
async fn lines_without_numbers_are_numbered_in_file_order() {
    for env in envs().await {
        let file = "order_id,customer_id,ordered_at,sku,amount\nO1,C1,2025-01-05,A,1.00\nO2,C1,2025-01-06,A,2.00\nO1,C1,2025-01-05,B,3.00\n";
        let r = env.import(ImportKind::Orders, file).await;
        assert!(r.committed, "{:?}", r.errors);
        let exported = env.export(ImportKind::Orders).await;
        assert!(
            exported.contains("O1,1,C1,2025-01-05T00:00:00Z,A,1,1.00,EUR,"),
            "{exported}"
        );
        assert!(
            exported.contains("O1,2,C1,2025-01-05T00:00:00Z,B,1,3.00,EUR,"),
            "{exported}"
        );
        let again = env.import(ImportKind::Orders, file).await;
        assert_eq!(again.unchanged, 3, "{:?}", again.errors);
    }
}
