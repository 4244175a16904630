//! The retention benchmark's files: determinism, the rules the contract import checks, and
//! the planted status shares and reason skew.

use std::collections::{HashMap, HashSet};

use chrono::{Months, TimeDelta};

use super::{Table, date, stamp};
use crate::{
    bench_as_of, write_bench_contracts, write_bench_customers, write_bench_products,
    write_bench_reasons,
};

/// The four files as text: reasons, products, parties, contracts.
fn files(customers: u64, contracts: u64, seed: u64) -> [String; 4] {
    let text = |write: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut out = Vec::new();
        write(&mut out).expect("writing to memory");
        String::from_utf8(out).expect("UTF-8")
    };
    [
        text(&|w| write_bench_reasons(w)),
        text(&|w| write_bench_products(w)),
        text(&|w| write_bench_customers(w, customers, seed)),
        text(&|w| write_bench_contracts(w, contracts, customers, seed)),
    ]
}

#[test]
fn is_deterministic_for_a_seed() {
    let one = files(500, 1_000, 1);
    assert_eq!(one, files(500, 1_000, 1));
    let other = files(500, 1_000, 2);
    assert_eq!(
        one[..2],
        other[..2],
        "the catalogues do not depend on the seed"
    );
    assert_ne!(one[2], other[2]);
    assert_ne!(one[3], other[3]);
}

#[test]
fn writes_the_rows_asked_for_in_the_import_formats() {
    let [reasons, products, parties, contracts] = files(1_000, 2_000, 3);
    let reasons = Table::parse(&reasons);
    let products = Table::parse(&products);
    let parties = Table::parse(&parties);
    let contracts = Table::parse(&contracts);
    assert_eq!(reasons.rows.len(), 12);
    assert_eq!(products.rows.len(), 20);
    assert_eq!(parties.rows.len(), 1_000);
    assert_eq!(contracts.rows.len(), 2_000);
    let categories = [
        "price",
        "service",
        "product",
        "competitor",
        "upgrade_wish",
        "relocation",
        "payment",
        "other",
    ];
    assert!(reasons.column("category").all(|c| categories.contains(&c)));
    let product_categories: HashSet<&str> = products.column("category").collect();
    assert_eq!(product_categories.len(), 4);
    assert_eq!(parties.column("external_id").next(), Some("C0000001"));
    assert!(parties.column("kind").all(|k| k == "person"));
    assert!(parties.column("first_name").all(|n| !n.is_empty()));
    assert!(parties.column("country").all(|c| c.len() == 2));
    let ids: HashSet<&str> = contracts.column("external_id").collect();
    assert_eq!(ids.len(), 2_000);
    assert!(contracts.column("currency").all(|c| c == "EUR"));
    assert!(
        contracts
            .column("value")
            .all(|v| v.split_once('.').is_some_and(|(_, cents)| cents.len() == 2))
    );
}

