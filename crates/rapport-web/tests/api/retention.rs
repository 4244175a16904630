//! The retention endpoints: the top ten cancellation reasons with the CLV at stake from the
//! latest score run, the drill-down, buyer's remorse and the call list, and their refusals.

use super::*;
use support::seed_contracts;

#[tokio::test]
async fn the_top_reasons_their_customers_and_the_remorse_reports() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        seed_contracts(&server).await;
        let march = "from=2025-03-01&to=2025-03-31";
        let r = call(server.get(&format!("/api/v1/retention/top-reasons?{march}"), Viewer)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["count"], 4);
        assert_eq!(r.body["previous"]["from"], "2025-01-29");
        assert_eq!(r.body["currency"], "EUR");
        assert_eq!(r.body["revenue_lost_minor"], 47_500);
        assert_eq!(r.body["score_run"]["as_of"], "2025-06-30");
        let reasons = r.body["reasons"].as_array().unwrap();
        assert_eq!(reasons.len(), 2);
        assert_eq!(reasons[0]["code"], "price_too_high");
        assert_eq!(reasons[0]["count"], 3);
        assert_eq!(reasons[0]["customers"], 3);
        assert_eq!(reasons[0]["revenue_lost_minor"], 40_000);
        assert!(
            reasons[0]["clv_at_stake"].as_f64().unwrap() > 0.0,
            "{}",
            r.text
        );
        assert_eq!(reasons[1]["code"], "relocation");
        assert_eq!(reasons[1]["cumulative_share"], 1.0);

        // Labels in the asked language; a relationship manager's own customers only.
        let de = call(server.get(
            &format!("/api/v1/retention/top-reasons?{march}&lang=de"),
            Viewer,
        ))
        .await;
        assert_eq!(de.body["reasons"][0]["label"], "Preis zu hoch");
        let mine = call(server.get(
            &format!("/api/v1/retention/top-reasons?{march}&owner=me"),
            RelationshipManager,
        ))
        .await;
        assert_eq!(mine.body["count"], 1, "{}", mine.text);

        let d = call(server.get(
            &format!("/api/v1/retention/top-reasons/price_too_high/contracts?{march}"),
            Viewer,
        ))
        .await;
        assert_eq!(d.status, 200, "{}", d.text);
        let ids: Vec<&str> = d.body["contracts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["contract_external_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["K2", "K1", "K3"], "most valuable first");
        let unknown = call(server.get(
            &format!("/api/v1/retention/top-reasons/nope/contracts?{march}"),
            Viewer,
        ))
        .await;
        assert_eq!(unknown.status, 404, "{}", unknown.text);

        let remorse = call(server.get(
            "/api/v1/retention/remorse?from=2024-01-01&to=2024-12-31",
            Viewer,
        ))
        .await;
        assert_eq!(remorse.status, 200, "{}", remorse.text);
        assert_eq!(remorse.body["overall"]["contracts"], 5);
        assert_eq!(remorse.body["overall"]["withdrawn"], 1);
        let longer = &remorse.body["by_gap"][3];
        assert_eq!(longer["gap_days"], "91+");
        assert_eq!(longer["withdrawn"], 1);

        let calls =
            call(server.get("/api/v1/retention/call-today?owner=me", RelationshipManager)).await;
        assert_eq!(calls.status, 200, "{}", calls.text);
        let list = calls.body["contracts"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["contract_external_id"], "K6");
        let others = call(server.get("/api/v1/retention/call-today?owner=me", Manager)).await;
        assert_eq!(others.body["contracts"].as_array().unwrap().len(), 0);
        server.stop().await;
    }
}

