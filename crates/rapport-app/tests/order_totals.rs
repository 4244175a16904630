//! Every order keeps the total of its lines (`orders.total_minor`, which scoring reads instead
//! of summing the lines): after bulk and incremental imports, lines refused, orders written,
//! changed and deleted through the API, and merges; on SQLite and PostgreSQL.

mod support;

use std::collections::BTreeMap;

use rapport_app::import::ImportKind;
use rapport_app::records::orders::{self, OrderInput};
use rapport_app::records::{Mode, Writing};
use rapport_store::schema::{ORDER_LINES, ORDERS};
use support::*;

/// Every order's stored total by external id, after checking it against its lines.
async fn totals(env: &Env) -> BTreeMap<String, i64> {
    let mut tx = env.store.begin_read(env.org).await.unwrap();
    let orders = tx.fetch_page(&ORDERS, None, 1_000_000).await.unwrap();
    let lines = tx.fetch_page(&ORDER_LINES, None, 10_000_000).await.unwrap();
    tx.rollback().await.unwrap();
    let mut sums: BTreeMap<uuid::Uuid, i64> = BTreeMap::new();
    let (order, amount) = (ORDER_LINES.col("order_id"), ORDER_LINES.col("amount_minor"));
    for l in &lines {
        *sums.entry(l[order].as_uuid().unwrap()).or_default() += l[amount].as_int().unwrap();
    }
    let (id, ext, total) = (
        ORDERS.col("id"),
        ORDERS.col("external_id"),
        ORDERS.col("total_minor"),
    );
    orders
        .iter()
        .map(|o| {
            let key = o[ext].as_str().unwrap().to_string();
            let stored = o[total].as_int().unwrap();
            let summed = sums.get(&o[id].as_uuid().unwrap()).copied().unwrap_or(0);
            assert_eq!(
                stored, summed,
                "order {key}: stored total against its lines"
            );
            (key, stored)
        })
        .collect()
}

fn total_of(t: &BTreeMap<String, i64>, key: &str) -> i64 {
    *t.get(key)
        .unwrap_or_else(|| panic!("no order {key} in {t:?}"))
}

const LINES: &str = "\
order_id,line,customer_id,ordered_at,sku,quantity,amount,currency,channel
O1,1,C1,2025-01-05T10:00:00Z,A,1,10.00,EUR,web
O2,1,C2,2025-01-06T10:00:00Z,B,2,20.00,EUR,shop
O1,2,C1,2025-01-05T10:00:00Z,B,1,5.50,EUR,web
O3,1,C1,2025-02-01T10:00:00Z,A,3,30.00,EUR,web
";

#[tokio::test]
async fn imports_keep_every_order_total_new_changed_and_added_lines() {
    for env in envs().await {
        let r = env.import(ImportKind::Orders, LINES).await;
        assert!(r.bulk && r.committed, "{:?}", r.errors);
        let t = totals(&env).await;
        assert_eq!(
            (total_of(&t, "O1"), total_of(&t, "O2"), total_of(&t, "O3")),
            (1550, 2000, 3000)
        );

        // Again unchanged; then a changed line, a line added to a stored order, a new order.
        env.import(ImportKind::Orders, LINES).await;
        assert_eq!(totals(&env).await, t);
        let more = format!(
            "{}O1,3,C1,2025-01-05T10:00:00Z,A,1,0.25,EUR,web\nO4,1,C3,2025-03-01T10:00:00Z,A,1,10.00,EUR,web\n",
            LINES.replace("A,3,30.00", "A,4,40.00")
        );
        let r = env.import(ImportKind::Orders, &more).await;
        assert!(r.committed, "{:?}", r.errors);
        let t = totals(&env).await;
        assert_eq!(
            (
                total_of(&t, "O1"),
                total_of(&t, "O2"),
                total_of(&t, "O3"),
                total_of(&t, "O4")
            ),
            (1575, 2000, 4000, 1000)
        );
    }
}

