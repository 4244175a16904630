//! The scoring pipeline on both backends: a demo company scored twice (history kept, the same
//! numbers from the same data on either database), logs without repeat buyers, no orders, and
//! a fit that does not converge (nothing written).

mod support;

use chrono::NaiveDate;
use rapport_app::import::{ImportKind, NoProgress};
use rapport_app::score::{self, ScoreError};
use rapport_store::schema::PARTY_SCORES;
use rapport_store::{Row, Value};
use support::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn scores_of(env: &Env, run: uuid::Uuid) -> Vec<Row> {
    let mut tx = env.store.begin_read(env.org).await.unwrap();
    let mut q = rapport_store::ListQuery::new("party_id", 100_000);
    q.filters
        .push(rapport_store::Filter::eq("run_id", Value::Uuid(run)));
    let rows = tx.list(&PARTY_SCORES, &q).await.unwrap();
    tx.rollback().await.unwrap();
    rows
}

#[tokio::test]
async fn a_demo_company_is_scored_with_finite_explained_values_and_its_history_kept() {
    let as_of = day(2025, 5, 31);
    let mut fits = Vec::new();
    for env in envs().await {
        let no_bars = |_: &str| -> Box<dyn rapport_app::import::Progress> { Box::new(NoProgress) };
        rapport_app::demo::generate(&env.store, env.org, 400, 7, as_of, now(), &no_bars)
            .await
            .unwrap();
        let first = score::run(&env.store, env.org, as_of, now(), &|_| {})
            .await
            .unwrap();
        let run = &first.run;
        assert!(run.customers > 300, "{}", run.customers);
        assert!(run.repeat_customers > 0);
        assert_eq!(run.currency.as_deref(), Some("EUR"));
        let rows = scores_of(&env, run.id).await;
        assert_eq!(rows.len() as i64, run.customers);
        let col = |name: &str| PARTY_SCORES.col(name);
        let mut classes = std::collections::BTreeSet::new();
        for r in &rows {
            let health = r[col("health")].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&health), "{r:?}");
            let p = r[col("p_alive")].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&p), "{r:?}");
            assert!(r[col("clv")].as_f64().unwrap().is_finite());
            assert!(r[col("expected_purchases")].as_f64().unwrap() >= 0.0);
            for s in ["rfm_r", "rfm_f", "rfm_m"] {
                assert!((1..=5).contains(&r[col(s)].as_int().unwrap()));
            }
            let class = r[col("class")].as_str().unwrap().to_string();
            assert!(["grow", "maintain", "repair", "at_risk", "churned"].contains(&class.as_str()));
            classes.insert(class);
            // Every class and every component explains itself in words (stored as codes and
            // numbers, read with their sentences).
            let read = score::PartyScore::from_row(as_of, None, r).unwrap();
            let reasons = &read.reasons;
            assert!(!reasons.as_array().unwrap().is_empty(), "{r:?}");
            assert!(reasons[0]["text"].as_str().unwrap().len() > 10);
            let parts = read.components["components"].as_array().unwrap();
            assert_eq!(parts.len(), 5);
            let sum: f64 = parts
                .iter()
                .map(|c| c["contribution"].as_f64().unwrap())
                .sum();
            assert!((sum - health).abs() < 0.06, "{sum} vs {health}");
        }
        assert!(classes.len() >= 3, "{classes:?}");
        assert_eq!(
            first.classes.iter().map(|c| c.1).sum::<usize>() as i64,
            run.customers
        );

        // A second run keeps the first; the 360's history shows both, newest first.
        let second = score::run(&env.store, env.org, as_of, now(), &|_| {})
            .await
            .unwrap();
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let runs = tx.score_runs(10).await.unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].id, second.run.id);
        let party = rows[0][col("party_id")].as_uuid().unwrap();
        let history = tx.party_score_history(party, 10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].2[col("run_id")], Value::Uuid(second.run.id));
        assert_eq!(history[0].1.as_deref(), Some("EUR"));
        assert_eq!(history[0].0, as_of);
        tx.rollback().await.unwrap();
        fits.push(run.fit["purchase_model"]["params"].clone());
    }
    // The same data gives the same fit on either database.
    if let [a, b] = &fits[..] {
        for p in ["r", "alpha", "a", "b"] {
            let (x, y) = (a[p].as_f64().unwrap(), b[p].as_f64().unwrap());
            assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{p}: {x} vs {y}");
        }
    }
}

