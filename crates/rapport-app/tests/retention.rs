//! The retention reports on a book of contracts whose answers are known by construction: a
//! planted count per cancellation reason in two periods, a planted withdrawal rate per
//! signing-to-delivery gap, and a planted call list. On every configured backend.

mod support;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use rapport_app::import::ImportKind;
use rapport_app::records::RecordError;
use rapport_app::retention::{
    self, Ended, Gap, RemorseQuery, TopQuery, install_defaults, reason_contracts, top_reasons,
};
use support::{Env, envs};

/// Reasons and how many contracts each ended in the current period (2026-01-01 to
/// 2026-06-30) and in the previous one of equal length (2025-07-04 to 2025-12-31).
const PLANTED: [(&str, i64, i64); 11] = [
    ("price_too_high", 60, 30),
    ("competitor_offer", 40, 50),
    ("poor_service", 25, 25),
    ("upgrade_wish", 15, 5),
    ("relocation", 10, 12),
    ("payment_trouble", 8, 0),
    ("delivery_delay", 6, 9),
    ("product_quality", 4, 1),
    ("no_longer_needed", 3, 3),
    ("other", 2, 0),
    ("changed_mind", 1, 2),
];

/// Withdrawals planted per gap bucket: (gap in days, contracts, withdrawn).
const CURVE: [(u64, usize, usize); 4] = [(3, 100, 5), (20, 100, 10), (60, 100, 20), (120, 100, 40)];

/// The instant the call list is judged at.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn stamp(d: NaiveDate) -> String {
    format!("{d}T10:00:00Z")
}

/// The contract of the `i`-th cancellation for `reason`: its value (in cents) is known from
/// the reason's position and `i`; every third one is of product B.
fn cancelled_row(n: &mut usize, reason: &str, rank: usize, i: i64, ended: NaiveDate) -> String {
    *n += 1;
    let signed = day(2024, 1, 10);
    let sku = if i % 3 == 0 { "B" } else { "A" };
    let value = (rank as i64 + 1) * 100;
    format!(
        "K{n},P{},{sku},{value}.00,EUR,{},{},,{},cancelled,{},{reason},note {n}\n",
        *n % 200,
        stamp(signed),
        stamp(signed + Days::new(14)),
        stamp(signed + Days::new(30)),
        stamp(ended)
    )
}

