//! The company's shape: determinism, files and headers, row counts, users, scaling.

use super::{Table, config, large, parse_csv, small, table};
use crate::generate;

const HEADERS: [(&str, &str); 10] = [
    ("products", "sku,name,category,list_price,currency"),
    ("cancellation-reasons", "code,label,category,remedy"),
    (
        "parties",
        "external_id,kind,name,first_name,last_name,roles,owner_email,lifecycle,acquisition_channel,acquired_on,segment,industry,country,city,email,phone,tags,attributes,referred_by",
    ),
    (
        "contacts",
        "external_id,first_name,last_name,email,phone,organization_external_id,job_title,roles,owner_email,lifecycle,country,city,tags",
    ),
    (
        "orders",
        "order_id,line,customer_id,ordered_at,sku,quantity,amount,currency,channel",
    ),
    (
        "interactions",
        "external_id,party_external_id,user_email,channel,direction,occurred_at,subject,notes,sentiment,outcome",
    ),
    (
        "contracts",
        "external_id,party_external_id,sku,value,currency,signed_at,withdrawal_deadline,delivery_due_at,delivered_at,ends_at,status,cancelled_at,cancellation_reason,cancellation_note",
    ),
    (
        "surveys",
        "external_id,party_external_id,kind,score,comment,answered_at",
    ),
    (
        "cases",
        "external_id,party_external_id,opened_at,closed_at,severity,category,status,subject",
    ),
    (
        "tasks",
        "external_id,party_external_id,assignee_email,title,due_on,status,origin",
    ),
];

#[test]
fn the_same_config_gives_byte_identical_files() {
    assert_eq!(generate(&config(200, 7)), *small());
}

#[test]
fn different_seeds_give_different_files() {
    let other = generate(&config(200, 8));
    for (a, b) in small().files.iter().zip(&other.files).skip(2) {
        assert_ne!(a.csv, b.csv, "{} did not change with the seed", a.kind);
    }
}

#[test]
fn files_come_in_import_order_with_the_documented_headers() {
    for company in [small(), large()] {
        let kinds: Vec<_> = company.files.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, HEADERS.map(|h| h.0));
        for (file, (_, header)) in company.files.iter().zip(HEADERS) {
            assert_eq!(file.csv.lines().next(), Some(header), "{}", file.kind);
        }
    }
}

#[test]
fn every_file_is_well_formed_with_a_field_for_every_column() {
    for company in [small(), large()] {
        for file in &company.files {
            let records = parse_csv(&file.csv).unwrap_or_else(|e| panic!("{}: {e}", file.kind));
            assert_eq!(records.len(), file.rows + 1, "{}: rows", file.kind);
            let width = records[0].len();
            for (n, record) in records.iter().enumerate() {
                assert_eq!(record.len(), width, "{} record {n}: {record:?}", file.kind);
            }
            assert!(file.rows > 0, "{} is empty", file.kind);
        }
    }
}

#[test]
fn users_are_the_ten_of_the_brief() {
    let users = &small().users;
    let roles: Vec<_> = users.iter().map(|u| u.role).collect();
    for role in [
        "admin",
        "manager",
        "agent",
        "viewer",
        "relationship_manager",
    ] {
        let want = match role {
            "relationship_manager" => 4,
            "agent" => 3,
            _ => 1,
        };
        assert_eq!(roles.iter().filter(|r| **r == role).count(), want, "{role}");
    }
    for user in users {
        assert!(["en", "de", "fr", "el"].contains(&user.locale));
        let (local, domain) = user.email.split_once('@').expect("an @");
        assert!(!local.is_empty() && domain.contains('.') && domain.ends_with(".example"));
    }
    assert_eq!(small().org_name, "Northwind Relations GmbH");
}

#[test]
fn no_customers_still_gives_valid_files() {
    let company = generate(&config(0, 1));
    for file in &company.files {
        assert_eq!(parse_csv(&file.csv).expect("valid").len(), file.rows + 1);
    }
    let parties = table(&company, "parties");
    assert!(parties.column("roles").all(|r| !r.contains("customer")));
    assert_eq!(table(&company, "orders").rows.len(), 0);
}

fn count_roles(parties: &Table, role: &str) -> usize {
    parties
        .column("roles")
        .filter(|r| r.split(';').any(|x| x == role))
        .count()
}

#[test]
fn the_register_scales_with_the_customer_count() {
    for (company, n) in [(small(), 200), (large(), 5_000)] {
        let parties = table(company, "parties");
        let customers = count_roles(&parties, "customer");
        // The customers plus about 1% planted duplicates.
        assert!(
            customers >= n && customers <= n + n / 50 + 2,
            "{customers} customers for {n}"
        );
        assert_eq!(count_roles(&parties, "prospect"), n / 10);
        assert!(count_roles(&parties, "partner") >= 6);
        assert!(count_roles(&parties, "supplier") >= 4);
        let persons = parties.column("kind").filter(|k| *k == "person").count() as f64;
        let share = persons / (customers + n / 10) as f64;
        assert!((0.55..0.8).contains(&share), "person share {share}");
    }
}
