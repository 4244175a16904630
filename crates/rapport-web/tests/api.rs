//! Black-box tests of the JSON API: the real server on 127.0.0.1:0 over a fresh database per
//! backend, spoken to over HTTP as each role would. Every test runs on SQLite and, when
//! `RAPPORT_TEST_POSTGRES_URL` is set, on PostgreSQL too.

mod support;

use rapport_domain::UserRole::{self, Admin, Agent, Manager, RelationshipManager, Viewer};
use rapport_web::Settings;
use reqwest::Method;
use serde_json::{Value, json};
use support::{OTHER_PARTY, RM_PARTY, Reply, Server, call, email, servers, servers_with};

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

// ---------------------------------------------------------------------------------------------
// 1. Health, metrics, request ids and security headers

#[tokio::test]
async fn liveness_and_readiness_answer_200() {
    for s in servers().await {
        for path in ["/healthz", "/readyz"] {
            let r = call(s.req(Method::GET, path, None)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_show_the_pool() {
    for s in servers().await {
        let r = call(s.get(&format!("/api/v1/parties/{RM_PARTY}"), Viewer)).await;
        assert_eq!(r.status, 200);
        let r = call(s.get("/api/v1/parties/NO-SUCH-PARTY", Viewer)).await;
        assert_eq!(r.status, 404);
        let r = call(s.get("/api/v1/no/such/route/42", Viewer)).await;
        assert_eq!(r.status, 404);

        let m = call(s.req(Method::GET, "/metrics", None)).await;
        assert_eq!(m.status, 200);
        assert!(m.header("content-type").starts_with("text/plain"));
        let route = r#"route="/api/v1/parties/{key}",method="GET""#;
        for line in [
            format!(r#"rapport_http_requests_total{{{route},status="200"}} 1"#),
            format!(r#"rapport_http_requests_total{{{route},status="404"}} 1"#),
            format!(r#"rapport_http_request_duration_seconds_count{{{route}}} 2"#),
        ] {
            assert!(m.text.contains(&line), "no `{line}` in\n{}", m.text);
        }
        // Labels are route patterns, never raw paths with ids in them.
        assert!(
            !m.text.contains("P-RM") && !m.text.contains("/42"),
            "{}",
            m.text
        );
        assert!(m.text.contains(r#"route="(unmatched)""#), "{}", m.text);
        for state in ["idle", "in_use"] {
            let gauge = format!(r#"rapport_db_pool_connections{{state="{state}"}} "#);
            assert!(m.text.contains(&gauge), "no {gauge} in\n{}", m.text);
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_the_security_headers() {
    for s in servers().await {
        let replies = [
            call(s.req(Method::GET, "/healthz", None)).await,
            call(s.req(Method::GET, "/metrics", None)).await,
            call(s.get("/api/v1/parties", Viewer)).await,
            call(s.get("/api/v1/parties/NOPE", Viewer)).await,
            call(s.req(Method::GET, "/api/v1/me", None)).await,
            call(s.post("/api/v1/parties", Viewer, json!({"name": "x"}))).await,
            call(s.post("/api/v1/parties", Manager, json!({"name": 1}))).await,
        ];
        for r in &replies {
            assert!(!r.header("x-request-id").is_empty(), "{}", r.text);
            let csp = r.header("content-security-policy");
            let script_src = csp
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with("script-src"))
                .unwrap_or_else(|| panic!("no script-src in {csp:?}"));
            assert!(!script_src.contains("'unsafe-inline'"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert_eq!(r.header("x-content-type-options"), "nosniff");
            assert_eq!(r.header("x-frame-options"), "DENY");
            assert!(!r.header("referrer-policy").is_empty());
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn a_sane_request_id_is_echoed_and_any_other_replaced() {
    for s in servers().await {
        let with_id = |id: &str| {
            s.req(Method::GET, "/healthz", None)
                .header("x-request-id", id)
        };
        let sane = "req-42_retry.1";
        assert_eq!(call(with_id(sane)).await.header("x-request-id"), sane);
        for insane in ["two words", "<script>", &"x".repeat(65), "a\"b"] {
            let got = call(with_id(insane)).await;
            let got = got.header("x-request-id");
            assert!(
                !got.is_empty() && got != insane,
                "{insane:?} came back as {got:?}"
            );
        }
        let a = call(s.req(Method::GET, "/healthz", None)).await;
        let b = call(s.req(Method::GET, "/healthz", None)).await;
        assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Parties: create, read, change, delete

#[tokio::test]
async fn a_party_is_created_read_changed_and_deleted() {
    for s in servers().await {
        let r = call(s.post(
            "/api/v1/parties",
            Manager,
            json!({
                "external_id": "P-NEW",
                "name": "Neue Kunden GmbH",
                "kind": "organization",
                "roles": ["customer", "partner"],
                "lifecycle": "prospect",
                "email": "info@neue.example",
                "country": "DE",
                "tags": ["b2b", "vip"],
                "attributes": {"source": "fair"},
            }),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("location"), "/api/v1/parties/P-NEW");
        assert!(r.header("content-type").starts_with("application/json"));
        let created = r.body;
        let id = created["id"].as_str().expect("id").to_string();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert_eq!(created["external_id"], "P-NEW");
        assert_eq!(created["name"], "Neue Kunden GmbH");
        assert_eq!(created["lifecycle"], "prospect");
        assert_eq!(created["email"], "info@neue.example");
        assert_eq!(created["tags"], json!(["b2b", "vip"]));
        assert_eq!(created["attributes"], json!({"source": "fair"}));
        assert!(created["created_at"].is_string());

        for key in ["P-NEW", id.as_str()] {
            let got = call(s.get(&format!("/api/v1/parties/{key}"), Viewer)).await;
            assert_eq!(got.status, 200, "{key}: {}", got.text);
            assert_eq!(got.body, created, "{key}");
        }

        // A change touches only the fields it gives.
        let r = call(s.patch(
            "/api/v1/parties/P-NEW",
            Manager,
            json!({"city": "Berlin", "lifecycle": "active"}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mut expected = created.clone();
        expected["city"] = json!("Berlin");
        expected["lifecycle"] = json!("active");
        expected["updated_at"] = r.body["updated_at"].clone();
        assert_eq!(r.body, expected);
        let got = call(s.get("/api/v1/parties/P-NEW", Viewer)).await;
        assert_eq!(got.body, expected);

        // null clears a field; the key cannot change.
        let r = call(s.patch("/api/v1/parties/P-NEW", Manager, json!({"email": null}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["email"], Value::Null);
        assert_eq!(r.body["city"], "Berlin");
        let r = refused(
            &s,
            s.patch(
                "/api/v1/parties/P-NEW",
                Manager,
                json!({"external_id": "P-OTHER-KEY"}),
            ),
            422,
            Some("external_id"),
        )
        .await;
        assert!(r.body["errors"][0].get("index").is_none(), "{}", r.text);
        let r = call(s.patch("/api/v1/parties/NO-SUCH", Manager, json!({"city": "X"}))).await;
        assert_problem(&r, 404, None);

        let r = call(s.delete("/api/v1/parties/P-NEW", Manager)).await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert!(r.text.is_empty());
        for key in ["P-NEW", id.as_str()] {
            let r = call(s.get(&format!("/api/v1/parties/{key}"), Viewer)).await;
            assert_problem(&r, 404, None);
        }
        let r = call(s.delete("/api/v1/parties/P-NEW", Manager)).await;
        assert_problem(&r, 404, None);
        s.stop().await;
    }
}

#[tokio::test]
async fn a_party_created_without_an_external_id_gets_one() {
    for s in servers().await {
        let a = call(s.post(
            "/api/v1/parties",
            Manager,
            json!({"name": "Ohne Nummer AG"}),
        ))
        .await;
        let b = call(s.post(
            "/api/v1/parties",
            Manager,
            json!({"name": "Ohne Nummer AG"}),
        ))
        .await;
        assert_eq!((a.status, b.status), (201, 201), "{} {}", a.text, b.text);
        let key = a.body["external_id"].as_str().expect("external_id");
        assert!(!key.is_empty());
        assert_ne!(
            a.body["external_id"], b.body["external_id"],
            "two calls, two records"
        );
        assert_eq!(a.header("location"), format!("/api/v1/parties/{key}"));
        let got = call(s.get(a.header("location"), Viewer)).await;
        assert_eq!(got.body, a.body);
        // Defaults of the import rules.
        assert_eq!(a.body["kind"], "organization");
        assert_eq!(a.body["roles"], json!(["customer"]));
        assert_eq!(a.body["lifecycle"], "active");
        s.stop().await;
    }
}

#[tokio::test]
async fn creating_a_party_with_an_existing_external_id_conflicts() {
    for s in servers().await {
        let before = call(s.get(&format!("/api/v1/parties/{RM_PARTY}"), Viewer)).await;
        refused(
            &s,
            s.post(
                "/api/v1/parties",
                Manager,
                json!({"external_id": RM_PARTY, "name": "Impostor"}),
            ),
            409,
            None,
        )
        .await;
        let after = call(s.get(&format!("/api/v1/parties/{RM_PARTY}"), Viewer)).await;
        assert_eq!(after.body, before.body);
        s.stop().await;
    }
}

#[tokio::test]
async fn relationship_managers_change_their_own_parties_only() {
    for s in servers().await {
        let r = call(s.patch(
            &format!("/api/v1/parties/{RM_PARTY}"),
            RelationshipManager,
            json!({"segment": "A"}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        refused(
            &s,
            s.patch(
                &format!("/api/v1/parties/{OTHER_PARTY}"),
                RelationshipManager,
                json!({"segment": "A"}),
            ),
            403,
            None,
        )
        .await;
        // Nor may they hand their party to someone else, or take one.
        refused(
            &s,
            s.patch(
                &format!("/api/v1/parties/{RM_PARTY}"),
                RelationshipManager,
                json!({"owner_email": email(Manager)}),
            ),
            403,
            None,
        )
        .await;
        refused(
            &s,
            s.delete(
                &format!("/api/v1/parties/{OTHER_PARTY}"),
                RelationshipManager,
            ),
            403,
            None,
        )
        .await;
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Lists: search, filters, sorting, cursors

/// Five more parties with distinct capitalized initials, so that every collation agrees on
/// their order.
async fn seed_list_parties(s: &Server) {
    seed_parties(
        s,
        json!([
            {"external_id": "L-1", "name": "Alpha Anlagen", "lifecycle": "active", "kind": "organization", "email": null},
            {"external_id": "L-2", "name": "Bravo Bau", "lifecycle": "churned", "kind": "organization", "email": null},
            {"external_id": "L-3", "name": "Charlie Chemie", "lifecycle": "churned", "kind": "organization", "email": null},
            {"external_id": "L-4", "name": "Delta Druck", "lifecycle": "lead", "kind": "person", "email": null},
            {"external_id": "L-5", "name": "Echo Energie", "lifecycle": "active", "kind": "organization",
             "email": "kontakt@echo.example"},
        ]),
    )
    .await;
}

#[tokio::test]
async fn q_searches_names_and_emails_case_insensitively_and_external_ids_exactly() {
    for s in servers().await {
        seed_list_parties(&s).await;
        let check = async |q: &str, expected: &[&str]| {
            let path = format!("/api/v1/parties?q={q}");
            let got = keys(&all_pages(&s, &path, 200).await, "external_id");
            assert_eq!(got, expected, "q={q}");
        };
        check("bRAVO", &["L-2"]).await;
        check("anlagen", &["L-1"]).await;
        check("ie", &["L-3", "L-5"]).await;
        check("ECHO.EXAMPLE", &["L-5"]).await;
        check("L-4", &["L-4"]).await;
        check("L-", &[]).await;
        check("%25", &[]).await; // a literal '%', not a wildcard
        check("_", &[]).await;
        check(
            "  ",
            &["L-1", "L-2", "L-3", "L-4", "L-5", OTHER_PARTY, RM_PARTY],
        )
        .await;
        s.stop().await;
    }
}

#[tokio::test]
async fn lists_filter_by_field_values_and_owners() {
    for s in servers().await {
        seed_list_parties(&s).await;
        let check = async |query: &str, expected: &[&str]| {
            let path = format!("/api/v1/parties?{query}");
            let got = keys(&all_pages(&s, &path, 200).await, "external_id");
            assert_eq!(got, expected, "{query}");
        };
        check("lifecycle=churned", &["L-2", "L-3"]).await;
        check("lifecycle=churned&q=bravo", &["L-2"]).await;
        check("kind=person", &["L-4"]).await;
        check(
            &format!("owner_email={}", email(RelationshipManager)),
            &[RM_PARTY],
        )
        .await;
        check(&format!("owner_email={}", email(Manager)), &[OTHER_PARTY]).await;
        check("owner_email=nobody@test.example", &[]).await;
        check("owner_email=not-an-email", &[]).await;

        // Touchpoints filter by party and author.
        create(
            &s,
            "/api/v1/interactions",
            Manager,
            interaction(RM_PARTY, "2026-01-01T10:00:00Z", "a"),
        )
        .await;
        create(
            &s,
            "/api/v1/interactions",
            Agent,
            interaction(OTHER_PARTY, "2026-01-02T10:00:00Z", "b"),
        )
        .await;
        let by_party = all_pages(
            &s,
            &format!("/api/v1/interactions?party_external_id={OTHER_PARTY}"),
            50,
        )
        .await;
        assert_eq!(keys(&by_party, "subject"), ["b"]);
        let by_user = all_pages(
            &s,
            &format!("/api/v1/interactions?user_email={}", email(Manager)),
            50,
        )
        .await;
        assert_eq!(keys(&by_user, "subject"), ["a"]);
        let since = all_pages(&s, "/api/v1/interactions?since=2026-01-02T00:00:00Z", 50).await;
        assert_eq!(keys(&since, "subject"), ["b"]);
        let until = all_pages(&s, "/api/v1/interactions?until=2026-01-02T00:00:00Z", 50).await;
        assert_eq!(keys(&until, "subject"), ["a"]);
        s.stop().await;
    }
}

#[tokio::test]
async fn lists_sort_by_a_field_either_way() {
    for s in servers().await {
        seed_list_parties(&s).await;
        let names = |items: Vec<Value>| keys(&items, "name");
        let up = names(all_pages(&s, "/api/v1/parties?sort=name", 200).await);
        let down = names(all_pages(&s, "/api/v1/parties?sort=-name", 200).await);
        let expected = [
            "Alpha Anlagen",
            "Bravo Bau",
            "Charlie Chemie",
            "Delta Druck",
            "Echo Energie",
            "Other Holdings AG",
            "Rapport Mine GmbH",
        ];
        assert_eq!(up, expected);
        let mut reversed = expected.to_vec();
        reversed.reverse();
        assert_eq!(down, reversed);
        s.stop().await;
    }
}

#[tokio::test]
async fn cursors_page_through_every_record_exactly_once_in_order() {
    for s in servers().await {
        seed_list_parties(&s).await;
        for (i, at) in [
            "2026-02-03T10:00:00Z",
            "2026-02-01T10:00:00Z",
            "2026-02-02T10:00:00.5Z",
            "2026-02-02T10:00:00Z",
            "2026-02-02T10:00:00Z",
        ]
        .iter()
        .enumerate()
        {
            create(
                &s,
                "/api/v1/interactions",
                Manager,
                interaction(RM_PARTY, at, &format!("i{i}")),
            )
            .await;
        }
        for path in [
            "/api/v1/parties",
            "/api/v1/parties?sort=-name",
            "/api/v1/parties?sort=created_at",
            "/api/v1/parties?sort=-updated_at",
            "/api/v1/parties?lifecycle=active",
            "/api/v1/interactions",
            "/api/v1/interactions?sort=-occurred_at",
            "/api/v1/interactions?sort=external_id",
        ] {
            let whole = all_pages(&s, path, 200).await;
            let paged = all_pages(&s, path, 2).await;
            assert_eq!(keys(&paged, "id"), keys(&whole, "id"), "{path}");
            let mut ids = keys(&paged, "id");
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), whole.len(), "{path}: a record twice");
        }
        let all = all_pages(&s, "/api/v1/parties", 2).await;
        assert_eq!(all.len(), 7);
        let times: Vec<chrono::DateTime<chrono::FixedOffset>> = keys(
            &all_pages(&s, "/api/v1/interactions", 2).await,
            "occurred_at",
        )
        .iter()
        .map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("a time"))
        .collect();
        assert!(times.is_sorted(), "{times:?}");
        assert_eq!(times.len(), 5);
        s.stop().await;
    }
}

#[tokio::test]
async fn bad_list_parameters_are_refused_by_name() {
    for s in servers().await {
        let first = call(s.get("/api/v1/parties?limit=1", Viewer)).await;
        let foreign_cursor = first.body["next_cursor"]
            .as_str()
            .expect("cursor")
            .to_string();
        let check = async |query: &str, param: &str| {
            let r = call(s.get(&format!("/api/v1/parties?{query}"), Viewer)).await;
            assert_problem(&r, 400, Some(param));
        };
        check("sort=shoe_size", "sort").await;
        check("sort=-email", "sort").await;
        check("sort=", "sort").await;
        check("cursor=garbage!", "cursor").await;
        check("cursor=WzEsMl0", "cursor").await; // [1,2]
        check(
            &format!("sort=created_at&cursor={foreign_cursor}"),
            "cursor",
        )
        .await;
        check("colour=blue", "colour").await;
        check("id=x", "id").await;
        check("tags=vip", "tags").await;
        check("limit=0", "limit").await;
        check("limit=1000", "limit").await;
        check("limit=201", "limit").await;
        check("limit=-1", "limit").await;
        check("limit=ten", "limit").await;
        check("since=2026-01-01", "since").await; // parties have no time to bound
        check(&format!("q={}", "x".repeat(201)), "q").await;
        let r = call(s.get("/api/v1/interactions?since=yesterday", Viewer)).await;
        assert_problem(&r, 400, Some("since"));
        let r = call(s.get("/api/v1/parties?q=%ff", Viewer)).await;
        assert_problem(&r, 400, None);
        let r = call(s.get("/api/v1/parties?limit=200", Viewer)).await;
        assert_eq!(r.status, 200);
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Interactions, roles and the party 360

#[tokio::test]
async fn relationship_managers_log_interactions_on_their_own_parties_only() {
    for s in servers().await {
        let r = call(s.post(
            "/api/v1/interactions",
            RelationshipManager,
            interaction(RM_PARTY, "2026-03-01T10:00:00Z", "Kick-off"),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["user_email"], email(RelationshipManager));
        assert_eq!(r.body["party_external_id"], RM_PARTY);
        assert_eq!(r.body["sentiment"], 1);
        let key = r.body["external_id"].as_str().expect("external_id");
        assert_eq!(r.header("location"), format!("/api/v1/interactions/{key}"));

        // Naming another author is allowed; the default is only a default.
        let mut by_other = interaction(RM_PARTY, "2026-03-01T11:00:00Z", "For the manager");
        by_other["user_email"] = json!(email(Manager));
        let r = call(s.post("/api/v1/interactions", RelationshipManager, by_other)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["user_email"], email(Manager));

        refused(
            &s,
            s.post(
                "/api/v1/interactions",
                RelationshipManager,
                interaction(OTHER_PARTY, "2026-03-01T10:00:00Z", "Not mine"),
            ),
            403,
            None,
        )
        .await;
        // Nor move an interaction of theirs to someone else's party.
        refused(
            &s,
            s.patch(
                &format!("/api/v1/interactions/{key}"),
                RelationshipManager,
                json!({"party_external_id": OTHER_PARTY}),
            ),
            403,
            None,
        )
        .await;
        s.stop().await;
    }
}

#[tokio::test]
async fn agents_log_interactions_and_cases_on_any_party_but_not_surveys() {
    for s in servers().await {
        for party in [RM_PARTY, OTHER_PARTY] {
            let r = call(s.post(
                "/api/v1/interactions",
                Agent,
                interaction(party, "2026-03-01T10:00:00Z", "Hotline"),
            ))
            .await;
            assert_eq!(r.status, 201, "{}", r.text);
            assert_eq!(r.body["user_email"], email(Agent));
            let r = call(s.post("/api/v1/cases", Agent, case(party))).await;
            assert_eq!(r.status, 201, "{}", r.text);
            assert_eq!(r.body["status"], "open");
            refused(
                &s,
                s.post("/api/v1/surveys", Agent, survey(party, "nps", 9)),
                403,
                None,
            )
            .await;
        }
        // Nor parties or tasks.
        refused(
            &s,
            s.post("/api/v1/parties", Agent, json!({"name": "Agent's own"})),
            403,
            None,
        )
        .await;
        refused(
            &s,
            s.post(
                "/api/v1/tasks",
                Agent,
                json!({"party_external_id": RM_PARTY, "title": "Call back"}),
            ),
            403,
            None,
        )
        .await;
        // The owner may record the survey answer.
        let r = call(s.post(
            "/api/v1/surveys",
            RelationshipManager,
            survey(RM_PARTY, "nps", 9),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        s.stop().await;
    }
}

/// An API route with its placeholders filled in.
fn concrete(path: &str) -> String {
    path.replace("{key}", RM_PARTY)
        .replace("{id}", &uuid::Uuid::nil().to_string())
        .replace("{email}", &email(Viewer))
}

#[tokio::test]
async fn a_viewer_reads_everything_but_every_write_is_refused() {
    for s in servers().await {
        for path in [
            "/api/v1/parties",
            &format!("/api/v1/parties/{RM_PARTY}"),
            &format!("/api/v1/parties/{RM_PARTY}/360"),
            "/api/v1/interactions",
            "/api/v1/orders",
            "/api/v1/contracts",
            "/api/v1/cancellation-reasons",
            "/api/v1/me",
        ] {
            let r = call(s.get(path, Viewer)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
        let before = counts(&s).await;
        let mut writes = 0;
        for route in rapport_web::route_table() {
            let needs_more_than_sign_in = !matches!(
                route.need,
                rapport_web::Need::Public | rapport_web::Need::SignedIn
            );
            if !route.api || route.method == Method::GET || !needs_more_than_sign_in {
                continue;
            }
            writes += 1;
            let path = concrete(route.path);
            let body = if path.ends_with("/bulk") {
                json!({"items": [{"name": "x"}]})
            } else {
                json!({"name": "x"})
            };
            let req = s.req(route.method.clone(), &path, Some(Viewer)).json(&body);
            let r = call(req).await;
            assert_problem(&r, 403, None);
            assert!(
                r.body["detail"].as_str().unwrap_or("").contains("viewer"),
                "{}",
                r.text
            );
        }
        assert!(writes >= 30, "only {writes} write routes");
        assert_eq!(counts(&s).await, before);
        s.stop().await;
    }
}

#[tokio::test]
async fn the_360_shows_recent_interactions_newest_first_with_every_section() {
    for s in servers().await {
        for (at, subject) in [
            ("2026-03-02T10:00:00Z", "second"),
            ("2026-03-03T10:00:00Z", "third"),
            ("2026-03-01T10:00:00Z", "first"),
        ] {
            create(
                &s,
                "/api/v1/interactions",
                RelationshipManager,
                interaction(RM_PARTY, at, subject),
            )
            .await;
        }
        create(
            &s,
            "/api/v1/interactions",
            Manager,
            interaction(OTHER_PARTY, "2026-03-04T10:00:00Z", "elsewhere"),
        )
        .await;
        create(&s, "/api/v1/cases", Agent, case(RM_PARTY)).await;
        create(
            &s,
            "/api/v1/surveys",
            RelationshipManager,
            survey(RM_PARTY, "csat", 4),
        )
        .await;

        let r = call(s.get(&format!("/api/v1/parties/{RM_PARTY}/360"), Viewer)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let v = &r.body;
        assert_eq!(v["party"]["external_id"], RM_PARTY);
        assert_eq!(v["party"]["name"], "Rapport Mine GmbH");
        let recent = v["recent_interactions"]
            .as_array()
            .expect("recent_interactions");
        assert_eq!(keys(recent, "subject"), ["third", "second", "first"]);
        assert_eq!(recent[0]["user_email"], email(RelationshipManager));
        for section in [
            "contacts",
            "links",
            "contracts",
            "recent_surveys",
            "open_cases",
            "open_tasks",
        ] {
            assert!(v[section].is_array(), "{section}: {}", r.text);
        }
        assert!(v["orders"]["by_currency"].is_array() && v["orders"]["recent_lines"].is_array());
        assert_eq!(
            keys(v["open_cases"].as_array().unwrap(), "subject"),
            ["Invoice is wrong"]
        );
        assert_eq!(v["recent_surveys"][0]["score"], 4);

        let by_id = call(s.get(
            &format!("/api/v1/parties/{}/360", v["party"]["id"].as_str().unwrap()),
            Viewer,
        ))
        .await;
        assert_eq!(by_id.body, r.body);
        let r = call(s.get("/api/v1/parties/NO-SUCH/360", Viewer)).await;
        assert_problem(&r, 404, None);
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Bad input: refused by name, never a server error, nothing half-written

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    for s in servers().await {
        for body in [
            r#"{"name": "#,
            "{name: 'x'}",
            "",
            "{\"name\": \"x\"} trailing",
            "nul",
        ] {
            let req = s
                .req(Method::POST, "/api/v1/parties", Some(Manager))
                .header("content-type", "application/json")
                .body(body);
            refused(&s, req, 400, None).await;
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn wrong_json_types_unknown_fields_and_bad_values_are_refused_by_name() {
    for s in servers().await {
        let now = "2026-03-01T10:00:00Z";
        let with = |mut base: Value, field: &str, value: Value| {
            base[field] = value;
            base
        };
        let party = json!({"name": "Valid GmbH"});
        let inter = interaction(RM_PARTY, now, "x");
        let cases: Vec<(&str, Value, &str)> = vec![
            // Wrong JSON types.
            ("/api/v1/parties", json!({"name": 5}), "name"),
            (
                "/api/v1/parties",
                with(party.clone(), "tags", json!("a;b")),
                "tags",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "tags", json!([1])),
                "tags",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "roles", json!("customer")),
                "roles",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "attributes", json!([1])),
                "attributes",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "email", json!(true)),
                "email",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "name", json!({"first": "x"})),
                "name",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "sentiment", json!("two")),
                "sentiment",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "sentiment", json!(1.5)),
                "sentiment",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "occurred_at", json!(20260301)),
                "occurred_at",
            ),
            // Unknown and read-only fields.
            (
                "/api/v1/parties",
                with(party.clone(), "colour", json!("blue")),
                "colour",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "id", json!(uuid::Uuid::nil())),
                "id",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "created_at", json!(now)),
                "created_at",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "party", json!(RM_PARTY)),
                "party",
            ),
            // Values out of range or not what they claim to be.
            (
                "/api/v1/interactions",
                with(inter.clone(), "sentiment", json!(7)),
                "sentiment",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "sentiment", json!(-3)),
                "sentiment",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "channel", json!("pigeon")),
                "channel",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "occurred_at", json!("2026-02-30T10:00:00Z")),
                "occurred_at",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "occurred_at", json!("last tuesday")),
                "occurred_at",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "party_external_id", json!("NO-SUCH")),
                "party_external_id",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "user_email", json!("nobody@test.example")),
                "user_email",
            ),
            (
                "/api/v1/interactions",
                with(inter.clone(), "subject", json!("x".repeat(501))),
                "subject",
            ),
            ("/api/v1/surveys", survey(RM_PARTY, "nps", 11), "score"),
            ("/api/v1/surveys", survey(RM_PARTY, "nps", -1), "score"),
            ("/api/v1/surveys", survey(RM_PARTY, "csat", 6), "score"),
            ("/api/v1/surveys", survey(RM_PARTY, "csat", 0), "score"),
            ("/api/v1/surveys", survey(RM_PARTY, "ces", 8), "score"),
            ("/api/v1/surveys", survey(RM_PARTY, "stars", 3), "kind"),
            (
                "/api/v1/cases",
                with(case(RM_PARTY), "closed_at", json!("2026-03-01T00:00:00Z")),
                "closed_at",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "email", json!("not-an-email")),
                "email",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "email", json!("a@b@c")),
                "email",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "acquired_on", json!("2025-13-01")),
                "acquired_on",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "lifecycle", json!("Active")),
                "lifecycle",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "country", json!("Atlantis")),
                "country",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "owner_email", json!("nobody@test.example")),
                "owner_email",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "name", json!("x".repeat(20_001))),
                "name",
            ),
            (
                "/api/v1/parties",
                with(party.clone(), "referred_by", json!("NO-SUCH")),
                "referred_by",
            ),
            (
                "/api/v1/products",
                json!({"sku": "S-1", "name": "Widget", "list_price": "twelve"}),
                "list_price",
            ),
            (
                "/api/v1/products",
                json!({"sku": "S-1", "name": "Widget", "currency": "EURO"}),
                "currency",
            ),
            // Required fields left out.
            (
                "/api/v1/interactions",
                json!({"party_external_id": RM_PARTY, "occurred_at": now}),
                "channel",
            ),
            (
                "/api/v1/surveys",
                json!({"party_external_id": RM_PARTY, "kind": "nps", "answered_at": now}),
                "score",
            ),
            (
                "/api/v1/tasks",
                json!({"party_external_id": RM_PARTY}),
                "title",
            ),
        ];
        for (path, body, field) in cases {
            refused(&s, s.post(path, Manager, body), 422, Some(field)).await;
        }
        // The same rules hold for changes.
        let before = call(s.get(&format!("/api/v1/parties/{RM_PARTY}"), Viewer)).await;
        for (body, field) in [
            (json!({"name": 5}), "name"),
            (json!({"email": "nope"}), "email"),
            (json!({"colour": "blue"}), "colour"),
            (json!({"name": "Fine", "lifecycle": "nope"}), "lifecycle"),
        ] {
            refused(
                &s,
                s.patch(&format!("/api/v1/parties/{RM_PARTY}"), Manager, body),
                422,
                Some(field),
            )
            .await;
        }
        let after = call(s.get(&format!("/api/v1/parties/{RM_PARTY}"), Viewer)).await;
        assert_eq!(after.body, before.body);
        s.stop().await;
    }
}

#[tokio::test]
async fn several_bad_fields_are_all_reported_at_once() {
    for s in servers().await {
        let r = refused(
            &s,
            s.post(
                "/api/v1/interactions",
                Manager,
                json!({"party_external_id": RM_PARTY, "channel": "pigeon", "occurred_at": "never", "sentiment": 9, "mood": 1}),
            ),
            422,
            None,
        )
        .await;
        let mut named = fields_named(&r);
        named.sort();
        // Unknown fields and type errors are found before the values are read.
        assert_eq!(named, ["channel", "mood"], "{}", r.text);
        let r = refused(
            &s,
            s.post(
                "/api/v1/interactions",
                Manager,
                json!({"party_external_id": RM_PARTY, "channel": "call", "occurred_at": "never", "sentiment": 9}),
            ),
            422,
            None,
        )
        .await;
        let mut named = fields_named(&r);
        named.sort();
        assert_eq!(named, ["occurred_at", "sentiment"], "{}", r.text);
        s.stop().await;
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let settings = Settings {
        body_limit: 4096,
        ..Settings::default()
    };
    for s in servers_with(settings).await {
        let big = json!({"name": "x".repeat(5_000)});
        refused(
            &s,
            s.post("/api/v1/parties", Manager, big.clone()),
            413,
            None,
        )
        .await;
        let items: Vec<Value> = (0..100)
            .map(|i| json!({"external_id": format!("B-{i}"), "name": "Bulk party"}))
            .collect();
        refused(
            &s,
            s.post("/api/v1/parties/bulk", Manager, json!({ "items": items })),
            413,
            None,
        )
        .await;
        // Also when the body arrives in chunks without a declared length.
        let before = counts(&s).await;
        let mut request = format!(
            "POST /api/v1/parties HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            s.tokens[&Manager]
        );
        for _ in 0..10 {
            request.push_str(&format!("3e8\r\n{}\r\n", " ".repeat(1_000)));
        }
        request.push_str("0\r\n\r\n");
        let response = raw_http(&s, request.into_bytes()).await;
        assert!(response.starts_with("HTTP/1.1 413 "), "{response}");
        assert!(
            response
                .to_lowercase()
                .contains("content-type: application/problem+json"),
            "{response}"
        );
        assert_eq!(counts(&s).await, before);
        // Just under the limit is fine.
        let r = call(s.post(
            "/api/v1/parties",
            Manager,
            json!({"name": "Small enough", "attributes": {"note": "y".repeat(3_900)}}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        s.stop().await;
    }
}

#[tokio::test]
async fn invalid_utf8_missing_content_type_and_non_objects_are_refused() {
    for s in servers().await {
        let raw = |ct: Option<&str>, body: Vec<u8>| {
            let req = s
                .req(Method::POST, "/api/v1/parties", Some(Manager))
                .body(body);
            match ct {
                Some(ct) => req.header("content-type", ct),
                None => req,
            }
        };
        let json_ct = Some("application/json");
        refused(
            &s,
            raw(json_ct, b"{\"name\": \"caf\xe9\"}".to_vec()),
            400,
            None,
        )
        .await;
        refused(&s, raw(json_ct, b"\xff\xfe{}".to_vec()), 400, None).await;
        refused(&s, raw(None, br#"{"name": "x"}"#.to_vec()), 415, None).await;
        refused(
            &s,
            raw(Some("text/plain"), br#"{"name": "x"}"#.to_vec()),
            415,
            None,
        )
        .await;
        refused(
            &s,
            raw(
                Some("application/x-www-form-urlencoded"),
                b"name=x".to_vec(),
            ),
            415,
            None,
        )
        .await;
        for body in [r#"[{"name": "x"}]"#, r#""name""#, "42", "null", "true"] {
            refused(&s, raw(json_ct, body.as_bytes().to_vec()), 422, None).await;
        }
        // Bulk records must be objects too, and the envelope exact.
        let r = refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                Manager,
                json!({"items": [{"name": "ok"}, ["no"]]}),
            ),
            422,
            Some("(record)"),
        )
        .await;
        assert_eq!(r.body["errors"][0]["index"], 1);
        refused(
            &s,
            s.post("/api/v1/parties/bulk", Manager, json!([{"name": "x"}])),
            422,
            None,
        )
        .await;
        refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                Manager,
                json!({"items": [], "x": 1}),
            ),
            422,
            None,
        )
        .await;
        refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                Manager,
                json!({"items": {"name": "x"}}),
            ),
            422,
            None,
        )
        .await;
        // With a charset the type is still JSON.
        let r = call(raw(
            Some("application/json; charset=utf-8"),
            br#"{"name": "Charset AG"}"#.to_vec(),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        s.stop().await;
    }
}

#[tokio::test]
async fn script_tags_and_sql_fragments_are_stored_and_returned_verbatim() {
    for s in servers().await {
        let script = "<script>alert(1)</script>";
        let sql = "'; DROP TABLE parties; --";
        let quotes = r#"Robert"); DELETE FROM users WHERE ("1"="1"#;
        let r = call(s.post(
            "/api/v1/parties",
            Manager,
            json!({"external_id": "X-1", "name": script, "city": sql, "segment": quotes, "attributes": {"note": script}}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.header("content-type").starts_with("application/json"));
        let got = call(s.get("/api/v1/parties/X-1", Viewer)).await;
        assert_eq!(got.body["name"], script);
        assert_eq!(got.body["city"], sql);
        assert_eq!(got.body["segment"], quotes);
        assert_eq!(got.body["attributes"]["note"], script);
        let mut i = interaction(RM_PARTY, "2026-03-01T10:00:00Z", sql);
        i["notes"] = json!(script);
        let r = call(s.post("/api/v1/interactions", Manager, i)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(
            (r.body["subject"].as_str(), r.body["notes"].as_str()),
            (Some(sql), Some(script))
        );

        // Searching for them finds them, as text.
        let found = all_pages(&s, "/api/v1/parties?q=%3Cscript%3E", 50).await;
        assert_eq!(keys(&found, "external_id"), ["X-1"]);
        let found = all_pages(&s, "/api/v1/interactions?q=%27%3B%20DROP", 50).await;
        assert_eq!(found.len(), 1);
        let r = call(s.get(
            "/api/v1/parties/'%3B%20DROP%20TABLE%20parties%3B%20--",
            Viewer,
        ))
        .await;
        assert_problem(&r, 404, None);
        // And the tables are all still there.
        assert_eq!(all_pages(&s, "/api/v1/parties", 50).await.len(), 3);
        assert_eq!(
            call(s.get("/api/v1/users", Admin)).await.body["items"]
                .as_array()
                .map(Vec::len),
            Some(5)
        );
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Bulk

fn bulk_items(names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .enumerate()
            .map(
                |(i, n)| json!({"external_id": format!("B-{i}"), "name": n, "lifecycle": "active"}),
            )
            .collect(),
    )
}

#[tokio::test]
async fn bulk_creates_then_reports_unchanged_then_updated() {
    for s in servers().await {
        let names = ["Bulk Eins", "Bulk Zwei", "Bulk Drei", "Bulk Vier"];
        let send = async |items: Value| {
            let r = call(s.post("/api/v1/parties/bulk", Manager, json!({ "items": items }))).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let n = |k: &str| r.body[k].as_u64().expect(k);
            assert_eq!(r.body["keys"], json!(["B-0", "B-1", "B-2", "B-3"]));
            (n("created"), n("updated"), n("unchanged"))
        };
        assert_eq!(send(bulk_items(&names)).await, (4, 0, 0));
        assert_eq!(send(bulk_items(&names)).await, (0, 0, 4));
        let mut changed = names;
        changed[2] = "Bulk Drei Neu";
        assert_eq!(send(bulk_items(&changed)).await, (0, 1, 3));
        let got = call(s.get("/api/v1/parties/B-2", Viewer)).await;
        assert_eq!(got.body["name"], "Bulk Drei Neu");
        assert_eq!(all_pages(&s, "/api/v1/parties", 200).await.len(), 6);
        s.stop().await;
    }
}

#[tokio::test]
async fn one_bad_record_in_a_bulk_call_is_named_by_index_and_nothing_is_written() {
    for s in servers().await {
        let ok = |i: usize| json!({"external_id": format!("B-{i}"), "name": format!("Bulk {i}"), "email": null, "owner_email": null});
        let with = |i: usize, field: &str, value: Value| {
            let mut r = ok(i);
            r[field] = value;
            r
        };
        let cases: Vec<(Vec<Value>, usize, &str)> = vec![
            (
                vec![ok(0), ok(1), with(2, "email", json!("nope")), ok(3)],
                2,
                "email",
            ),
            (vec![ok(0), with(1, "name", json!(5)), ok(2)], 1, "name"),
            (
                vec![ok(0), ok(1), ok(2), with(3, "colour", json!("red"))],
                3,
                "colour",
            ),
            (
                vec![with(0, "owner_email", json!("nobody@test.example")), ok(1)],
                0,
                "owner_email",
            ),
            (vec![ok(0), ok(1), ok(0)], 2, "external_id"),
            (
                vec![
                    with(0, "city", json!("A")),
                    with(1, "city", json!("B")),
                    ok(2),
                ],
                2,
                "city",
            ),
        ];
        for (items, index, field) in cases {
            let r = refused(
                &s,
                s.post("/api/v1/parties/bulk", Manager, json!({ "items": items })),
                422,
                Some(field),
            )
            .await;
            let bad = r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["field"] == field)
                .unwrap()
                .clone();
            assert_eq!(bad["index"], index, "{}", r.text);
        }
        // An updated record among new ones the caller may not write: refused as a whole.
        refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                RelationshipManager,
                json!({"items": [
                    {"external_id": RM_PARTY, "name": "Mine, renamed"},
                    {"external_id": OTHER_PARTY, "name": "Not mine, renamed"},
                ]}),
            ),
            403,
            None,
        )
        .await;
        s.stop().await;
    }
}

#[tokio::test]
async fn a_bulk_call_takes_from_1_to_1000_records() {
    for s in servers().await {
        refused(
            &s,
            s.post("/api/v1/parties/bulk", Manager, json!({"items": []})),
            422,
            None,
        )
        .await;
        let names: Vec<String> = (0..1001).map(|i| format!("Bulk {i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                Manager,
                json!({"items": bulk_items(&refs)}),
            ),
            422,
            None,
        )
        .await;
        let r = call(s.post(
            "/api/v1/parties/bulk",
            Manager,
            json!({"items": bulk_items(&refs[..1000])}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["created"], 1000);
        assert_eq!(all_pages(&s, "/api/v1/parties", 200).await.len(), 1002);
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Personal API tokens

#[tokio::test]
async fn a_personal_token_authenticates_until_it_is_revoked() {
    for s in servers().await {
        let r = call(s.post("/api/v1/me/tokens", Agent, json!({"name": "ci"}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let secret = r.body["token"].as_str().expect("token").to_string();
        let id = r.body["id"].as_str().expect("id").to_string();
        assert!(secret.starts_with("rpt_") && secret.len() > 30, "{secret}");
        assert!(secret.starts_with(r.body["prefix"].as_str().unwrap()));
        assert_eq!(r.body["name"], "ci");

        let me = |token: &str| s.req(Method::GET, "/api/v1/me", None).bearer_auth(token);
        let r = call(me(&secret)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["email"], email(Agent));
        assert_eq!(r.body["role"], "agent");
        assert!(r.body.get("password_hash").is_none() && !r.text.contains("argon2"));

        let list = call(s.get("/api/v1/me/tokens", Agent)).await;
        assert_eq!(list.status, 200);
        let items = list.body["items"].as_array().unwrap();
        assert_eq!(keys(items, "name"), ["ci", "tests"], "newest first");
        assert!(
            !list.text.contains(&secret[4..]),
            "the secret is listed: {}",
            list.text
        );
        assert!(items.iter().all(|t| t.get("token").is_none()));
        assert!(items[0]["last_used_at"].is_string(), "{}", list.text);
        // Only one's own.
        let others = call(s.get("/api/v1/me/tokens", Viewer)).await;
        assert!(!others.text.contains(&id));

        // Another user cannot revoke it.
        let r = call(s.delete(&format!("/api/v1/me/tokens/{id}"), Viewer)).await;
        assert_problem(&r, 404, None);
        assert_eq!(call(me(&secret)).await.status, 200);

        let r = call(s.delete(&format!("/api/v1/me/tokens/{id}"), Agent)).await;
        assert_eq!(r.status, 204, "{}", r.text);
        let r = call(me(&secret)).await;
        assert_problem(&r, 401, None);
        assert_eq!(r.header("www-authenticate"), "Bearer");
        let list = call(s.get("/api/v1/me/tokens", Agent)).await;
        assert!(
            list.body["items"][0]["revoked_at"].is_string(),
            "{}",
            list.text
        );
        // The agent's other token still works.
        assert_eq!(call(s.get("/api/v1/me", Agent)).await.status, 200);
        s.stop().await;
    }
}

#[tokio::test]
async fn unknown_or_missing_credentials_get_401_problems() {
    for s in servers().await {
        let unknown = format!("rpt_{}", "x".repeat(40));
        for token in [unknown.as_str(), "not-a-token", "rpt_", ""] {
            let r = call(
                s.req(Method::GET, "/api/v1/parties", None)
                    .bearer_auth(token),
            )
            .await;
            assert_problem(&r, 401, None);
            assert_eq!(r.header("www-authenticate"), "Bearer");
        }
        // An unknown token is refused even where no sign-in is needed, so mistakes show.
        let r = call(
            s.req(Method::GET, "/api/v1/openapi.json", None)
                .bearer_auth(&unknown),
        )
        .await;
        assert_problem(&r, 401, None);
        for (method, path) in [
            (Method::GET, "/api/v1/me"),
            (Method::GET, "/api/v1/parties"),
            (Method::POST, "/api/v1/parties"),
            (Method::GET, "/api/v1/audit"),
        ] {
            let r = call(s.req(method, path, None).json(&json!({"name": "x"}))).await;
            assert_problem(&r, 401, None);
        }
        let r = call(
            s.req(Method::GET, "/api/v1/parties", None)
                .basic_auth("admin", Some("x")),
        )
        .await;
        assert_problem(&r, 401, None);
        s.stop().await;
    }
}

#[tokio::test]
async fn token_names_are_checked() {
    for s in servers().await {
        for (body, field) in [
            (json!({"name": 5}), Some("name")),
            (json!({"name": "x", "scope": "all"}), Some("scope")),
            (json!({"name": "x".repeat(101)}), None),
            (json!(["x"]), None),
        ] {
            let r = call(s.post("/api/v1/me/tokens", Agent, body)).await;
            assert_problem(&r, 422, field);
        }
        let list = call(s.get("/api/v1/me/tokens", Agent)).await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Audit

#[tokio::test]
async fn api_writes_land_in_the_audit_log_with_who_and_what() {
    for s in servers().await {
        create(
            &s,
            "/api/v1/parties",
            Manager,
            json!({"external_id": "A-1", "name": "Audit AG"}),
        )
        .await;
        let r = call(s.patch(
            "/api/v1/parties/A-1",
            RelationshipManager,
            json!({"city": "Köln"}),
        ))
        .await;
        assert_eq!(r.status, 403, "not theirs");
        let r = call(s.patch("/api/v1/parties/A-1", Manager, json!({"city": "Köln"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call(s.delete("/api/v1/parties/A-1", Manager)).await;
        assert_eq!(r.status, 204);
        create(
            &s,
            "/api/v1/interactions",
            Agent,
            interaction(RM_PARTY, "2026-03-01T10:00:00Z", "audited"),
        )
        .await;

        let r = call(s.get("/api/v1/audit", Admin)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        let about: Vec<&Value> = items
            .iter()
            .filter(|e| e["entity"] == "parties" && e["entity_id"] == "A-1")
            .collect();
        let actions: Vec<&str> = about
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["delete", "update", "create"],
            "newest first: {}",
            r.text
        );
        for e in &about {
            assert_eq!(e["source"], "api");
            assert_eq!(e["user_email"], email(Manager));
            assert!(e["at"].is_string() && e["id"].is_string());
        }
        let (delete, update, create_) = (about[0], about[1], about[2]);
        assert_eq!(create_["before"], Value::Null);
        assert_eq!(create_["after"]["name"], "Audit AG");
        assert_eq!(update["before"]["city"], Value::Null);
        assert_eq!(update["after"]["city"], "Köln");
        assert_eq!(delete["before"]["name"], "Audit AG");
        assert_eq!(delete["after"], Value::Null);
        let logged = items
            .iter()
            .find(|e| e["entity"] == "interactions")
            .expect("the interaction");
        assert_eq!(
            (logged["source"].as_str(), logged["user_email"].as_str()),
            (Some("api"), Some(email(Agent).as_str()))
        );
        assert_eq!(logged["after"]["subject"], "audited");

        let only = call(s.get("/api/v1/audit?entity=interactions&limit=5", Admin)).await;
        let only = only.body["items"].as_array().unwrap();
        assert!(!only.is_empty() && only.iter().all(|e| e["entity"] == "interactions"));
        let one = call(s.get("/api/v1/audit?limit=1", Admin)).await;
        assert_eq!(one.body["items"].as_array().map(Vec::len), Some(1));
        for query in ["limit=0", "limit=1001", "user=x"] {
            let r = call(s.get(&format!("/api/v1/audit?{query}"), Admin)).await;
            assert_problem(&r, 400, None);
        }
        for role in [Manager, RelationshipManager, Agent, Viewer] {
            let r = call(s.get("/api/v1/audit", role)).await;
            assert_problem(&r, 403, None);
        }
        s.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 9. Users

#[tokio::test]
async fn admins_add_users_with_a_generated_password_shown_once() {
    for s in servers().await {
        let r = call(s.post(
            "/api/v1/users",
            Admin,
            json!({"email": "new@test.example", "name": "New Person", "role": "agent"}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["role"], "agent");
        assert_eq!(r.body["locale"], "en");
        let password = r.body["password"].as_str().expect("password").to_string();
        assert!(password.chars().count() >= 12, "{password}");
        let user = rapport_app::signin::find_user(&s.store, s.org, "new@test.example")
            .await
            .unwrap();
        assert!(rapport_app::signin::check_password(
            user.as_ref(),
            &password
        ));

        let list = call(s.get("/api/v1/users", Admin)).await;
        assert!(list.text.contains("new@test.example"));
        assert!(!list.text.contains(&password) && !list.text.contains("argon2"));

        let r = call(s.post(
            "/api/v1/users",
            Admin,
            json!({"email": "chosen@test.example", "name": "Chosen", "role": "viewer", "locale": "de", "password": "a long enough secret"}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.body.get("password").is_none());

        for (body, field) in [
            (
                json!({"email": "x@test.example", "name": "X"}),
                Some("role"),
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": 1}),
                Some("role"),
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "agent", "admin": true}),
                Some("admin"),
            ),
            (
                json!({"email": "not-mail", "name": "X", "role": "agent"}),
                None,
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "overlord"}),
                None,
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "agent", "password": "short"}),
                None,
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "agent", "locale": "tlh"}),
                None,
            ),
        ] {
            let r = call(s.post("/api/v1/users", Admin, body.clone())).await;
            assert_problem(&r, 422, field);
        }
        let r = call(s.post(
            "/api/v1/users",
            Admin,
            json!({"email": "new@test.example", "name": "Again", "role": "agent"}),
        ))
        .await;
        assert!(r.status == 409 || r.status == 422, "{}", r.text);
        assert_problem(&r, r.status, None);
        let list = call(s.get("/api/v1/users", Admin)).await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(7));
        s.stop().await;
    }
}

#[tokio::test]
async fn admins_change_roles_and_the_change_applies_at_once() {
    for s in servers().await {
        let path = format!("/api/v1/users/{}", email(Agent));
        let r = call(s.patch(
            &path,
            Admin,
            json!({"role": "viewer", "name": "Now Viewer"}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (r.body["role"].as_str(), r.body["name"].as_str()),
            (Some("viewer"), Some("Now Viewer"))
        );
        // The agent's token now carries a viewer's rights.
        refused(
            &s,
            s.post(
                "/api/v1/interactions",
                Agent,
                interaction(RM_PARTY, "2026-03-01T10:00:00Z", "x"),
            ),
            403,
            None,
        )
        .await;
        let r = call(s.patch(&path, Admin, json!({"disabled": true}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_problem(&call(s.get("/api/v1/me", Agent)).await, 401, None);

        let r = call(s.patch(
            "/api/v1/users/nobody@test.example",
            Admin,
            json!({"role": "viewer"}),
        ))
        .await;
        assert_problem(&r, 404, None);
        for (body, field) in [
            (json!({"role": 5}), "role"),
            (json!({"disabled": "yes"}), "disabled"),
            (json!({"email": "other@test.example"}), "email"),
            (json!({"password": "a long enough secret"}), "password"),
        ] {
            let r = call(s.patch(&path, Admin, body)).await;
            assert_problem(&r, 422, Some(field));
        }
        let r = call(s.patch(&path, Admin, json!({"role": "overlord"}))).await;
        assert_problem(&r, 422, None);
        s.stop().await;
    }
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    for s in servers().await {
        let admin = format!("/api/v1/users/{}", email(Admin));
        for body in [json!({"role": "manager"}), json!({"disabled": true})] {
            let r = call(s.patch(&admin, Admin, body)).await;
            assert_problem(&r, 422, None);
            assert!(
                r.body["detail"].as_str().unwrap().contains("last"),
                "{}",
                r.text
            );
        }
        let me = call(s.get("/api/v1/me", Admin)).await;
        assert_eq!(me.body["role"], "admin");
        // With a second admin, the first may step down.
        let r = call(s.patch(
            &format!("/api/v1/users/{}", email(Manager)),
            Admin,
            json!({"role": "admin"}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call(s.patch(&admin, Admin, json!({"role": "manager"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_problem(&call(s.get("/api/v1/users", Admin)).await, 403, None);
        let r = call(s.patch(
            &format!("/api/v1/users/{}", email(Manager)),
            Manager,
            json!({"role": "viewer"}),
        ))
        .await;
        assert_problem(&r, 422, None);
        s.stop().await;
    }
}

#[tokio::test]
async fn only_admins_manage_users_and_tokens() {
    for s in servers().await {
        for role in [Manager, RelationshipManager, Agent, Viewer] {
            for (method, path) in [
                (Method::GET, "/api/v1/users".to_string()),
                (Method::POST, "/api/v1/users".to_string()),
                (Method::PATCH, format!("/api/v1/users/{}", email(role))),
                (Method::GET, "/api/v1/tokens".to_string()),
                (
                    Method::DELETE,
                    format!("/api/v1/tokens/{}", uuid::Uuid::nil()),
                ),
            ] {
                let body = json!({"email": "x@test.example", "name": "X", "role": "admin"});
                let r = call(s.req(method.clone(), &path, Some(role)).json(&body)).await;
                assert_problem(&r, 403, None);
            }
        }
        let me = call(s.get("/api/v1/me", Manager)).await;
        assert_eq!(me.body["role"], "manager");
        // The admin sees and revokes anyone's tokens.
        let all = call(s.get("/api/v1/tokens", Admin)).await;
        let items = all.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        let viewer_token = items
            .iter()
            .find(|t| t["user_email"] == email(Viewer))
            .unwrap();
        let r = call(s.delete(
            &format!("/api/v1/tokens/{}", viewer_token["id"].as_str().unwrap()),
            Admin,
        ))
        .await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_problem(&call(s.get("/api/v1/me", Viewer)).await, 401, None);
        s.stop().await;
    }
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

// ---------------------------------------------------------------------------------------------
// Regressions

/// A required field left out was reported as "(record): request: missing required columns:
/// channel", the wording of a CSV header, instead of naming the field.
#[tokio::test]
async fn regression_a_missing_required_field_is_named() {
    for s in servers().await {
        let r = refused(
            &s,
            s.post(
                "/api/v1/interactions",
                Manager,
                json!({"party_external_id": RM_PARTY}),
            ),
            422,
            None,
        )
        .await;
        let mut named = fields_named(&r);
        named.sort();
        assert_eq!(named, ["channel", "occurred_at"], "{}", r.text);
        let r = refused(
            &s,
            s.post(
                "/api/v1/surveys/bulk",
                Manager,
                json!({"items": [{"kind": "nps"}]}),
            ),
            422,
            Some("party_external_id"),
        )
        .await;
        assert!(r.body["errors"][0].get("index").is_none(), "{}", r.text);
        s.stop().await;
    }
}

/// U+0000 in a text field, a query parameter or a path made PostgreSQL fail the statement and
/// the server answer 500; SQLite stored it.
#[tokio::test]
async fn regression_the_nul_character_is_refused_not_a_server_error() {
    for s in servers().await {
        let nul = "a\u{0}b";
        for (path, body, field) in [
            ("/api/v1/parties", json!({"name": nul}), "name"),
            (
                "/api/v1/parties",
                json!({"name": "x", "tags": [nul]}),
                "tags",
            ),
            (
                "/api/v1/parties",
                json!({"name": "x", "attributes": {"k": nul}}),
                "attributes",
            ),
            (
                "/api/v1/parties",
                json!({"name": "x", "attributes": {nul: 1}}),
                "attributes",
            ),
            (
                "/api/v1/interactions",
                interaction(RM_PARTY, "2026-03-01T10:00:00Z", nul),
                "subject",
            ),
            ("/api/v1/me/tokens", json!({"name": nul}), "name"),
            (
                "/api/v1/users",
                json!({"email": "n@test.example", "name": nul, "role": "agent"}),
                "name",
            ),
        ] {
            refused(&s, s.post(path, Admin, body), 422, Some(field)).await;
        }
        let r = refused(
            &s,
            s.post(
                "/api/v1/parties/bulk",
                Admin,
                json!({"items": [{"name": "ok"}, {"name": nul}]}),
            ),
            422,
            Some("name"),
        )
        .await;
        assert_eq!(r.body["errors"][0]["index"], 1, "{}", r.text);
        refused(
            &s,
            s.patch(
                &format!("/api/v1/parties/{RM_PARTY}"),
                Admin,
                json!({"city": nul}),
            ),
            422,
            Some("city"),
        )
        .await;
        let r = call(s.patch(
            &format!("/api/v1/users/{}", email(Viewer)),
            Admin,
            json!({"name": nul}),
        ))
        .await;
        assert_problem(&r, 422, Some("name"));
        for query in [
            "/api/v1/parties?q=%00",
            "/api/v1/parties?lifecycle=a%00",
            "/api/v1/parties?sort=name%00",
            "/api/v1/interactions?party_external_id=%00",
            "/api/v1/audit?entity=%00",
        ] {
            let r = call(s.get(query, Admin)).await;
            assert_problem(&r, 400, None);
        }
        assert_problem(
            &call(s.get("/api/v1/parties/P-RM%00/360", Admin)).await,
            404,
            None,
        );
        for (path, change) in [
            ("/api/v1/parties/%00", json!({"city": "x"})),
            ("/api/v1/parties/P-RM%00", json!({"city": "x"})),
            ("/api/v1/interactions/%00", json!({"subject": "x"})),
        ] {
            assert_problem(&call(s.get(path, Admin)).await, 404, None);
            assert_problem(&call(s.patch(path, Admin, change)).await, 404, None);
            assert_problem(&call(s.delete(path, Admin)).await, 404, None);
        }
        assert_problem(
            &call(s.delete("/api/v1/me/tokens/rpt%00", Admin)).await,
            404,
            None,
        );
        assert_problem(
            &call(s.delete("/api/v1/tokens/rpt%00", Admin)).await,
            404,
            None,
        );
        s.stop().await;
    }
}

/// Two creates of one key at the same time on PostgreSQL both answered 201: the second found
/// the first's record only when writing and changed it, so one caller's record was silently
/// replaced by the other's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn regression_concurrent_creates_of_one_key_overwrote_each_other() {
    for s in servers().await {
        let mut tasks = Vec::new();
        for i in 0..16 {
            let same = s.post(
                "/api/v1/parties",
                Manager,
                json!({"external_id": "RACE", "name": format!("Racer {i}")}),
            );
            let other = s.post(
                "/api/v1/interactions",
                Agent,
                interaction(RM_PARTY, "2026-03-01T10:00:00Z", &format!("parallel {i}")),
            );
            tasks.push(tokio::spawn(call(same)));
            tasks.push(tokio::spawn(call(other)));
        }
        let mut statuses = std::collections::BTreeMap::new();
        let mut winners = Vec::new();
        for t in tasks {
            let r = t.await.expect("task");
            assert!(r.status < 500, "{}", r.text);
            if r.status == 201 && r.body["external_id"] == "RACE" {
                winners.push(r.body);
            }
            *statuses.entry(r.status).or_insert(0) += 1;
        }
        let backend = s.db.backend;
        assert_eq!(statuses, [(201, 17), (409, 15)].into(), "{backend:?}");
        let stored = call(s.get("/api/v1/parties/RACE", Viewer)).await;
        assert_eq!(winners, [stored.body], "{backend:?}");
        assert_eq!(all_pages(&s, "/api/v1/interactions", 200).await.len(), 16);
        s.stop().await;
    }
}