async fn book(env: &Env) {
    install_defaults(&env.store, env.org, support::now())
        .await
        .unwrap();
    let mut parties = String::from("external_id,kind,name,acquisition_channel,phone\n");
    for p in 0..200 {
        let channel = if p % 2 == 0 { "web" } else { "shop" };
        parties.push_str(&format!("P{p},person,Person {p},{channel},+49 30 {p:05}\n"));
    }
    assert_eq!(
        env.import(ImportKind::Parties, &parties).await.invalid_rows,
        0
    );
    let products = "sku,name,category\nA,Mobile plan,mobile\nB,Car insurance,insurance\nC,Home insurance,insurance\n";
    assert_eq!(
        env.import(ImportKind::Products, products)
            .await
            .invalid_rows,
        0
    );

    let mut rows = String::from(
        "external_id,party_external_id,sku,value,currency,signed_at,withdrawal_deadline,delivery_due_at,delivered_at,status,cancelled_at,cancellation_reason,cancellation_note\n",
    );
    let mut n = 0;
    for (rank, (reason, now, before)) in PLANTED.iter().enumerate() {
        for i in 0..*now {
            // Spread over the current period, both ends included.
            let ended = day(2026, 1, 1) + Days::new((i as u64 * 7) % 181);
            rows.push_str(&cancelled_row(&mut n, reason, rank, i, ended));
        }
        for i in 0..*before {
            let ended = day(2025, 7, 4) + Days::new((i as u64 * 5) % 181);
            rows.push_str(&cancelled_row(&mut n, reason, rank, i, ended));
        }
    }
    // Outside both periods: must not count.
    rows.push_str(&cancelled_row(
        &mut n,
        "price_too_high",
        0,
        1,
        day(2026, 7, 1),
    ));
    rows.push_str(&cancelled_row(
        &mut n,
        "price_too_high",
        0,
        1,
        day(2025, 7, 3),
    ));

    // Buyer's remorse: signed in 2025, delivered after the planted gap; the first `withdrawn`
    // of each bucket withdrawn within their period.
    for (gap, contracts, withdrawn) in CURVE {
        for i in 0..contracts {
            n += 1;
            let signed = day(2025, 2, 1) + Days::new(i as u64 % 200);
            let deadline = signed + Days::new(14);
            let delivered = signed + Days::new(gap);
            let sku = if i % 2 == 0 { "B" } else { "C" };
            if i < withdrawn {
                rows.push_str(&format!(
                    "R{n},P{},{sku},500.00,EUR,{},{},{},,withdrawn,{},changed_mind,\n",
                    n % 200,
                    stamp(signed),
                    stamp(deadline),
                    stamp(delivered),
                    stamp(signed + Days::new(5)),
                ));
            } else {
                rows.push_str(&format!(
                    "R{n},P{},{sku},500.00,EUR,{},{},,{},active,,,\n",
                    n % 200,
                    stamp(signed),
                    stamp(deadline),
                    stamp(delivered),
                ));
            }
        }
    }

    // The call list at now(): W1 and W2 are inside their period with no contact since
    // signing; W3 had a call after signing; W4 was withdrawn; W5's deadline has passed.
    let today = now().date_naive();
    for (id, party, signed_days_ago, status) in [
        ("W1", "P1", 3, "signed"),
        ("W2", "P2", 10, "signed"),
        ("W3", "P3", 4, "signed"),
        ("W4", "P4", 2, "withdrawn"),
        ("W5", "P5", 20, "signed"),
    ] {
        let signed = today - Days::new(signed_days_ago);
        let (cancelled, reason) = if status == "withdrawn" {
            (stamp(signed + Days::new(1)), "changed_mind")
        } else {
            (String::new(), "")
        };
        rows.push_str(&format!(
            "{id},{party},A,99.00,EUR,{},{},{},,{status},{cancelled},{reason},\n",
            stamp(signed),
            stamp(signed + Days::new(14)),
            stamp(signed + Days::new(40)),
        ));
    }
    let report = env.import(ImportKind::Contracts, &rows).await;
    assert_eq!(report.invalid_rows, 0, "{:?}", report.errors);
    let calls = format!(
        "party_external_id,channel,direction,occurred_at,subject\nP3,phone,outbound,{},Welcome call\nP1,phone,outbound,{},Before signing\n",
        stamp(today - Days::new(2)),
        stamp(today - Days::new(30)),
    );
    assert_eq!(
        env.import(ImportKind::Interactions, &calls)
            .await
            .invalid_rows,
        0
    );
}

fn first_half_2026() -> TopQuery {
    TopQuery {
        from: day(2026, 1, 1),
        to: day(2026, 6, 30),
        ended: Ended::Cancellations,
        ..TopQuery::default()
    }
}

