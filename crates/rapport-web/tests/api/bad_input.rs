//! Bad input: refused by name with a problem document, never a server error, nothing half-written.

use super::*;

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