#[tokio::test]
async fn bad_report_parameters_are_refused_with_the_field_named() {
    for server in servers().await {
        for (path, field) in [
            ("/api/v1/retention/top-reasons?from=2025-13-01", "from"),
            (
                "/api/v1/retention/top-reasons?from=2025-03-31&to=2025-03-01",
                "to",
            ),
            ("/api/v1/retention/top-reasons?ended=sometimes", "ended"),
            ("/api/v1/retention/top-reasons?product=NOPE", "product"),
            ("/api/v1/retention/top-reasons?segment=champions", "segment"),
            (
                "/api/v1/retention/top-reasons?owner=nobody@example.com",
                "owner",
            ),
            ("/api/v1/retention/top-reasons?lang=xx", "lang"),
            ("/api/v1/retention/remorse?to=yesterday", "to"),
            (
                "/api/v1/retention/call-today?owner=nobody@example.com",
                "owner",
            ),
        ] {
            let r = call(server.get(path, Viewer)).await;
            assert_eq!(r.status, 400, "{path}: {}", r.text);
            let fields: Vec<&str> = r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|e| e["field"].as_str())
                .collect();
            assert!(fields.contains(&field), "{path}: {}", r.text);
        }
        let r = call(server.get("/api/v1/retention/top-reasons?color=red", Viewer)).await;
        assert_eq!(r.status, 400, "{}", r.text);
        server.stop().await;
    }
}

#[tokio::test]
async fn contract_events_follow_the_life_cycle_and_are_audited() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        seed_contracts(&server).await;
        let event = |key: &str, body: Value, role| {
            call(server.post(&format!("/api/v1/contracts/{key}/events"), role, body))
        };
        // The relationship manager's customer withdraws from the contract signed yesterday.
        let r = event(
            "K6",
            json!({"event": "withdraw", "reason": "changed_mind", "note": "Found the offer too rushed"}),
            RelationshipManager,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], "withdrawn");
        assert_eq!(r.body["cancellation_reason"], "changed_mind");
        // Nothing more happens to a withdrawn contract.
        let r = event("K6", json!({"event": "deliver"}), RelationshipManager).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "status");
        // Not their customer; not a role that writes contracts; no such contract.
        let r = event("K2", json!({"event": "expire"}), RelationshipManager).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = event("K4", json!({"event": "expire"}), Agent).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = event("K99", json!({"event": "expire"}), Manager).await;
        assert_eq!(r.status, 404, "{}", r.text);

        // A contract signed in January with a 14-day period: a withdrawal in February is late.
        let created = call(server.post(
            "/api/v1/contracts",
            Manager,
            json!({"external_id": "L1", "party_external_id": OTHER_PARTY, "value": "80.00",
                    "signed_at": "2026-01-01T10:00:00Z", "withdrawal_deadline": "2026-01-15T10:00:00Z"}),
        ))
        .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let late =
            json!({"event": "withdraw", "at": "2026-02-01T10:00:00Z", "reason": "changed_mind"});
        let r = event("L1", late.clone(), Manager).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "at");
        let mut overridden = late.clone();
        overridden["override_deadline"] = json!(true);
        let r = event("L1", overridden.clone(), Manager).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "note");
        for (body, field) in [
            (
                json!({"event": "withdraw", "reason": "no_such_reason"}),
                "reason",
            ),
            (
                json!({"event": "deliver", "reason": "changed_mind"}),
                "reason",
            ),
            (json!({"event": "cancel"}), "reason"),
            (json!({"event": "explode"}), "event"),
            (json!({"event": "deliver", "at": "yesterday"}), "at"),
            (json!({"event": "deliver", "color": "red"}), "color"),
            (
                json!({"event": "deliver", "at": "2025-12-01T00:00:00Z"}),
                "at",
            ),
        ] {
            let r = event("L1", body.clone(), Manager).await;
            assert_eq!(r.status, 422, "{body}: {}", r.text);
            let fields: Vec<&str> = r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|e| e["field"].as_str())
                .collect();
            assert!(fields.contains(&field), "{body}: {}", r.text);
        }
        let still = call(server.get("/api/v1/contracts/L1", Viewer)).await;
        assert_eq!(still.body["status"], "signed", "refusals change nothing");
        overridden["note"] = json!("Goodwill: the customer was in hospital");
        let r = event("L1", overridden, Manager).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["status"], "withdrawn");
        let audit = call(server.get("/api/v1/audit?entity=contracts", Admin)).await;
        assert!(audit.text.contains("withdraw_late"), "{}", audit.text);
        server.stop().await;
    }
}