#[tokio::test]
async fn the_top_ten_reasons_are_the_planted_ones_with_their_counts_shares_and_trend() {
    for env in envs().await {
        book(&env).await;
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let top = top_reasons(&mut tx, &first_half_2026()).await.unwrap();
        let total: i64 = PLANTED.iter().map(|p| p.1).sum();
        assert_eq!(top.contracts, total);
        assert_eq!(top.previous_from, day(2025, 7, 4));
        assert_eq!(top.previous_to, day(2025, 12, 31));
        assert_eq!(
            top.previous_contracts,
            PLANTED.iter().map(|p| p.2).sum::<i64>()
        );
        assert_eq!(top.currency.as_deref(), Some("EUR"));
        assert_eq!(top.top().len(), 10);
        let mut cumulative = 0;
        for (rank, line) in top.top().iter().enumerate() {
            let (code, count, before) = PLANTED[rank];
            assert_eq!(line.reason.code, code, "rank {rank}");
            assert_eq!(line.count, count, "{code}");
            assert_eq!(line.previous_count, before, "{code}");
            assert_eq!(
                line.revenue_lost_minor,
                count * (rank as i64 + 1) * 100 * 100
            );
            cumulative += count;
            assert!((line.share - count as f64 / total as f64).abs() < 1e-12);
            assert!((line.cumulative_share - cumulative as f64 / total as f64).abs() < 1e-12);
            assert_eq!(line.clv_at_stake, None, "no score run yet");
        }
        assert_eq!(top.rest(), (1, 1, 1100 * 100));
        assert_eq!(
            top.revenue_lost_minor,
            PLANTED
                .iter()
                .enumerate()
                .map(|(rank, p)| p.1 * (rank as i64 + 1) * 10_000)
                .sum::<i64>()
        );
        let labels = top.top()[0].reason.clone();
        assert_eq!(labels.label("de"), "Preis zu hoch");
        assert_eq!(labels.label("el"), "Πολύ υψηλή τιμή");

        // The JSON the CLI prints: the reasons in descending order with the agreed fields.
        let json = top.to_json("en");
        let reasons = json["reasons"].as_array().unwrap();
        assert_eq!(reasons.len(), 10);
        assert_eq!(reasons[0]["code"], "price_too_high");
        assert_eq!(reasons[0]["label"], "Price too high");
        assert_eq!(reasons[0]["count"], 60);
        assert_eq!(reasons[1]["previous_count"], 50);
        assert_eq!(reasons[1]["revenue_lost_minor"], 40 * 200 * 100);
        assert!((reasons[0]["share"].as_f64().unwrap() - 60.0 / 174.0).abs() < 1e-12);

        // Withdrawals are another kind of ending: none of the planted ones fall in this period.
        let q = TopQuery {
            ended: Ended::Withdrawals,
            ..first_half_2026()
        };
        assert_eq!(top_reasons(&mut tx, &q).await.unwrap().contracts, 0);
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn slices_and_the_drill_down_count_what_they_name() {
    for env in envs().await {
        book(&env).await;
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        // Product B holds every third contract of each reason (i = 0, 3, 6 …).
        let q = TopQuery {
            product: Some("B".into()),
            ..first_half_2026()
        };
        let top = top_reasons(&mut tx, &q).await.unwrap();
        for line in &top.reasons {
            let planted = PLANTED.iter().find(|p| p.0 == line.reason.code).unwrap();
            assert_eq!(line.count, (planted.1 + 2) / 3, "{}", planted.0);
        }
        // The category "mobile" is product A: the other two thirds.
        let q = TopQuery {
            category: Some("mobile".into()),
            ..first_half_2026()
        };
        let mobile = top_reasons(&mut tx, &q).await.unwrap();
        assert_eq!(mobile.contracts + top.contracts, 174);
        // Channels split the customers (even party numbers came through the web).
        let web = TopQuery {
            channel: Some("web".into()),
            ..first_half_2026()
        };
        let shop = TopQuery {
            channel: Some("shop".into()),
            ..first_half_2026()
        };
        let (w, s) = (
            top_reasons(&mut tx, &web).await.unwrap().contracts,
            top_reasons(&mut tx, &shop).await.unwrap().contracts,
        );
        assert!(w > 0 && s > 0);
        assert_eq!(w + s, 174);

        let (reason, rows) =
            reason_contracts(&mut tx, &first_half_2026(), "competitor_offer", 0, 500)
                .await
                .unwrap();
        assert_eq!(reason.code, "competitor_offer");
        assert_eq!(rows.len(), 40);
        assert!(
            rows.iter()
                .all(|r| r.reason == "competitor_offer" && r.status == "cancelled")
        );
        assert!(rows.iter().all(|r| r.value_minor == 200 * 100));
        let page = reason_contracts(&mut tx, &first_half_2026(), "competitor_offer", 30, 25)
            .await
            .unwrap()
            .1;
        assert_eq!(page.len(), 10);
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn bad_report_requests_name_the_field() {
    for env in envs().await {
        book(&env).await;
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let field = |e: RecordError| match e {
            RecordError::Invalid(errors) => errors[0].column.clone().unwrap(),
            other => panic!("{other}"),
        };
        let backwards = TopQuery {
            from: day(2026, 6, 30),
            to: day(2026, 1, 1),
            ..TopQuery::default()
        };
        assert_eq!(
            field(top_reasons(&mut tx, &backwards).await.unwrap_err()),
            "to"
        );
        let unknown = TopQuery {
            product: Some("NOPE".into()),
            ..first_half_2026()
        };
        assert_eq!(
            field(top_reasons(&mut tx, &unknown).await.unwrap_err()),
            "product"
        );
        let no_run = TopQuery {
            segment: Some("champions".into()),
            ..first_half_2026()
        };
        assert_eq!(
            field(top_reasons(&mut tx, &no_run).await.unwrap_err()),
            "segment"
        );
        let e = reason_contracts(&mut tx, &first_half_2026(), "no_such_reason", 0, 10)
            .await
            .unwrap_err();
        assert_eq!(field(e), "reason");
        let far = TopQuery {
            from: NaiveDate::MIN,
            to: day(2026, 1, 1),
            ..TopQuery::default()
        };
        assert_eq!(field(top_reasons(&mut tx, &far).await.unwrap_err()), "from");
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn withdrawals_grow_with_the_wait_for_delivery_as_planted() {
    for env in envs().await {
        book(&env).await;
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let q = RemorseQuery {
            from: day(2025, 1, 1),
            to: day(2025, 12, 31),
            product: None,
            now: now(),
        };
        let r = retention::remorse(&mut tx, &q).await.unwrap();
        let expected = [
            (Gap::UpToWeek, 100, 5),
            (Gap::UpToMonth, 100, 10),
            (Gap::UpToQuarter, 100, 20),
            (Gap::Longer, 100, 40),
            (Gap::Unknown, 0, 0),
        ];
        for ((gap, rate), (g, contracts, withdrawn)) in r.by_gap.iter().zip(expected) {
            assert_eq!(*gap, g);
            assert_eq!(
                (rate.contracts, rate.withdrawn),
                (contracts, withdrawn),
                "{g:?}"
            );
        }
        assert_eq!(r.overall.contracts, 400);
        assert_eq!(r.overall.withdrawn, 75);
        assert_eq!(r.open, 0);
        let b = r
            .by_product
            .iter()
            .find(|p| p.sku.as_deref() == Some("B"))
            .unwrap();
        assert_eq!(b.rate.contracts, 200);

        // Contracts signed days ago are still inside their period: left out, not counted as kept.
        let recent = RemorseQuery {
            from: now().date_naive() - Days::new(30),
            to: now().date_naive(),
            product: None,
            now: now(),
        };
        let r = retention::remorse(&mut tx, &recent).await.unwrap();
        assert_eq!(r.open, 3, "W1, W2 and W3");
        assert_eq!(
            (r.overall.contracts, r.overall.withdrawn),
            (2, 1),
            "W4 and W5"
        );
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn the_call_list_holds_exactly_the_uncontacted_contracts_in_their_period() {
    for env in envs().await {
        book(&env).await;
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let rows = retention::call_today(&mut tx, now(), None, 0, 100)
            .await
            .unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r.external_id.as_str()).collect();
        // W2 was signed earlier, so its deadline comes first.
        assert_eq!(ids, ["W2", "W1"]);
        assert_eq!(rows[0].phone.as_deref(), Some("+49 30 00002"));
        tx.rollback().await.unwrap();
    }
}

/// Customers with one planted signal each (at `now()`): see `the_winback_lists_hold_the_planted_customers`.
async fn signals(env: &Env) {
    install_defaults(&env.store, env.org, support::now())
        .await
        .unwrap();
    let mut parties = String::from("external_id,kind,name\n");
    for p in 1..=8 {
        parties.push_str(&format!("X{p},person,Signal {p}\n"));
    }
    assert_eq!(
        env.import(ImportKind::Parties, &parties).await.invalid_rows,
        0
    );
    let today = now().date_naive();
    let ago = |d: u64| stamp(today - Days::new(d));
    let ahead = |d: u64| stamp(today + Days::new(d));
    let contracts = format!(
        "external_id,party_external_id,value,currency,signed_at,withdrawal_deadline,delivered_at,ends_at,status,cancelled_at,cancellation_reason\n\
         X1-a,X1,100.00,EUR,{s},{w},{d},,cancelled,{c30},price_too_high\n\
         X2-a,X2,50.00,EUR,{s},{w},{d},,cancelled,{c30},competitor_offer\n\
         X2-b,X2,70.00,EUR,{s},{w},{d},{e300},active,,\n\
         X3-a,X3,80.00,EUR,{s_old},{w_old},{d_old},,cancelled,{c400},price_too_high\n\
         X4-a,X4,90.00,EUR,{s},{w},{d},{e20},active,,\n\
         X5-a,X5,90.00,EUR,{s},{w},{d},{e20},active,,\n",
        s = ago(300),
        w = ago(286),
        d = ago(280),
        s_old = ago(700),
        w_old = ago(686),
        d_old = ago(680),
        c30 = ago(30),
        c400 = ago(400),
        e20 = ahead(20),
        e300 = ahead(300),
    );
    let r = env.import(ImportKind::Contracts, &contracts).await;
    assert_eq!(r.invalid_rows, 0, "{:?}", r.errors);
    let talks = format!(
        "party_external_id,channel,direction,occurred_at\nX5,phone,outbound,{}\nX4,phone,outbound,{}\n",
        ago(10),
        ago(100)
    );
    assert_eq!(
        env.import(ImportKind::Interactions, &talks)
            .await
            .invalid_rows,
        0
    );
    let surveys = format!(
        "party_external_id,kind,score,answered_at\nX6,nps,3,{}\nX1,nps,2,{}\nX8,nps,3,{}\n",
        ago(30),
        ago(30),
        ago(300)
    );
    assert_eq!(
        env.import(ImportKind::Surveys, &surveys).await.invalid_rows,
        0
    );
    let cases = format!(
        "party_external_id,opened_at,status,subject\nX7,{},open,Broken again\nX8,{},closed,Old\n",
        ago(5),
        ago(50)
    );
    assert_eq!(env.import(ImportKind::Cases, &cases).await.invalid_rows, 0);
}

fn ids(page: &retention::lists::ListPage) -> Vec<String> {
    let mut v: Vec<String> = page.rows.iter().map(|r| r.external_id.clone()).collect();
    v.sort();
    v
}

fn list_query(list: &str) -> rapport_store::WinbackQuery {
    rapport_store::WinbackQuery {
        list: list.into(),
        limit: 100,
        ..rapport_store::WinbackQuery::default()
    }
}

#[tokio::test]
async fn the_winback_lists_hold_the_planted_customers() {
    use retention::lists::{self, AT_RISK, CHURNED};
    for env in envs().await {
        signals(&env).await;
        let refreshed = lists::refresh(&env.store, env.org, now()).await.unwrap();
        assert_eq!((refreshed.at_risk, refreshed.churned), (3, 1));
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let churned = lists::list(&mut tx, list_query(CHURNED)).await.unwrap();
        // X1 cancelled everything lately; X2 still has a running contract; X3 left too long ago.
        assert_eq!(ids(&churned), ["X1"]);
        let x1 = &churned.rows[0].entry;
        assert_eq!(x1.revenue_minor, 10_000);
        assert_eq!(x1.reason_code.as_deref(), Some("price_too_high"));
        // X4's contract ends in 20 days with no talk for 100; X5 was called 10 days ago.
        // X6 is a detractor, X7 has an open complaint; X1's detractor answer does not make a
        // churned customer "at risk"; X8's answer and complaint are old or closed.
        let at_risk = lists::list(&mut tx, list_query(AT_RISK)).await.unwrap();
        assert_eq!(ids(&at_risk), ["X4", "X6", "X7"]);
        let code_of = |id: &str| {
            at_risk
                .rows
                .iter()
                .find(|r| r.external_id == id)
                .unwrap()
                .entry
                .reasons[0]["code"]
                .clone()
        };
        assert_eq!(code_of("X4"), "contract_ending");
        assert_eq!(code_of("X6"), "detractor");
        assert_eq!(code_of("X7"), "open_complaints");
        let mut q = list_query(AT_RISK);
        q.reason = Some("detractor".into());
        assert_eq!(ids(&lists::list(&mut tx, q).await.unwrap()), ["X6"]);
        let mut q = list_query(CHURNED);
        q.reason = Some("competitor_offer".into());
        assert!(lists::list(&mut tx, q).await.unwrap().rows.is_empty());
        let csv = churned.to_csv();
        assert!(csv.starts_with("external_id,name,"), "{csv}");
        assert!(csv.contains("X1,Signal 1,"), "{csv}");
        tx.rollback().await.unwrap();

        // X2 cancels its running contract: churned at once, without a full refresh.
        let who = rapport_app::records::Writing {
            actor: None,
            source: "test".into(),
            now: now(),
        };
        let cancel = rapport_domain::lifecycle::ContractEvent::Cancel {
            at: now(),
            reason: "competitor_offer".into(),
            note: None,
        };
        retention::contracts::record_event(&env.store, env.org, "X2-b", &cancel, &who)
            .await
            .unwrap();
        let mut tx = env.store.begin_read(env.org).await.unwrap();
        let churned = lists::list(&mut tx, list_query(CHURNED)).await.unwrap();
        assert_eq!(ids(&churned), ["X1", "X2"]);
        let x2 = churned.rows.iter().find(|r| r.external_id == "X2").unwrap();
        assert_eq!(x2.entry.revenue_minor, 12_000);
        assert_eq!(x2.entry.reason_code.as_deref(), Some("competitor_offer"));
        tx.rollback().await.unwrap();
    }
}
