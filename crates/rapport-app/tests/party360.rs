//! The party 360 reads the same on every backend and by either way of reading: on PostgreSQL
//! its one statement gives exactly the rows the part-by-part reads give, for every party of a
//! demo company (contacts, links both ways, orders with their lines, contracts with products,
//! surveys, cases and tasks, the users they name, scores); a merged-away key finds the party
//! it went into; the rendered 360 names everything by external id, e-mail and sku.

mod support;

use chrono::NaiveDate;
use rapport_app::import::NoProgress;
use rapport_store::schema::PARTIES;
use rapport_store::{ListQuery, Party360Limits};
use support::*;

const LIMITS: Party360Limits = Party360Limits {
    interactions: 10,
    orders: 5,
    contracts: 100,
    surveys: 10,
    cases: 100,
    tasks: 100,
    links: 100,
    scores: 12,
};

#[tokio::test]
async fn the_one_statement_360_reads_what_the_part_by_part_reads_read() {
    let as_of = NaiveDate::from_ymd_opt(2025, 5, 31).unwrap();
    for env in envs().await {
        let no_bars = |_: &str| -> Box<dyn rapport_app::import::Progress> { Box::new(NoProgress) };
        rapport_app::demo::generate(&env.store, env.org, 150, 3, as_of, now(), &no_bars)
            .await
            .unwrap();
        for _ in 0..2 {
            rapport_app::score::run(&env.store, env.org, as_of, now(), &|_| {})
                .await
                .unwrap();
        }
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let parties = tx
            .list(&PARTIES, &ListQuery::new("external_id", 10_000))
            .await
            .unwrap();
        assert!(parties.len() > 150, "{}", parties.len());
        // How many 360s had something in each part: the demo must exercise them all.
        let mut seen = [0usize; 12];
        for p in &parties {
            let key = p[PARTIES.col("external_id")].as_str().unwrap();
            let one = tx.party_360_rows(key, &LIMITS).await.unwrap().unwrap();
            let steps = tx
                .party_360_rows_stepwise(key, &LIMITS)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(one, steps, "{key} on {}", env.db.url);
            assert_eq!(one.party, *p);
            for (i, n) in [
                one.interactions.len(),
                one.orders.len(),
                one.order_lines.len(),
                one.contracts.len(),
                one.surveys.len(),
                one.cases.len(),
                one.tasks.len(),
                one.links_out.len(),
                one.links_in.len(),
                one.users.len(),
                one.products.len(),
                one.scores.len(),
            ]
            .into_iter()
            .enumerate()
            {
                seen[i] += usize::from(n > 0);
            }
            assert!(one.interactions.len() <= 10 && one.orders.len() <= 5);
            assert!(one.scores.len() <= 2);
        }
        assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
        let id = parties[0][PARTIES.col("id")].as_uuid().unwrap().to_string();
        let by_id = tx.party_360_rows(&id, &LIMITS).await.unwrap().unwrap();
        assert_eq!(by_id.party, parties[0]);
        assert!(
            tx.party_360_rows("NO-SUCH", &LIMITS)
                .await
                .unwrap()
                .is_none()
        );
        assert!(tx.party_360_rows("A\0B", &LIMITS).await.unwrap().is_none());
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_merged_away_key_opens_the_360_of_the_party_it_went_into() {
    for env in envs().await {
        env.import(
            rapport_app::import::ImportKind::Parties,
            "external_id,kind,name,email\nK-1,organization,Keep GmbH,a@keep.example\nK-2,organization,Keep G.m.b.H.,b@keep.example\n",
        )
        .await;
        env.import(
            rapport_app::import::ImportKind::Interactions,
            "external_id,party_external_id,channel,direction,occurred_at,subject\nI-1,K-1,call,inbound,2025-01-02T10:00:00Z,one\nI-2,K-2,email,outbound,2025-01-03T10:00:00Z,two\n",
        )
        .await;
        rapport_app::merge::merge(&env.store, env.org, "K-1", "K-2", None, "test", now())
            .await
            .unwrap();
        let mut tx = env.store.begin_lookup(env.org).await.unwrap();
        let p = rapport_app::party360::load(&mut tx, "K-2")
            .await
            .unwrap()
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(p.party.fields[0], "K-1");
        let subjects: Vec<&str> = p
            .interactions
            .iter()
            .map(|r| r.fields[6].as_str())
            .collect();
        assert_eq!(subjects, ["two", "one"]);
    }
}
