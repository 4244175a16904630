//! The patterns the demo plants for Rapport's analyses to find, measured on 5,000 customers:
//! buyer's remorse, Pareto cancellation reasons, channel value, health-driven satisfaction,
//! co-purchases, complaints, buy-till-you-die heterogeneity and duplicates.

use std::collections::{HashMap, HashSet};

use super::{Table, large, stamp, table};

#[test]
fn withdrawals_grow_with_the_wait_between_signing_and_delivery() {
    let contracts = table(large(), "contracts");
    let mut buckets = [(0usize, 0usize); 4];
    for row in &contracts.rows {
        let signed = stamp(contracts.get(row, "signed_at")).date();
        let due = stamp(contracts.get(row, "delivery_due_at")).date();
        let bucket = match (due - signed).num_days() {
            ..=7 => 0,
            8..=30 => 1,
            31..=90 => 2,
            _ => 3,
        };
        buckets[bucket].0 += 1;
        buckets[bucket].1 += usize::from(contracts.get(row, "status") == "withdrawn");
    }
    let rates: Vec<f64> = buckets.iter().map(|(n, w)| *w as f64 / *n as f64).collect();
    assert!(buckets.iter().all(|(n, _)| *n >= 100), "{buckets:?}");
    assert!(
        rates.windows(2).all(|w| w[1] > w[0]),
        "withdrawal rates {rates:?}"
    );
    assert!(
        rates[0] < 0.07 && rates[3] > 0.2,
        "withdrawal rates {rates:?}"
    );
}

#[test]
fn a_few_cancellation_reasons_dominate() {
    let company = large();
    let contracts = table(company, "contracts");
    let codes: Vec<&str> = table(company, "cancellation-reasons")
        .column("code")
        .map(|_| "")
        .collect();
    let reasons = table(company, "cancellation-reasons");
    let mut counts: HashMap<&str, usize> = reasons.column("code").map(|c| (c, 0)).collect();
    for row in &contracts.rows {
        if contracts.get(row, "status") == "cancelled" {
            *counts
                .get_mut(contracts.get(row, "cancellation_reason"))
                .expect("known reason") += 1;
        }
    }
    let mut sorted: Vec<usize> = counts.values().copied().collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let median = sorted[codes.len() / 2];
    assert!(sorted[0] >= 3 * median.max(1), "reason counts {sorted:?}");
    let top_three: usize = sorted[..3].iter().sum();
    assert!(
        top_three * 2 > sorted.iter().sum::<usize>(),
        "reason counts {sorted:?}"
    );
}

/// Orders and lifecycle by acquisition channel: (customers, orders, churned).
fn by_channel(parties: &Table, orders: &Table) -> HashMap<String, (usize, usize, usize)> {
    let mut order_count: HashMap<&str, HashSet<&str>> = HashMap::new();
    for row in &orders.rows {
        order_count
            .entry(orders.get(row, "customer_id"))
            .or_default()
            .insert(orders.get(row, "order_id"));
    }
    let mut out: HashMap<String, (usize, usize, usize)> = HashMap::new();
    for row in &parties.rows {
        if parties.get(row, "roles").contains("customer") {
            let entry = out
                .entry(parties.get(row, "acquisition_channel").to_string())
                .or_default();
            entry.0 += 1;
            entry.1 += order_count
                .get(parties.get(row, "external_id"))
                .map_or(0, HashSet::len);
            entry.2 += usize::from(parties.get(row, "lifecycle") == "churned");
        }
    }
    out
}

#[test]
fn referral_and_partner_customers_are_worth_more_than_social_and_paid_ones() {
    let company = large();
    let stats = by_channel(&table(company, "parties"), &table(company, "orders"));
    let frequency = |c: &str| stats[c].1 as f64 / stats[c].0 as f64;
    let churn = |c: &str| stats[c].2 as f64 / stats[c].0 as f64;
    for good in ["referral", "partner"] {
        for weak in ["social", "paid_search"] {
            assert!(
                frequency(good) > 1.3 * frequency(weak),
                "{good} vs {weak}: {stats:?}"
            );
            assert!(churn(good) < churn(weak), "{good} vs {weak}: {stats:?}");
        }
    }
}

