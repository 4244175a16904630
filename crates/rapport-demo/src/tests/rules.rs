//! The field rules of `docs/csv-formats.md`: vocabularies, scales, money, and dates in order
//! and never after the as-of date.

use super::{Table, as_of, date, large, small, stamp, table};
use crate::DemoCompany;

fn assert_in(table: &Table, column: &str, allowed: &[&str]) {
    for value in table.column(column) {
        assert!(
            allowed.contains(&value),
            "{column}: '{value}' not in {allowed:?}"
        );
    }
}

fn is_money(text: &str) -> bool {
    let Some((units, cents)) = text.split_once('.') else {
        return false;
    };
    !units.is_empty()
        && units.bytes().all(|b| b.is_ascii_digit())
        && cents.len() == 2
        && cents.bytes().all(|b| b.is_ascii_digit())
}

fn check_vocabularies(company: &DemoCompany) {
    let parties = table(company, "parties");
    assert_in(&parties, "kind", &["organization", "person"]);
    assert_in(
        &parties,
        "lifecycle",
        &["lead", "prospect", "active", "inactive", "churned"],
    );
    assert_in(&parties, "country", &["DE", "AT", "CH", "FR", "GR", "GB"]);
    for roles in parties.column("roles") {
        assert!(
            roles
                .split(';')
                .all(|r| ["customer", "prospect", "partner", "supplier"].contains(&r)),
            "{roles}"
        );
    }
    for row in &parties.rows {
        let attributes = parties.get(row, "attributes");
        assert!(
            attributes.starts_with('{') && attributes.ends_with('}'),
            "{attributes}"
        );
        let person = parties.get(row, "kind") == "person";
        assert!(!parties.get(row, "name").is_empty());
        assert_eq!(
            person,
            !parties.get(row, "first_name").is_empty(),
            "{row:?}"
        );
        let email = parties.get(row, "email");
        assert!(
            email.is_empty()
                || email
                    .split_once('@')
                    .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        );
        let phone = parties.get(row, "phone");
        assert!(
            phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-./()".contains(c)),
            "{phone}"
        );
    }
    let reasons = table(company, "cancellation-reasons");
    assert_in(
        &reasons,
        "category",
        &[
            "price",
            "service",
            "product",
            "competitor",
            "upgrade_wish",
            "relocation",
            "payment",
            "other",
        ],
    );
    let interactions = table(company, "interactions");
    assert_in(
        &interactions,
        "channel",
        &[
            "call", "email", "meeting", "visit", "chat", "letter", "other",
        ],
    );
    assert_in(&interactions, "direction", &["inbound", "outbound"]);
    assert_in(&interactions, "sentiment", &["-2", "-1", "0", "1", "2"]);
    assert_in(
        &table(company, "contracts"),
        "status",
        &[
            "signed",
            "withdrawn",
            "active",
            "renewed",
            "cancelled",
            "expired",
        ],
    );
    let cases = table(company, "cases");
    assert_in(&cases, "severity", &["low", "medium", "high", "critical"]);
    assert_in(
        &cases,
        "status",
        &["open", "in_progress", "resolved", "closed"],
    );
    assert_in(
        &cases,
        "category",
        &["billing", "delivery", "quality", "service"],
    );
    assert_in(
        &table(company, "tasks"),
        "status",
        &["open", "done", "cancelled"],
    );
    assert_in(
        &table(company, "orders"),
        "channel",
        &["web", "shop", "phone", "partner"],
    );
}

#[test]
fn values_come_from_their_vocabularies() {
    check_vocabularies(small());
    check_vocabularies(large());
}

#[test]
fn survey_scores_stay_inside_their_scales() {
    let surveys = table(large(), "surveys");
    for row in &surveys.rows {
        let score: i64 = surveys.get(row, "score").parse().expect("a whole number");
        let scale = match surveys.get(row, "kind") {
            "nps" => 0..=10,
            "csat" => 1..=5,
            "ces" => 1..=7,
            other => panic!("unknown survey kind {other}"),
        };
        assert!(scale.contains(&score), "{row:?}");
    }
    let nps = surveys.column("kind").filter(|k| *k == "nps").count();
    assert!(
        nps * 2 > surveys.rows.len(),
        "NPS should be most of the answers"
    );
}

