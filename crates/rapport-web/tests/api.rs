//! Black-box tests of the JSON API: the real server on 127.0.0.1:0 over a fresh database per
//! backend, spoken to over HTTP as each role would. Every test runs on SQLite and, when
//! `RAPPORT_TEST_POSTGRES_URL` is set, on PostgreSQL too.
//!
//! One test binary; the spec is split by concept under `api/` (health, parties, lists,
//! touchpoints, orders, bad input, bulk, tokens, audit, users, regressions), with the shared
//! helpers here. A refused request is checked with [`refused`]: the status, a problem document naming
//! the field, and every count unchanged.

mod support;

use rapport_domain::UserRole::{self, Admin, Agent, Manager, RelationshipManager, Viewer};
use rapport_web::Settings;
use reqwest::Method;
use serde_json::{Value, json};
use support::{OTHER_PARTY, RM_PARTY, Reply, Server, call, email, servers, servers_with};

#[path = "api/audit.rs"]
mod audit;
#[path = "api/bad_input.rs"]
mod bad_input;
#[path = "api/bulk.rs"]
mod bulk;
#[path = "api/health.rs"]
mod health;
#[path = "api/insights.rs"]
mod insights;
#[path = "api/lists.rs"]
mod lists;
#[path = "api/orders.rs"]
mod orders;
#[path = "api/parties.rs"]
mod parties;
#[path = "api/regressions.rs"]
mod regressions;
#[path = "api/retention.rs"]
mod retention;
#[path = "api/scores.rs"]
mod scores;
#[path = "api/tokens.rs"]
mod tokens;
#[path = "api/touchpoints.rs"]
mod touchpoints;
#[path = "api/users.rs"]
mod users;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Asserts a problem document: the status, `application/problem+json`, the status repeated in
/// the body, and (when given) an entry of `errors` naming `field`.
#[track_caller]
fn assert_problem(r: &Reply, status: u16, field: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        "application/problem+json",
        "{}",
        r.text
    );
    assert_eq!(r.body["status"], json!(status), "{}", r.text);
    assert!(
        r.body["title"].is_string() && r.body["detail"].is_string(),
        "{}",
        r.text
    );
    if let Some(field) = field {
        assert!(
            fields_named(r).contains(&field.to_string()),
            "expected an error naming {field}: {}",
            r.text
        );
    }
}

/// The fields the `errors` of a problem document name.
fn fields_named(r: &Reply) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Every record of a list, following the cursor `limit` at a time.
async fn all_pages(s: &Server, path: &str, limit: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1_000 {
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = call(s.get(&url, Viewer)).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let items = r.body["items"].as_array().expect("items").clone();
        assert!(items.len() <= limit, "{url}: {} items", items.len());
        out.extend(items);
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("{path}: the cursor never ends");
}

/// The external ids (or other key field) of records.
fn keys(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .map(|i| i[field].as_str().unwrap_or_default().to_string())
        .collect()
}

/// How many records each kind holds, and how long the audit log is: what a refused request
/// must leave as it was.
async fn counts(s: &Server) -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    for path in [
        "/api/v1/parties",
        "/api/v1/contacts",
        "/api/v1/interactions",
        "/api/v1/surveys",
        "/api/v1/cases",
        "/api/v1/tasks",
        "/api/v1/products",
        "/api/v1/orders",
    ] {
        out.push((path, all_pages(s, path, 200).await.len()));
    }
    let audit = call(s.get("/api/v1/audit?limit=1000", Admin)).await;
    let n = audit.body["items"].as_array().map_or(0, Vec::len);
    out.push(("/api/v1/audit", n));
    out
}

/// Sends a request that must be refused with `status` (naming `field`, if given) and change
/// nothing.
#[track_caller]
fn refused<'a>(
    s: &'a Server,
    req: reqwest::RequestBuilder,
    status: u16,
    field: Option<&'a str>,
) -> impl std::future::Future<Output = Reply> + 'a {
    let caller = std::panic::Location::caller();
    async move {
        let before = counts(s).await;
        let r = call(req).await;
        assert!(r.status < 500, "{caller}: a server error: {}", r.text);
        assert_problem(&r, status, field);
        assert_eq!(counts(s).await, before, "{caller}: something was written");
        r
    }
}

/// An interaction on `party` at `at`.
fn interaction(party: &str, at: &str, subject: &str) -> Value {
    json!({
        "party_external_id": party,
        "channel": "call",
        "direction": "outbound",
        "occurred_at": at,
        "subject": subject,
        "sentiment": 1,
    })
}

fn survey(party: &str, kind: &str, score: i64) -> Value {
    json!({
        "party_external_id": party,
        "kind": kind,
        "score": score,
        "comment": "fine",
        "answered_at": "2026-03-02T09:00:00Z",
    })
}

fn case(party: &str) -> Value {
    json!({
        "party_external_id": party,
        "opened_at": "2026-03-03T08:00:00Z",
        "severity": "high",
        "subject": "Invoice is wrong",
    })
}

/// Creates a record as `role` and returns it.
async fn create(s: &Server, path: &str, role: UserRole, body: Value) -> Value {
    let r = call(s.post(path, role, body)).await;
    assert_eq!(r.status, 201, "POST {path}: {}", r.text);
    r.body
}

/// Creates parties through the bulk endpoint as the manager.
async fn seed_parties(s: &Server, items: Value) {
    let r = call(s.post("/api/v1/parties/bulk", Manager, json!({ "items": items }))).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Sends `request` as it is over a new connection and returns the response as text.
async fn raw_http(s: &Server, request: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let address = s.url.trim_start_matches("http://").to_string();
    tokio::task::spawn_blocking(move || {
        let mut conn = std::net::TcpStream::connect(address).expect("connect");
        conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        // The server may answer before it has read everything.
        let _ = conn.write_all(&request);
        let mut out = Vec::new();
        let _ = conn.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .expect("raw request")
}
