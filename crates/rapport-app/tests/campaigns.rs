//! A win-back campaign on a list whose answers are known by construction: which members come
//! back (an order after the start) is planted per arm, so the win-back rates, the revenue
//! regained and the cost per regained customer are known. On every configured backend.

mod support;

use chrono::{DateTime, Days, TimeZone, Utc};
use rapport_app::import::ImportKind;
use rapport_app::records::{RecordError, Writing};
use rapport_app::retention::campaigns::{self, Attempt};
use rapport_app::retention::{install_defaults, lists};
use rapport_store::MemberQuery;
use serde_json::json;
use support::{Env, envs};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn system(at: DateTime<Utc>) -> Writing {
    Writing {
        actor: None,
        source: "test".into(),
        now: at,
    }
}

/// 60 customers who each cancelled their only contract 30 days ago: the churned list.
async fn churned_book(env: &Env) {
    install_defaults(&env.store, env.org, now()).await.unwrap();
    let mut parties = String::from("external_id,kind,name\n");
    let mut contracts = String::from(
        "external_id,party_external_id,value,currency,signed_at,withdrawal_deadline,delivered_at,status,cancelled_at,cancellation_reason\n",
    );
    let day = |d: u64| format!("{}T10:00:00Z", now().date_naive() - Days::new(d));
    for p in 0..60 {
        parties.push_str(&format!("W{p:02},person,Winback {p}\n"));
        let reason = if p % 3 == 0 {
            "price_too_high"
        } else {
            "competitor_offer"
        };
        contracts.push_str(&format!(
            "K{p:02},W{p:02},100.00,EUR,{},{},{},cancelled,{},{reason}\n",
            day(400),
            day(386),
            day(380),
            day(30)
        ));
    }
    assert_eq!(
        env.import(ImportKind::Parties, &parties).await.invalid_rows,
        0
    );
    let r = env.import(ImportKind::Contracts, &contracts).await;
    assert_eq!(r.invalid_rows, 0, "{:?}", r.errors);
    lists::refresh(&env.store, env.org, now()).await.unwrap();
}

#[tokio::test]
async fn the_result_counts_who_came_back_in_each_arm() {
    for env in envs().await {
        churned_book(&env).await;
        let new = campaigns::parse_new(&json!({
            "name": "Planted", "list": "churned", "control_share": 0.5, "cost": "300.00",
            "offers": {"price_too_high": "Loyalty discount", "*": "Personal call"}
        }))
        .unwrap();
        let (c, treated, control) = campaigns::create(&env.store, env.org, &new, &system(now()))
            .await
            .unwrap();
        assert_eq!(treated + control, 60);
        assert!(treated >= 15 && control >= 15, "{treated}/{control}");

        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let (rows, _) = campaigns::members(
            &mut tx,
            &MemberQuery {
                campaign: c.id,
                limit: 100,
                ..MemberQuery::default()
            },
        )
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        let arm = |r: &rapport_store::MemberRow| {
            r.member[rapport_store::schema::CAMPAIGN_MEMBERS.col("arm")]
                .as_str()
                .unwrap()
                .to_string()
        };
        let treated_ids: Vec<String> = rows
            .iter()
            .filter(|r| arm(r) == "treatment")
            .map(|r| r.external_id.clone())
            .collect();
        let control_ids: Vec<String> = rows
            .iter()
            .filter(|r| arm(r) == "control")
            .map(|r| r.external_id.clone())
            .collect();
        // Plant: 6 treated and 2 held-out customers order again after the start, for 50.00
        // each; one treated customer also orders before the start (not counted).
        let after = (now() + chrono::TimeDelta::days(3)).date_naive();
        let before = (now() - chrono::TimeDelta::days(3)).date_naive();
        let mut orders = String::from("customer_id,ordered_at,amount\n");
        for id in treated_ids.iter().take(6).chain(control_ids.iter().take(2)) {
            orders.push_str(&format!("{id},{after},50.00\n"));
        }
        orders.push_str(&format!("{},{before},70.00\n", treated_ids[10]));
        let r = env.import(ImportKind::Orders, &orders).await;
        assert_eq!(r.invalid_rows, 0, "{:?}", r.errors);
        // Outcomes recorded by the callers: two won back, one declined.
        for (id, outcome) in [
            (&treated_ids[0], "won_back"),
            (&treated_ids[1], "won_back"),
            (&treated_ids[7], "declined"),
        ] {
            let a = Attempt {
                party: id.clone(),
                outcome: outcome.into(),
                at: now() + chrono::TimeDelta::hours(2),
                note: None,
            };
            campaigns::record_attempt(
                &env.store,
                env.org,
                "Planted",
                &a,
                &system(now() + chrono::TimeDelta::hours(3)),
            )
            .await
            .unwrap();
        }

        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let r = campaigns::results(&mut tx, "Planted").await.unwrap();
        tx.rollback().await.unwrap();
        let o = &r.overall;
        assert_eq!((o.treated, o.control), (treated as u64, control as u64));
        assert_eq!((o.returned_treated, o.returned_control), (6, 2));
        assert_eq!((o.won_back, o.declined), (2, 1));
        assert_eq!(o.open, treated as u64 - 3);
        assert_eq!(o.revenue_treated_minor, 6 * 5_000);
        assert_eq!(o.revenue_control_minor, 2 * 5_000);
        let d = o.difference.unwrap();
        assert!((d.treated - 6.0 / treated as f64).abs() < 1e-12);
        assert!((d.control - 2.0 / control as f64).abs() < 1e-12);
        let expected_incremental = 30_000.0 - 10_000.0 / control as f64 * treated as f64;
        assert_eq!(
            o.incremental_revenue_minor(),
            Some(expected_incremental.round() as i64)
        );
        let (per_returned, _) = r.cost_per_returned_minor();
        assert_eq!(per_returned, Some(5_000), "300.00 over 6 returned");
        // By offer: the price reason got the discount.
        let discount = r
            .by_offer
            .iter()
            .find(|g| g.key.as_deref() == Some("Loyalty discount"))
            .unwrap();
        assert_eq!(discount.treated + discount.control, 20);
        let json = r.to_json();
        assert_eq!(json["overall"]["cost_per_returned"], "50.00");
    }
}

