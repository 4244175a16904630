//! The portfolio lists and insights over score runs, on both backends: a demo company scored
//! twice, four months apart; the portfolio filtered, sorted and paged in the database agrees
//! with the stored scores; "needs attention" holds exactly the drops; the insights stored with
//! the run add up.

mod support;

use chrono::NaiveDate;
use rapport_app::import::NoProgress;
use rapport_app::insights::{self, DEFAULT_MIN_DROP, report};
use rapport_app::score;
use rapport_store::schema::PARTY_SCORES;
use rapport_store::{PortfolioQuery, PortfolioSort, Value};
use rustc_hash::FxHashMap;
use support::*;
use uuid::Uuid;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Every party's (health, previous health, clv, class) in a run.
async fn stored(env: &Env, run: Uuid) -> FxHashMap<Uuid, (f64, Option<f64>, Option<f64>, String)> {
    let mut tx = env.store.begin_read(env.org).await.unwrap();
    let mut q = rapport_store::ListQuery::new("party_id", 100_000);
    q.filters
        .push(rapport_store::Filter::eq("run_id", Value::Uuid(run)));
    let rows = tx.list(&PARTY_SCORES, &q).await.unwrap();
    tx.rollback().await.unwrap();
    let col = |name: &str| PARTY_SCORES.col(name);
    rows.iter()
        .map(|r| {
            (
                r[col("party_id")].as_uuid().unwrap(),
                (
                    r[col("health")].as_f64().unwrap(),
                    r[col("previous_health")].as_f64(),
                    r[col("clv")].as_f64(),
                    r[col("class")].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn portfolio_needs_attention_and_insights_agree_with_the_stored_scores() {
    for env in envs().await {
        let no_bars = |_: &str| -> Box<dyn rapport_app::import::Progress> { Box::new(NoProgress) };
        rapport_app::demo::generate(
            &env.store,
            env.org,
            400,
            7,
            day(2025, 5, 31),
            now(),
            &no_bars,
        )
        .await
        .unwrap();
        let first = score::run(&env.store, env.org, day(2025, 1, 31), now(), &|_| {})
            .await
            .unwrap();
        let second = score::run(&env.store, env.org, day(2025, 5, 31), now(), &|_| {})
            .await
            .unwrap();
        let before = stored(&env, first.run.id).await;
        let after = stored(&env, second.run.id).await;
        // The second run remembers each party's health in the first.
        for (party, (_, previous, _, _)) in &after {
            assert_eq!(*previous, before.get(party).map(|b| b.0), "{party}");
        }

        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let latest = insights::latest_run(&mut tx).await.unwrap().unwrap();
        assert_eq!(latest.id, second.run.id);

        // The whole portfolio, weakest first, in pages of 50.
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = insights::portfolio(
                &mut tx,
                PortfolioQuery {
                    offset,
                    limit: 50,
                    ..PortfolioQuery::default()
                },
            )
            .await
            .unwrap()
            .unwrap();
            assert_eq!(page.total as usize, after.len());
            if page.entries.is_empty() {
                break;
            }
            offset += page.entries.len();
            seen.extend(page.entries);
        }
        assert_eq!(seen.len(), after.len());
        assert!(seen.windows(2).all(|w| w[0].row.health <= w[1].row.health));
        let distinct: std::collections::HashSet<Uuid> = seen.iter().map(|e| e.row.party).collect();
        assert_eq!(distinct.len(), seen.len(), "pages overlap");
        for e in &seen {
            let s = &after[&e.row.party];
            assert_eq!((e.row.health, e.row.clv, &e.row.class), (s.0, s.2, &s.3));
        }

        // Filters: one class, one owner, a CLV floor, sorted by CLV.
        let owner = seen
            .iter()
            .find_map(|e| e.row.owner)
            .expect("the demo assigns owners");
        let page = insights::portfolio(
            &mut tx,
            PortfolioQuery {
                owner: Some(owner),
                class: Some("maintain".into()),
                min_clv: Some(1.0),
                sort: PortfolioSort::ClvDesc,
                limit: 1_000,
                ..PortfolioQuery::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
        let expected = seen
            .iter()
            .filter(|e| {
                e.row.owner == Some(owner)
                    && e.row.class == "maintain"
                    && e.row.clv.is_some_and(|c| c >= 1.0)
            })
            .count();
        assert!(expected > 0);
        assert_eq!(page.entries.len(), expected);
        assert_eq!(page.total as usize, expected);
        assert!(page.entries.iter().all(|e| e.owner_email.is_some()));
        assert!(
            page.entries
                .windows(2)
                .all(|w| w[0].row.clv >= w[1].row.clv)
        );

        // Search by the exact external id.
        let one = &seen[7].row;
        let page = insights::portfolio(
            &mut tx,
            PortfolioQuery {
                search: Some(one.external_id.clone()),
                limit: 10,
                ..PortfolioQuery::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
        assert!(page.entries.iter().any(|e| e.row.party == one.party));

        // Needs attention: exactly the drops of at least 10 points, most valuable first.
        let attention = insights::needs_attention(&mut tx, DEFAULT_MIN_DROP, None, 0, 10_000)
            .await
            .unwrap()
            .unwrap();
        let drops = after
            .values()
            .filter(|s| s.1.is_some_and(|p| p - s.0 >= DEFAULT_MIN_DROP))
            .count();
        assert!(drops > 0, "four months later some health has fallen");
        assert_eq!(attention.entries.len(), drops);
        let insights_now = report::of_run(&latest).unwrap();
        assert_eq!(insights_now.needs_attention as usize, drops);
        assert!(
            attention
                .entries
                .iter()
                .all(|e| e.drop().unwrap() >= DEFAULT_MIN_DROP)
        );
        assert!(
            attention
                .entries
                .windows(2)
                .all(|w| w[0].row.clv >= w[1].row.clv)
        );
        let text = report::attention_text(&attention, DEFAULT_MIN_DROP);
        assert!(
            text.contains(&attention.entries[0].row.external_id),
            "{text}"
        );
        tx.rollback().await.unwrap();

        // The insights stored with the run add up to its customers.
        let i = report::of_run(&latest).expect("the run has insights");
        let n = after.len() as u64;
        assert_eq!(i.customers, n);
        assert_eq!(i.value_measure, "clv");
        assert_eq!(i.segments.iter().map(|s| s.customers).sum::<u64>(), n);
        assert_eq!(i.grid.iter().map(|c| c.customers).sum::<u64>(), n);
        for d in &i.acquisition {
            assert_eq!(
                d.groups.iter().map(|g| g.customers).sum::<u64>(),
                n,
                "{}",
                d.dimension
            );
            assert_eq!(
                d.groups.iter().map(|g| g.top_decile).sum::<u64>(),
                i.top_decile.customers,
                "{}",
                d.dimension
            );
        }
        let dims: Vec<&str> = i.acquisition.iter().map(|d| d.dimension.as_str()).collect();
        assert_eq!(dims, insights::DIMENSIONS);
        // The demo records acquisition channels and countries.
        assert!(i.acquisition[0].groups.len() > 1);
        assert!(i.acquisition[0].groups.iter().any(|g| !g.value.is_empty()));
        assert_eq!(i.top_decile.customers, n.div_ceil(10));
        assert!(i.top_decile.top.mean_value >= i.top_decile.all.mean_value);
        let total_clv: f64 = after.values().filter_map(|s| s.2).sum();
        let segment_clv: f64 = i.segments.iter().filter_map(|s| s.total_clv).sum();
        assert!((total_clv - segment_clv).abs() < 1e-6 * total_clv.abs().max(1.0));
        let csv = report::acquisition_csv(&i);
        let groups: usize = i.acquisition.iter().map(|d| d.groups.len()).sum();
        assert_eq!(csv.lines().count(), groups + 1);
        let text = report::segments_text(&latest, &i);
        assert!(text.contains("champions") && text.contains("R5"), "{text}");
        let text = report::acquisition_text(&latest, &i);
        assert!(
            text.contains("By channel:") && text.contains("Top decile"),
            "{text}"
        );

        // Two scored customers merge: the merged-away one's scores go with it.
        let (keep, other) = (&seen[0].row.external_id, &seen[1].row.external_id);
        let merged =
            rapport_app::merge::merge(&env.store, env.org, keep, other, None, "test", now())
                .await
                .unwrap();
        assert!(merged.dropped_scores >= 1, "{merged:?}");
        assert_eq!(stored(&env, second.run.id).await.len(), after.len() - 1);
    }
}

#[tokio::test]
async fn before_any_run_the_lists_are_absent() {
    for env in envs().await {
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        assert!(insights::latest_run(&mut tx).await.unwrap().is_none());
        let p = insights::portfolio(
            &mut tx,
            PortfolioQuery {
                limit: 10,
                ..PortfolioQuery::default()
            },
        )
        .await
        .unwrap();
        assert!(p.is_none());
        tx.rollback().await.unwrap();
    }
}