#[tokio::test]
async fn only_first_purchases_give_rfm_and_health_without_a_model() {
    for env in envs().await {
        env.import(
            ImportKind::Orders,
            "customer_id,ordered_at,amount\nC1,2025-01-05,10\nC2,2025-02-01,20\nC3,2025-03-09,30\n",
        )
        .await;
        let outcome = score::run(&env.store, env.org, day(2025, 5, 31), now(), &|_| {})
            .await
            .unwrap();
        assert!(
            outcome
                .notes
                .iter()
                .any(|n| n.contains("cannot be identified")),
            "{:?}",
            outcome.notes
        );
        let rows = scores_of(&env, outcome.run.id).await;
        assert_eq!(rows.len(), 3);
        for r in &rows {
            assert!(r[PARTY_SCORES.col("p_alive")].is_null());
            assert!(r[PARTY_SCORES.col("clv")].is_null());
            assert!(r[PARTY_SCORES.col("health")].as_f64().unwrap().is_finite());
        }
    }
}

#[tokio::test]
async fn nothing_to_score_or_a_failed_fit_writes_nothing() {
    for env in envs().await {
        let none = score::run(&env.store, env.org, day(2025, 5, 31), now(), &|_| {}).await;
        assert!(matches!(none, Err(ScoreError::NoOrders(_))), "{none:?}");

        // A run that works, then one whose fit is stopped after two iterations: the second
        // says so with its diagnostics, writes nothing, and the first run's scores stay.
        let no_bars = |_: &str| -> Box<dyn rapport_app::import::Progress> { Box::new(NoProgress) };
        rapport_app::demo::generate(
            &env.store,
            env.org,
            200,
            7,
            day(2025, 5, 31),
            now(),
            &no_bars,
        )
        .await
        .unwrap();
        let good = score::run(&env.store, env.org, day(2025, 5, 31), now(), &|_| {})
            .await
            .unwrap();
        let stopped = rapport_analytics::OptimizeOptions {
            max_iterations: 2,
            ..Default::default()
        };
        let failed = score::run_with(
            &env.store,
            env.org,
            day(2025, 5, 31),
            now(),
            &stopped,
            &|_| {},
        )
        .await;
        let Err(e) = failed else {
            panic!("the fit converged: {failed:?}")
        };
        assert!(
            e.to_string()
                .contains("did not converge after 2 iterations"),
            "{e}"
        );
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let runs = tx.score_runs(10).await.unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].id, good.run.id);
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_collapsed_dropout_distribution_falls_back_to_rfm_and_health() {
    // A 60-customer demo company whose dropout probabilities hardly vary: the BG/NBD's a and b
    // run towards infinity, so there is no maximum; the run says why and scores without it.
    let as_of = day(2026, 11, 23);
    for env in envs().await {
        let no_bars = |_: &str| -> Box<dyn rapport_app::import::Progress> { Box::new(NoProgress) };
        rapport_app::demo::generate(&env.store, env.org, 60, 5, as_of, now(), &no_bars)
            .await
            .unwrap();
        let outcome = score::run(&env.store, env.org, as_of, now(), &|_| {})
            .await
            .unwrap();
        assert!(
            outcome
                .notes
                .iter()
                .any(|n| n.contains("dropout probability hardly varies")),
            "{:?}",
            outcome.notes
        );
        let rows = scores_of(&env, outcome.run.id).await;
        assert_eq!(rows.len() as i64, outcome.run.customers);
        for r in &rows {
            assert!(r[PARTY_SCORES.col("p_alive")].is_null());
            assert!(r[PARTY_SCORES.col("health")].as_f64().unwrap().is_finite());
        }
        let insights = rapport_app::insights::report::of_run(&outcome.run).unwrap();
        assert_eq!(insights.value_measure, "spend");
    }
}