#[test]
fn contracts_keep_the_rules_of_the_contract_import() {
    let [reasons, products, parties, contracts] = files(2_000, 6_000, 4);
    let reasons: HashSet<String> = Table::parse(&reasons)
        .column("code")
        .map(String::from)
        .collect();
    let products = Table::parse(&products);
    let insurance: HashSet<&str> = products
        .rows
        .iter()
        .filter(|r| products.get(r, "category") == "insurance")
        .map(|r| products.get(r, "sku"))
        .collect();
    let skus: HashSet<&str> = products.column("sku").collect();
    let parties = Table::parse(&parties);
    let party_ids: HashSet<&str> = parties.column("external_id").collect();
    let t = Table::parse(&contracts);
    let horizon = bench_as_of().and_hms_opt(0, 0, 0).expect("midnight");
    let first_day = bench_as_of()
        .checked_sub_months(Months::new(36))
        .expect("three years back");
    let opt = |text: &str| (!text.is_empty()).then(|| stamp(text));
    for row in &t.rows {
        let get = |column: &str| t.get(row, column);
        let id = get("external_id");
        assert!(party_ids.contains(get("party_external_id")), "{id}");
        assert!(skus.contains(get("sku")), "{id}");
        let signed = stamp(get("signed_at"));
        assert!(signed.date() >= first_day && signed < horizon, "{id}");
        let deadline = stamp(get("withdrawal_deadline"));
        let cooling = if insurance.contains(get("sku")) {
            30
        } else {
            14
        };
        assert_eq!(
            deadline.date(),
            signed.date() + TimeDelta::days(cooling),
            "{id}"
        );
        let delivered = opt(get("delivered_at"));
        let cancelled = opt(get("cancelled_at"));
        for (column, at) in [
            ("delivery_due_at", opt(get("delivery_due_at"))),
            ("delivered_at", delivered),
            ("ends_at", opt(get("ends_at"))),
            ("cancelled_at", cancelled),
        ] {
            assert!(
                at.is_none_or(|at| at >= signed),
                "{id}: {column} before signed_at"
            );
        }
        assert!(
            delivered.is_none_or(|d| d < horizon),
            "{id}: delivered later"
        );
        assert!(
            cancelled.is_none_or(|c| c < horizon),
            "{id}: cancelled later"
        );
        let status = get("status");
        let reason = get("cancellation_reason");
        match status {
            "cancelled" | "withdrawn" => {
                assert!(cancelled.is_some() && reasons.contains(reason), "{id}");
            }
            _ => assert!(cancelled.is_none() && reason.is_empty(), "{id}"),
        }
        assert!(
            !reason.is_empty() || get("cancellation_note").is_empty(),
            "{id}: a note without a reason"
        );
        match status {
            "withdrawn" => assert!(cancelled <= Some(deadline), "{id}: withdrawn late"),
            "cancelled" => assert!(
                delivered.is_some() && cancelled > delivered && cancelled > Some(deadline),
                "{id}: cancelled before delivery or in the cooling-off period"
            ),
            "expired" => assert!(opt(get("ends_at")).is_some_and(|e| e < horizon), "{id}"),
            "active" | "renewed" => {
                assert!(delivered.is_some(), "{id}");
                assert!(opt(get("ends_at")).is_some_and(|e| e >= horizon), "{id}");
            }
            "signed" => assert!(
                delivered.is_none() || deadline >= horizon,
                "{id}: signed but delivered and past the cooling-off period"
            ),
            other => panic!("{id}: unknown status {other}"),
        }
    }
}

#[test]
fn statuses_and_reasons_are_as_planted() {
    let [_, _, _, contracts] = files(10_000, 40_000, 5);
    let t = Table::parse(&contracts);
    let total = t.rows.len() as f64;
    let mut statuses: HashMap<&str, f64> = HashMap::new();
    for status in t.column("status") {
        *statuses.entry(status).or_default() += 100.0 / total;
    }
    let share = |status: &str| statuses.get(status).copied().unwrap_or(0.0);
    let close = |status: &str, got: f64, want: f64, tol: f64| {
        assert!(
            (got - want).abs() < tol,
            "{status}: {got:.1}% instead of {want}%"
        )
    };
    close(
        "active or signed",
        share("active") + share("signed"),
        65.0,
        1.5,
    );
    close("renewed", share("renewed"), 8.0, 0.8);
    close("expired", share("expired"), 5.0, 0.7);
    close("cancelled", share("cancelled"), 18.0, 1.0);
    close("withdrawn", share("withdrawn"), 4.0, 0.5);
    assert!(
        (0.3..3.0).contains(&share("signed")),
        "signed: {:.1}%",
        share("signed")
    );

    // Shares of each reason among the contracts of `status`, largest first.
    let ranked = |status: &str| {
        let mut counts: HashMap<&str, f64> = HashMap::new();
        let rows: Vec<_> = t
            .rows
            .iter()
            .filter(|r| t.get(r, "status") == status)
            .collect();
        for row in &rows {
            *counts.entry(t.get(row, "cancellation_reason")).or_default() +=
                100.0 / rows.len() as f64;
        }
        let mut ranked: Vec<(&str, f64)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    };
    let cancelled = ranked("cancelled");
    assert_eq!(cancelled[0].0, "price_too_high");
    close("top cancellation reason", cancelled[0].1, 31.3, 2.5);
    let top_three: f64 = cancelled.iter().take(3).map(|r| r.1).sum();
    assert!(top_three > 55.0, "the top three make {top_three:.1}%");
    assert!(cancelled.iter().all(|r| r.0 != "changed_mind"));
    let withdrawn = ranked("withdrawn");
    assert_eq!(withdrawn[0].0, "changed_mind");
    close("top withdrawal reason", withdrawn[0].1, 31.6, 4.0);
}

#[test]
fn edge_cases() {
    let [_, _, parties, contracts] = files(0, 0, 1);
    assert_eq!(parties.lines().count(), 1);
    assert_eq!(contracts.lines().count(), 1);
    let mut out = Vec::new();
    assert!(write_bench_contracts(&mut out, 5, 0, 1).is_err());
    let [_, _, _, one] = files(1, 3, 1);
    assert!(one.lines().skip(1).all(|l| l.contains(",C0000001,")));
    assert_eq!(date("2026-11-01"), bench_as_of());
}
