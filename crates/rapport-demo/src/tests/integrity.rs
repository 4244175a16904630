//! Referential integrity: every id, SKU, reason code and e-mail a file mentions exists.

use std::collections::{HashMap, HashSet};

use super::{Table, large, small, table};
use crate::DemoCompany;

fn ids(table: &Table, column: &str) -> HashSet<String> {
    table.column(column).map(str::to_string).collect()
}

fn assert_unique(table: &Table, column: &str, what: &str) {
    let set = ids(table, column);
    assert_eq!(set.len(), table.rows.len(), "{what}: duplicate {column}");
}

fn check(company: &DemoCompany) {
    let users: HashSet<&str> = company.users.iter().map(|u| u.email.as_str()).collect();
    let parties = table(company, "parties");
    let products = table(company, "products");
    let reasons = table(company, "cancellation-reasons");
    let party_ids = ids(&parties, "external_id");
    let skus = ids(&products, "sku");
    let codes = ids(&reasons, "code");
    assert_unique(&parties, "external_id", "parties");
    assert_unique(&products, "sku", "products");
    assert_unique(&reasons, "code", "reasons");

    // Parties: owners are users; referrers come earlier in the file.
    let mut seen = HashSet::new();
    let kinds: HashMap<&str, &str> = parties
        .column("external_id")
        .zip(parties.column("kind"))
        .collect();
    for row in &parties.rows {
        assert!(users.contains(parties.get(row, "owner_email")), "{row:?}");
        let referrer = parties.get(row, "referred_by");
        assert!(
            referrer.is_empty() || seen.contains(referrer),
            "{row:?} refers to a later party"
        );
        seen.insert(parties.get(row, "external_id"));
    }

    let contacts = table(company, "contacts");
    assert_unique(&contacts, "external_id", "contacts");
    for row in &contacts.rows {
        let org = contacts.get(row, "organization_external_id");
        assert_eq!(kinds.get(org), Some(&"organization"), "{row:?}");
        assert!(users.contains(contacts.get(row, "owner_email")));
    }

    let orders = table(company, "orders");
    let mut lines = HashSet::new();
    for row in &orders.rows {
        assert!(
            party_ids.contains(orders.get(row, "customer_id")),
            "{row:?}"
        );
        assert!(skus.contains(orders.get(row, "sku")), "{row:?}");
        assert!(
            lines.insert((orders.get(row, "order_id"), orders.get(row, "line"))),
            "{row:?} repeats a line"
        );
    }
    // Lines are numbered 1, 2, ... within each order, and an order's lines are together.
    let mut previous: Option<(&str, u32)> = None;
    for row in &orders.rows {
        let id = orders.get(row, "order_id");
        let line: u32 = orders.get(row, "line").parse().expect("a number");
        match previous {
            Some((prev, n)) if prev == id => assert_eq!(line, n + 1, "{row:?}"),
            _ => assert_eq!(line, 1, "{row:?}"),
        }
        previous = Some((id, line));
    }

    let contracts = table(company, "contracts");
    assert_unique(&contracts, "external_id", "contracts");
    for row in &contracts.rows {
        assert!(party_ids.contains(contracts.get(row, "party_external_id")));
        assert!(skus.contains(contracts.get(row, "sku")));
        let reason = contracts.get(row, "cancellation_reason");
        assert!(reason.is_empty() || codes.contains(reason), "{row:?}");
    }

    for (kind, user_column) in [
        ("interactions", Some("user_email")),
        ("surveys", None),
        ("cases", None),
        ("tasks", Some("assignee_email")),
    ] {
        let file = table(company, kind);
        assert_unique(&file, "external_id", kind);
        for row in &file.rows {
            assert!(
                party_ids.contains(file.get(row, "party_external_id")),
                "{kind}: {row:?}"
            );
            if let Some(column) = user_column {
                assert!(users.contains(file.get(row, column)), "{kind}: {row:?}");
            }
        }
    }
}

#[test]
fn every_reference_resolves_in_the_small_company() {
    check(small());
}

#[test]
fn every_reference_resolves_in_the_large_company() {
    check(large());
}

#[test]
fn relationship_managers_own_the_customers_and_agents_log_most_contact() {
    let company = large();
    let role: HashMap<&str, &str> = company
        .users
        .iter()
        .map(|u| (u.email.as_str(), u.role))
        .collect();
    let parties = table(company, "parties");
    assert!(
        parties
            .column("owner_email")
            .all(|e| role[e] == "relationship_manager")
    );
    let interactions = table(company, "interactions");
    let by_agents = interactions
        .column("user_email")
        .filter(|e| role[e] == "agent")
        .count();
    assert!(
        by_agents * 2 > interactions.rows.len(),
        "{by_agents} of {}",
        interactions.rows.len()
    );
}

#[test]
fn about_five_percent_of_customers_were_referred() {
    let parties = table(large(), "parties");
    let referred = parties
        .column("referred_by")
        .filter(|r| !r.is_empty())
        .count();
    assert!((150..=350).contains(&referred), "{referred} referred");
    for row in &parties.rows {
        if !parties.get(row, "referred_by").is_empty() {
            assert_eq!(parties.get(row, "acquisition_channel"), "referral");
        }
    }
}