#[tokio::test]
async fn an_order_whose_lines_span_batches_and_a_refused_line_keep_the_right_total() {
    for env in envs().await {
        // 12,000 orders of three lines each: batch boundaries fall inside orders. Order O7
        // has its line 1 again at the end, refused; it must not count.
        let mut csv = String::from("order_id,line,customer_id,ordered_at,amount\n");
        for i in 0..12_000 {
            for line in 1..=3 {
                csv.push_str(&format!(
                    "O{i},{line},C{},2025-01-01,{}.{:02}\n",
                    i % 997,
                    1 + i % 50,
                    line * 7
                ));
            }
        }
        csv.push_str("O7,1,C7,2025-01-01,99.00\n");
        let path = env.file("many.csv", &csv);
        let r = env
            .import_with(ImportKind::Orders, &path, |o| o.skip_invalid = true)
            .await;
        assert!(r.bulk && r.committed, "{r:?}");
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        let t = totals(&env).await;
        assert_eq!(t.len(), 12_000);
        assert_eq!(total_of(&t, "O7"), 3 * 800 + 7 + 14 + 21);

        // Into the filled database: lines added to stored orders, across batches again.
        let mut csv = String::from("order_id,line,customer_id,ordered_at,amount\n");
        for i in (0..12_000).step_by(3) {
            csv.push_str(&format!("O{i},4,C{},2025-01-01,1.00\n", i % 997));
        }
        let path = env.file("more.csv", &csv);
        let r = env.import_with(ImportKind::Orders, &path, |_| {}).await;
        assert!(!r.bulk && r.committed, "{r:?}");
        let after = totals(&env).await;
        assert_eq!(total_of(&after, "O3"), total_of(&t, "O3") + 100);
        assert_eq!(total_of(&after, "O4"), total_of(&t, "O4"));
    }
}

#[tokio::test]
async fn a_transaction_log_gives_each_order_its_one_amount() {
    for env in envs().await {
        let log =
            "customer_id,date,amount\nC1,2025-01-01,12.34\nC1,2025-01-01,1.00\nC2,2025-02-01,5\n";
        let r = env.import(ImportKind::Orders, log).await;
        assert!(r.committed, "{:?}", r.errors);
        let t = totals(&env).await;
        let mut values: Vec<i64> = t.values().copied().collect();
        values.sort_unstable();
        assert_eq!(values, [100, 500, 1234]);
    }
}

fn system() -> Writing {
    Writing {
        actor: None,
        source: "api".into(),
        now: now(),
    }
}

fn order(key: &str, fields: &[(&str, &str)], lines: Option<&[&[(&str, &str)]]>) -> OrderInput {
    let pairs = |f: &[(&str, &str)]| {
        f.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let mut fields = pairs(fields);
    fields.push(("order_id".into(), key.into()));
    OrderInput {
        fields,
        lines: lines.map(|ls| ls.iter().map(|l| pairs(l)).collect()),
    }
}

#[tokio::test]
async fn orders_written_changed_and_deleted_through_the_api_keep_their_total() {
    for env in envs().await {
        env.import(ImportKind::Orders, LINES).await;
        let header = [
            ("customer_id", "C2"),
            ("ordered_at", "2025-04-01T09:00:00Z"),
            ("currency", "EUR"),
        ];
        let two: &[&[(&str, &str)]] = &[&[("amount", "3.10")], &[("amount", "4.05")]];
        orders::write(
            &env.store,
            env.org,
            Mode::Create,
            vec![order("A1", &header, Some(two))],
            &system(),
        )
        .await
        .unwrap();
        assert_eq!(total_of(&totals(&env).await, "A1"), 715);

        // Header only: the lines and their total stay.
        orders::update(
            &env.store,
            env.org,
            "A1",
            order("A1", &[("channel", "shop")], None),
            &system(),
        )
        .await
        .unwrap();
        assert_eq!(total_of(&totals(&env).await, "A1"), 715);

        // Lines replaced.
        let one: &[&[(&str, &str)]] = &[&[("amount", "12.00")]];
        orders::update(
            &env.store,
            env.org,
            "A1",
            order("A1", &[], Some(one)),
            &system(),
        )
        .await
        .unwrap();
        assert_eq!(total_of(&totals(&env).await, "A1"), 1200);

        // A bulk upsert changing a stored order's lines and making a new one.
        let three: &[&[(&str, &str)]] = &[
            &[("line", "1"), ("amount", "1.00")],
            &[("line", "2"), ("amount", "2.00")],
            &[("line", "3"), ("amount", "3.00")],
        ];
        orders::write(
            &env.store,
            env.org,
            Mode::Upsert,
            vec![
                order("O1", &[], Some(three)),
                order("A2", &header, Some(one)),
            ],
            &system(),
        )
        .await
        .unwrap();
        let t = totals(&env).await;
        assert_eq!(
            (total_of(&t, "O1"), total_of(&t, "A2"), total_of(&t, "O2")),
            (600, 1200, 2000)
        );

        orders::delete(&env.store, env.org, "A2", &system())
            .await
            .unwrap();
        assert!(!totals(&env).await.contains_key("A2"));
    }
}

#[tokio::test]
async fn a_merge_moves_orders_with_their_totals() {
    for env in envs().await {
        env.import(ImportKind::Orders, LINES).await;
        let before = totals(&env).await;
        rapport_app::merge::merge(&env.store, env.org, "C1", "C2", None, "cli", now())
            .await
            .unwrap();
        assert_eq!(totals(&env).await, before);
    }
}