#[test]
fn satisfaction_and_sentiment_follow_the_customers_fate() {
    let company = large();
    let parties = table(company, "parties");
    let lifecycle: HashMap<&str, &str> = parties
        .column("external_id")
        .zip(parties.column("lifecycle"))
        .collect();
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    let surveys = table(company, "surveys");
    let nps = |state: &str| -> Vec<f64> {
        surveys
            .rows
            .iter()
            .filter(|r| {
                surveys.get(r, "kind") == "nps"
                    && lifecycle[surveys.get(r, "party_external_id")] == state
            })
            .map(|r| surveys.get(r, "score").parse().expect("score"))
            .collect()
    };
    let (active, churned) = (nps("active"), nps("churned"));
    assert!(
        mean(&active) > mean(&churned) + 1.0,
        "NPS active {} churned {}",
        mean(&active),
        mean(&churned)
    );
    let promoters = active.iter().filter(|s| **s >= 9.0).count() as f64 / active.len() as f64;
    assert!(
        promoters > 0.3,
        "promoters among active customers: {promoters}"
    );
    let interactions = table(company, "interactions");
    let sentiment = |state: &str| -> Vec<f64> {
        interactions
            .rows
            .iter()
            .filter(|r| lifecycle[interactions.get(r, "party_external_id")] == state)
            .map(|r| interactions.get(r, "sentiment").parse().expect("sentiment"))
            .collect()
    };
    assert!(mean(&sentiment("active")) > mean(&sentiment("churned")) + 0.2);
}

#[test]
fn baskets_carry_co_purchase_patterns() {
    let orders = table(large(), "orders");
    let mut baskets: HashMap<&str, HashSet<&str>> = HashMap::new();
    for row in &orders.rows {
        baskets
            .entry(orders.get(row, "order_id"))
            .or_default()
            .insert(orders.get(row, "sku"));
    }
    let n = baskets.len() as f64;
    let support = |skus: &[&str]| {
        baskets
            .values()
            .filter(|b| skus.iter().all(|s| b.contains(s)))
            .count() as f64
            / n
    };
    for (a, b) in [
        ("SKU-MOB-PHONE-S", "SKU-ACC-CASE"),
        ("SKU-INS-CAR", "SKU-SRV-ROADSIDE"),
    ] {
        let confidence = support(&[a, b]) / support(&[a]);
        let lift = confidence / support(&[b]);
        assert!(
            confidence > 0.4 && lift > 2.0,
            "{a} → {b}: confidence {confidence}, lift {lift}"
        );
    }
}

#[test]
fn about_eight_percent_complain_and_histories_are_heterogeneous() {
    let company = large();
    let cases = table(company, "cases");
    let complainers: HashSet<&str> = cases.column("party_external_id").collect();
    let share = complainers.len() as f64 / 5_000.0;
    assert!((0.05..0.11).contains(&share), "complaint share {share}");
    let orders = table(company, "orders");
    let mut per_customer: HashMap<&str, HashSet<&str>> = HashMap::new();
    for row in &orders.rows {
        per_customer
            .entry(orders.get(row, "customer_id"))
            .or_default()
            .insert(orders.get(row, "order_id"));
    }
    let once = per_customer.values().filter(|o| o.len() == 1).count();
    let often = per_customer.values().filter(|o| o.len() >= 8).count();
    assert!(
        once > 1_000 && often > 100,
        "one-time buyers {once}, frequent buyers {often}"
    );
}

#[test]
fn duplicates_are_planted_for_detection_to_find() {
    let parties = table(large(), "parties");
    let mut by_email: HashMap<String, Vec<&str>> = HashMap::new();
    let mut by_phone: HashMap<String, Vec<&str>> = HashMap::new();
    let mut phone_texts: HashMap<String, HashSet<&str>> = HashMap::new();
    for row in &parties.rows {
        let id = parties.get(row, "external_id");
        let email = parties.get(row, "email");
        if !email.is_empty() {
            by_email.entry(email.to_lowercase()).or_default().push(id);
        }
        let digits: String = parties
            .get(row, "phone")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if digits.len() >= 9 {
            let tail = digits[digits.len() - 9..].to_string();
            by_phone.entry(tail.clone()).or_default().push(id);
            phone_texts
                .entry(tail)
                .or_default()
                .insert(parties.get(row, "phone"));
        }
    }
    let shared_email = by_email.values().filter(|ids| ids.len() > 1).count();
    let shared_phone = by_phone.values().filter(|ids| ids.len() > 1).count();
    let reformatted = phone_texts.values().filter(|texts| texts.len() > 1).count();
    assert!(
        (5..=40).contains(&shared_email),
        "{shared_email} shared e-mail addresses"
    );
    assert!(
        reformatted >= 5 && shared_phone <= 80,
        "{reformatted} reformatted of {shared_phone} shared phones"
    );
    assert!(
        parties
            .column("email")
            .any(|e| e.chars().any(|c| c.is_ascii_uppercase()))
    );
}
