//! Regression tests, each named after the bug it keeps fixed.

use super::*;

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
                "/api/v1/campaigns",
                json!({"name": nul, "list": "churned"}),
                "name",
            ),
            (
                "/api/v1/retention/saved-filters",
                json!({"list": "churned", "name": "x", "query": nul}),
                "query",
            ),
            (
                "/api/v1/contracts/K1/events",
                json!({"event": "cancel", "reason": "x", "note": nul}),
                "note",
            ),
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

/// Concurrent changes of different fields of one record undid each other: each PATCH read the
/// whole record, then wrote every field back, so the last one restored what the others had
/// changed (all answered 200).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn regression_concurrent_patches_wrote_back_stale_fields() {
    for s in servers().await {
        for round in 0..3 {
            let changes = [
                ("city", json!(format!("City {round}"))),
                ("segment", json!(format!("Segment {round}"))),
                ("industry", json!(format!("Industry {round}"))),
                ("acquisition_channel", json!(format!("Channel {round}"))),
                ("lifecycle", json!(["lead", "inactive", "churned"][round])),
                ("country", json!(["FR", "AT", "GR"][round])),
            ];
            let mut tasks = Vec::new();
            for (field, value) in &changes {
                let req = s.patch(
                    &format!("/api/v1/parties/{RM_PARTY}"),
                    Manager,
                    json!({ *field: value }),
                );
                tasks.push(tokio::spawn(call(req)));
            }
            for t in tasks {
                let r = t.await.expect("task");
                assert_eq!(r.status, 200, "{}", r.text);
            }
            let got = call(s.get(&format!("/api/v1/parties/{RM_PARTY}"), Viewer)).await;
            for (field, value) in &changes {
                assert_eq!(
                    &got.body[*field], value,
                    "{:?} round {round}: {field} lost",
                    s.db.backend
                );
            }
        }
        // Interactions too (their rows are locked by id as well).
        let logged = create(
            &s,
            "/api/v1/interactions",
            Manager,
            interaction(RM_PARTY, "2026-03-01T10:00:00Z", "s"),
        )
        .await;
        let path = format!(
            "/api/v1/interactions/{}",
            logged["external_id"].as_str().unwrap()
        );
        let mut tasks = Vec::new();
        for change in [
            json!({"subject": "new subject"}),
            json!({"notes": "new notes"}),
            json!({"sentiment": -2}),
            json!({"outcome": "won"}),
        ] {
            tasks.push(tokio::spawn(call(s.patch(&path, Manager, change))));
        }
        for t in tasks {
            assert_eq!(t.await.expect("task").status, 200);
        }
        let got = call(s.get(&path, Viewer)).await.body;
        assert_eq!(
            (
                &got["subject"],
                &got["notes"],
                &got["sentiment"],
                &got["outcome"]
            ),
            (
                &json!("new subject"),
                &json!("new notes"),
                &json!(-2),
                &json!("won")
            ),
            "{:?}",
            s.db.backend
        );
        s.stop().await;
    }
}

/// Concurrent bulk upserts of one record lost changes to its other fields on PostgreSQL: the
/// bulk path read the stored row without a lock, so a call that read it before another call
/// committed wrote that call's field back as it had been (every call answered 200).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn regression_concurrent_bulk_upserts_wrote_back_stale_fields() {
    for s in servers().await {
        let party = format!("/api/v1/parties/{RM_PARTY}");
        for round in 0..4 {
            let changes = [
                ("city", json!(format!("City {round}"))),
                ("segment", json!(format!("Segment {round}"))),
                ("industry", json!(format!("Industry {round}"))),
                ("acquisition_channel", json!(format!("Channel {round}"))),
                (
                    "lifecycle",
                    json!(["lead", "inactive", "churned", "active"][round]),
                ),
                ("country", json!(["FR", "AT", "GR", "DE"][round])),
                ("name", json!(format!("Rapport Mine {round}"))),
                ("acquired_on", json!(format!("2025-0{}-01", round + 1))),
                ("tags", json!([format!("tag-{round}")])),
            ];
            let mut tasks = Vec::new();
            for (i, (field, value)) in changes.iter().enumerate() {
                // Bulk calls and single changes, interleaved.
                let req = if i % 3 == 2 {
                    s.patch(&party, Manager, json!({ *field: value }))
                } else {
                    let item = json!({"external_id": RM_PARTY, *field: value});
                    s.post("/api/v1/parties/bulk", Manager, json!({ "items": [item] }))
                };
                tasks.push(tokio::spawn(call(req)));
            }
            for t in tasks {
                let r = t.await.expect("task");
                assert_eq!(r.status, 200, "{}", r.text);
            }
            let got = call(s.get(&party, Viewer)).await;
            for (field, value) in &changes {
                assert_eq!(
                    &got.body[*field], value,
                    "{:?} round {round}: {field} lost",
                    s.db.backend
                );
            }
        }
        // An order's fields and lines, changed at once by single changes and bulk calls.
        let order = json!({"order_id": "RACE-1", "customer_id": RM_PARTY,
                           "ordered_at": "2026-03-01", "lines": [{"amount": "1.00"}]});
        create(&s, "/api/v1/orders", Manager, order).await;
        for round in 0..4 {
            let channel = json!(format!("channel {round}"));
            let at = json!(format!("2026-03-0{}T00:00:00Z", round + 2));
            let lines = json!([{"line": 1, "sku": null, "quantity": round + 1, "amount": "2.00"}]);
            let reqs = [
                s.patch(
                    "/api/v1/orders/RACE-1",
                    Manager,
                    json!({"channel": channel}),
                ),
                s.post(
                    "/api/v1/orders/bulk",
                    Manager,
                    json!({"items": [{"order_id": "RACE-1", "ordered_at": at}]}),
                ),
                s.post(
                    "/api/v1/orders/bulk",
                    Manager,
                    json!({"items": [{"order_id": "RACE-1", "lines": lines}]}),
                ),
            ];
            let tasks: Vec<_> = reqs.into_iter().map(|r| tokio::spawn(call(r))).collect();
            for t in tasks {
                let r = t.await.expect("task");
                assert_eq!(r.status, 200, "{}", r.text);
            }
            let got = call(s.get("/api/v1/orders/RACE-1", Viewer)).await.body;
            assert_eq!(
                (&got["channel"], &got["ordered_at"], &got["lines"]),
                (&channel, &at, &lines),
                "{:?} round {round}",
                s.db.backend
            );
        }
        s.stop().await;
    }
}

/// The Location of a record whose key holds a '/' pointed at a path no route serves (the '/'
/// was left unencoded), so following it gave 404.
#[tokio::test]
async fn regression_the_location_of_a_key_with_a_slash_was_not_found() {
    for s in servers().await {
        for key in ["a/b", "a/../b", "a?b#c d%", "ü-1", "a+b", "a%2Fb"] {
            let r = call(s.post(
                "/api/v1/parties",
                Manager,
                json!({"external_id": key, "name": "Slash AG"}),
            ))
            .await;
            assert_eq!(r.status, 201, "{key}: {}", r.text);
            let location = r.header("location").to_string();
            let got = call(s.get(&location, Viewer)).await;
            assert_eq!(got.status, 200, "{key}: {location}");
            assert_eq!(got.body["external_id"], key);
            let r = call(s.patch(&location, Manager, json!({"city": "Wien"}))).await;
            assert_eq!(r.body["city"], "Wien", "{key}: {location}");
            let r = call(s.delete(&location, Manager)).await;
            assert_eq!(r.status, 204, "{key}: {location}");
        }
        s.stop().await;
    }
}