#[tokio::test]
async fn admins_set_the_withdrawal_periods_new_contracts_get() {
    for server in servers().await {
        let r = call(server.get("/api/v1/settings/withdrawal-rules", Viewer)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["default"], true);
        assert_eq!(r.body["rules"]["default_days"], 14);
        let rules = json!({"default_days": 21, "categories": {"insurance": 30}, "products": {}});
        let r = call(
            server
                .req(
                    Method::PUT,
                    "/api/v1/settings/withdrawal-rules",
                    Some(Manager),
                )
                .json(&rules),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.text);
        let bad = json!({"default_days": 400, "categories": {"insurance": "a month"}});
        let r = call(
            server
                .req(
                    Method::PUT,
                    "/api/v1/settings/withdrawal-rules",
                    Some(Admin),
                )
                .json(&bad),
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.text);
        let r = call(
            server
                .req(
                    Method::PUT,
                    "/api/v1/settings/withdrawal-rules",
                    Some(Admin),
                )
                .json(&rules),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["default"], false);
        let created = call(server.post(
            "/api/v1/contracts",
            Manager,
            json!({"external_id": "N1", "party_external_id": OTHER_PARTY, "value": "10.00",
                    "signed_at": "2026-03-01T10:00:00Z"}),
        ))
        .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let deadline = created.body["withdrawal_deadline"].as_str().unwrap();
        assert!(deadline.starts_with("2026-03-22"), "{deadline}");
        let r = call(server.delete("/api/v1/settings/withdrawal-rules", Admin)).await;
        assert_eq!(r.body["default"], true);
        server.stop().await;
    }
}