#[tokio::test]
async fn bad_campaign_requests_change_nothing() {
    for env in envs().await {
        churned_book(&env).await;
        let field = |e: RecordError| match e {
            RecordError::Invalid(errors) => errors[0].column.clone().unwrap(),
            other => panic!("{other}"),
        };
        let nobody = campaigns::parse_new(&json!({"name": "Empty", "list": "at_risk"})).unwrap();
        let e = campaigns::create(&env.store, env.org, &nobody, &system(now()))
            .await
            .unwrap_err();
        assert_eq!(field(e), "list", "a campaign on an empty list");
        let new =
            campaigns::parse_new(&json!({"name": "Real", "list": "churned", "control_share": 0.0}))
                .unwrap();
        let (_, treated, control) = campaigns::create(&env.store, env.org, &new, &system(now()))
            .await
            .unwrap();
        assert_eq!((treated, control), (60, 0));
        let attempt = |party: &str, outcome: &str, at: DateTime<Utc>| Attempt {
            party: party.into(),
            outcome: outcome.into(),
            at,
            note: None,
        };
        let later = system(now() + chrono::TimeDelta::hours(1));
        let e = campaigns::record_attempt(
            &env.store,
            env.org,
            "Real",
            &attempt("W01", "won_back", now() - chrono::TimeDelta::days(2)),
            &later,
        )
        .await
        .unwrap_err();
        assert_eq!(field(e), "at", "before the campaign");
        let e = campaigns::record_attempt(
            &env.store,
            env.org,
            "Real",
            &attempt("W01", "maybe", now()),
            &later,
        )
        .await
        .unwrap_err();
        assert_eq!(field(e), "outcome");
        campaigns::record_attempt(
            &env.store,
            env.org,
            "Real",
            &attempt("W01", "won_back", now()),
            &later,
        )
        .await
        .unwrap();
        let e = campaigns::record_attempt(
            &env.store,
            env.org,
            "Real",
            &attempt("W01", "won_back", now()),
            &later,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, RecordError::Conflict(_)),
            "duplicate outcome: {e}"
        );
        let e = campaigns::record_attempt(
            &env.store,
            env.org,
            "Nope",
            &attempt("W01", "won_back", now()),
            &later,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, RecordError::NotFound(_)), "{e}");
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let r = campaigns::results(&mut tx, "Real").await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(r.overall.won_back, 1, "the refused attempts wrote nothing");
        assert!(
            r.overall.difference.is_none(),
            "no control group, no comparison"
        );
        campaigns::close(&env.store, env.org, "Real", &later)
            .await
            .unwrap();
        let e = campaigns::record_attempt(
            &env.store,
            env.org,
            "Real",
            &attempt("W02", "won_back", now()),
            &later,
        )
        .await
        .unwrap_err();
        assert_eq!(field(e), "campaign", "closed");
    }
}