#[test]
fn money_has_two_decimals_and_order_amounts_match_list_prices() {
    let company = large();
    let products = table(company, "products");
    let price: std::collections::HashMap<&str, f64> = products
        .column("sku")
        .zip(
            products
                .column("list_price")
                .map(|p| p.parse().expect("price")),
        )
        .collect();
    let orders = table(company, "orders");
    let mut discounted = 0;
    for row in &orders.rows {
        let amount = orders.get(row, "amount");
        assert!(is_money(amount), "{amount}");
        let quantity: f64 = orders.get(row, "quantity").parse().expect("quantity");
        assert!(quantity >= 1.0);
        let gross = quantity * price[orders.get(row, "sku")];
        let amount: f64 = amount.parse().expect("amount");
        assert!(amount <= gross + 0.001 && amount >= gross * 0.79, "{row:?}");
        discounted += usize::from(amount < gross - 0.001);
        assert_eq!(orders.get(row, "currency"), "EUR");
    }
    assert!(
        discounted > 0 && discounted * 4 < orders.rows.len(),
        "{discounted} discounted lines"
    );
    assert!(table(company, "contracts").column("value").all(is_money));
    assert!(products.column("list_price").all(is_money));
}

fn check_contract_dates(company: &DemoCompany) {
    let contracts = table(company, "contracts");
    let horizon = as_of().and_hms_opt(0, 0, 0).expect("midnight");
    for row in &contracts.rows {
        let at = |column| {
            Some(contracts.get(row, column))
                .filter(|s| !s.is_empty())
                .map(super::stamp)
        };
        let signed = at("signed_at").expect("signed_at");
        let deadline = at("withdrawal_deadline").expect("withdrawal_deadline");
        let due = at("delivery_due_at").expect("delivery_due_at");
        assert!(
            signed < horizon && deadline >= signed && due >= signed,
            "{row:?}"
        );
        for column in ["delivered_at", "cancelled_at", "ends_at"] {
            assert!(
                at(column).is_none_or(|t| t >= signed),
                "{column} before signing: {row:?}"
            );
        }
        for column in ["delivered_at", "cancelled_at"] {
            assert!(
                at(column).is_none_or(|t| t < horizon),
                "{column} after as-of: {row:?}"
            );
        }
        let status = contracts.get(row, "status");
        let reason = contracts.get(row, "cancellation_reason");
        match status {
            "withdrawn" => {
                let cancelled = at("cancelled_at").expect("withdrawn needs cancelled_at");
                assert!(
                    cancelled <= deadline,
                    "withdrawn after the deadline: {row:?}"
                );
                assert!(!reason.is_empty());
            }
            "cancelled" => {
                assert!(
                    at("cancelled_at").is_some() && !reason.is_empty(),
                    "{row:?}"
                );
                assert!(at("delivered_at").is_some(), "{row:?}");
            }
            "signed" => assert!(
                at("delivered_at").is_none() && at("cancelled_at").is_none(),
                "{row:?}"
            ),
            _ => {
                assert!(
                    at("delivered_at").is_some() && at("ends_at").is_some(),
                    "{row:?}"
                );
                assert!(at("cancelled_at").is_none() && reason.is_empty(), "{row:?}");
            }
        }
        let days = (deadline.date() - signed.date()).num_days();
        let wanted = if contracts.get(row, "sku") == "SKU-INS-LIFE" {
            30
        } else {
            14
        };
        assert_eq!(days, wanted, "{row:?}");
    }
}

#[test]
fn contract_dates_are_in_order() {
    check_contract_dates(small());
    check_contract_dates(large());
}

#[test]
fn cases_close_after_they_open() {
    let cases = table(large(), "cases");
    for row in &cases.rows {
        let opened = stamp(cases.get(row, "opened_at"));
        let closed = cases.get(row, "closed_at");
        match cases.get(row, "status") {
            "resolved" | "closed" => assert!(stamp(closed) >= opened, "{row:?}"),
            _ => assert!(closed.is_empty(), "{row:?}"),
        }
    }
}

#[test]
fn nothing_happens_on_or_after_the_as_of_date() {
    let company = large();
    let horizon = as_of().and_hms_opt(0, 0, 0).expect("midnight");
    for (kind, column) in [
        ("orders", "ordered_at"),
        ("interactions", "occurred_at"),
        ("surveys", "answered_at"),
        ("cases", "opened_at"),
        ("cases", "closed_at"),
    ] {
        let file = table(company, kind);
        for value in file.column(column).filter(|v| !v.is_empty()) {
            assert!(stamp(value) < horizon, "{kind}.{column} = {value}");
        }
    }
    let parties = table(company, "parties");
    for value in parties.column("acquired_on").filter(|v| !v.is_empty()) {
        assert!(date(value) < as_of(), "acquired_on {value}");
        assert!(
            (as_of() - date(value)).num_days() <= 8 * 365 + 2,
            "acquired_on {value}"
        );
    }
    let tasks = table(company, "tasks");
    for row in &tasks.rows {
        if date(tasks.get(row, "due_on")) >= as_of() {
            assert_eq!(tasks.get(row, "status"), "open", "{row:?}");
        }
    }
}