#[tokio::test]
async fn the_winback_lists_their_csv_and_saved_filters() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        let r = call(server.get("/api/v1/retention/at-risk?limit=500", Viewer)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let total = r.body["total"].as_i64().unwrap();
        assert!(total > 0, "the score run built the list: {}", r.text);
        assert!(!r.body["refreshed_at"].is_null());
        let values: Vec<f64> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["value"].as_f64().unwrap())
            .collect();
        assert!(
            values.windows(2).all(|w| w[0] >= w[1]),
            "most valuable first"
        );
        let churned = call(server.get("/api/v1/retention/churned", Viewer)).await;
        assert_eq!(churned.status, 200, "{}", churned.text);
        let csv = call(server.get("/api/v1/retention/at-risk.csv", RelationshipManager)).await;
        assert_eq!(csv.status, 200);
        assert!(csv.text.starts_with("external_id,name,email,phone,value,"));
        assert_eq!(csv.text.lines().count() as i64, total + 1);
        let r = call(server.get("/api/v1/retention/at-risk.csv", Agent)).await;
        assert_eq!(r.status, 403, "agents do not export");
        let r = call(server.get("/api/v1/retention/at-risk?min_value=lots", Viewer)).await;
        assert_eq!(r.status, 400, "{}", r.text);
        let r = call(server.post("/api/v1/retention/refresh", Viewer, json!({}))).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = call(server.post("/api/v1/retention/refresh", Manager, json!({}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["at_risk"].as_i64().unwrap(), total);

        // Saved filters belong to their user.
        let body =
            json!({"list": "at_risk", "name": "Big ones", "query": "min_value=100&owner=me"});
        let saved = call(server.post(
            "/api/v1/retention/saved-filters",
            RelationshipManager,
            body.clone(),
        ))
        .await;
        assert_eq!(saved.status, 201, "{}", saved.text);
        let again =
            call(server.post("/api/v1/retention/saved-filters", RelationshipManager, body)).await;
        assert_eq!(again.status, 409, "{}", again.text);
        for (bad, field) in [
            (json!({"list": "vip", "name": "x", "query": ""}), "list"),
            (json!({"list": "churned", "name": "", "query": ""}), "name"),
            (
                json!({"list": "churned", "name": "x", "query": "sort=name"}),
                "query",
            ),
        ] {
            let r = call(server.post("/api/v1/retention/saved-filters", Viewer, bad.clone())).await;
            assert_eq!(r.status, 422, "{bad}: {}", r.text);
            assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
        }
        let mine = call(server.get("/api/v1/retention/saved-filters", RelationshipManager)).await;
        assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
        let theirs = call(server.get("/api/v1/retention/saved-filters", Manager)).await;
        assert!(theirs.body["items"].as_array().unwrap().is_empty());
        let id = saved.body["id"].as_str().unwrap();
        let r =
            call(server.delete(&format!("/api/v1/retention/saved-filters/{id}"), Manager)).await;
        assert_eq!(r.status, 404, "not theirs to remove");
        let r = call(server.delete(
            &format!("/api/v1/retention/saved-filters/{id}"),
            RelationshipManager,
        ))
        .await;
        assert_eq!(r.status, 204, "{}", r.text);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_winback_campaign_runs_with_a_control_group_and_counts_each_outcome_once() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        let at_risk = call(server.get("/api/v1/retention/at-risk?limit=1", Viewer)).await;
        let total = at_risk.body["total"].as_i64().unwrap();
        assert!(total >= 4, "{}", at_risk.text);
        let body = json!({"name": "Autumn win-back", "list": "at_risk", "control_share": 0.5,
                          "offers": {"*": "Personal call from the manager"}, "cost": "120.00", "due_days": 7});
        let r = call(server.post("/api/v1/campaigns", RelationshipManager, body.clone())).await;
        assert_eq!(r.status, 403, "managers run campaigns: {}", r.text);
        let r = call(server.post("/api/v1/campaigns", Manager, body.clone())).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let (treated, control) = (
            r.body["treatment"].as_i64().unwrap(),
            r.body["control"].as_i64().unwrap(),
        );
        assert_eq!(treated + control, total);
        assert!(treated > 0 && control > 0, "{}", r.text);
        let again = call(server.post("/api/v1/campaigns", Manager, body)).await;
        assert_eq!(again.status, 409, "{}", again.text);
        let empty = call(server.post(
            "/api/v1/campaigns",
            Manager,
            json!({"name": "Nobody", "list": "at_risk", "query": "q=no-such-customer"}),
        ))
        .await;
        assert_eq!(empty.status, 422, "{}", empty.text);
        assert_eq!(empty.body["errors"][0]["field"], "list");

        let member = |arm: &str| {
            let server = &server;
            let arm = arm.to_string();
            async move {
                let r = call(server.get(
                    &format!("/api/v1/campaigns/Autumn%20win-back/members?arm={arm}&limit=1"),
                    Viewer,
                ))
                .await;
                assert_eq!(r.status, 200, "{}", r.text);
                r.body["items"][0].clone()
            }
        };
        let treated_one = member("treatment").await;
        assert_eq!(treated_one["offer"], "Personal call from the manager");
        assert!(!treated_one["due_on"].is_null());
        let control_one = member("control").await;
        let key = |m: &Value| m["external_id"].as_str().unwrap().to_string();
        let attempt = |party: String, outcome: &str| json!({"party": party, "outcome": outcome, "note": "called"});
        let path = "/api/v1/campaigns/Autumn%20win-back/attempts";
        let r = call(server.post(path, Viewer, attempt(key(&treated_one), "no_answer"))).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = call(server.post(path, Agent, attempt(key(&treated_one), "no_answer"))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let r = call(server.post(path, Agent, attempt(key(&treated_one), "won_back"))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let dup = call(server.post(path, Agent, attempt(key(&treated_one), "declined"))).await;
        assert_eq!(dup.status, 409, "one outcome per customer: {}", dup.text);
        let r = call(server.post(path, Agent, attempt(key(&control_one), "won_back"))).await;
        assert_eq!(
            r.status, 422,
            "the control group is not contacted: {}",
            r.text
        );
        let r = call(server.post(path, Agent, attempt("NOPE".into(), "won_back"))).await;
        assert_eq!(r.status, 404, "{}", r.text);
        let r = call(server.post(
            path,
            Agent,
            json!({"party": key(&treated_one), "outcome": "maybe"}),
        ))
        .await;
        assert_eq!(r.status, 422, "{}", r.text);

        let result = call(server.get("/api/v1/campaigns/Autumn%20win-back", Viewer)).await;
        assert_eq!(result.status, 200, "{}", result.text);
        let o = &result.body["overall"];
        assert_eq!(o["treated"].as_i64().unwrap(), treated);
        assert_eq!(o["control"].as_i64().unwrap(), control);
        assert_eq!(o["recorded"]["won_back"], 1);
        assert_eq!(o["cost"], "120.00");
        assert!(o["lift"]["low"].as_f64().unwrap() <= o["lift"]["high"].as_f64().unwrap());

        // The treated customers' tasks are on the assignees' lists.
        let tasks = call(server.get("/api/v1/tasks?limit=200", Manager)).await;
        assert!(tasks.text.contains("Win back"), "{}", tasks.text);
        let csv =
            call(server.get("/api/v1/campaigns/Autumn%20win-back/members.csv", Manager)).await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.text.lines().count() as i64, total + 1);

        // A saved filter is a target too: its list and filters are the campaign's.
        let saved = call(server.post(
            "/api/v1/retention/saved-filters",
            Manager,
            json!({"list": "at_risk", "name": "All at risk", "query": ""}),
        ))
        .await;
        let id = saved.body["id"].as_str().unwrap().to_string();
        let r = call(server.post(
            "/api/v1/campaigns",
            Manager,
            json!({"name": "From a filter", "saved_filter": id}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["campaign"]["list"], "at_risk");
        let r = call(server.post(
            "/api/v1/campaigns",
            Admin,
            json!({"name": "Not theirs", "saved_filter": id}),
        ))
        .await;
        assert_eq!(r.status, 422, "another user's saved filter: {}", r.text);

        let closed = call(server.post(
            "/api/v1/campaigns/Autumn%20win-back/close",
            Manager,
            json!({}),
        ))
        .await;
        assert_eq!(closed.status, 200, "{}", closed.text);
        assert_eq!(closed.body["status"], "closed");
        let r = call(server.post(path, Agent, attempt(key(&treated_one), "no_answer"))).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let r = call(server.post(
            "/api/v1/campaigns/Autumn%20win-back/close",
            Manager,
            json!({}),
        ))
        .await;
        assert_eq!(r.status, 409, "{}", r.text);
        server.stop().await;
    }
}

#[tokio::test]
async fn admins_set_where_the_winback_lists_draw_their_lines() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        let path = "/api/v1/settings/winback-thresholds";
        let r = call(server.get(path, Viewer)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["default"], true);
        assert_eq!(r.body["thresholds"]["p_alive"], 0.3);
        let before = call(server.get("/api/v1/retention/at-risk?limit=1", Viewer))
            .await
            .body["total"]
            .as_i64()
            .unwrap();
        let mut wide = r.body["thresholds"].clone();
        wide["p_alive"] = json!(0.999);
        let r = call(server.req(Method::PUT, path, Some(Manager)).json(&wide)).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let mut bad = wide.clone();
        bad["quiet_days"] = json!(2.5);
        let r = call(server.req(Method::PUT, path, Some(Admin)).json(&bad)).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "quiet_days");
        let r = call(server.req(Method::PUT, path, Some(Admin)).json(&wide)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["default"], false);
        call(server.post("/api/v1/retention/refresh", Manager, json!({}))).await;
        let after = call(server.get("/api/v1/retention/at-risk?limit=1", Viewer))
            .await
            .body["total"]
            .as_i64()
            .unwrap();
        assert!(
            after > before,
            "a higher P(alive) line puts more customers at risk: {before} -> {after}"
        );
        let r = call(server.delete(path, Admin)).await;
        assert_eq!(r.body["default"], true);
        server.stop().await;
    }
}
