//! The portfolio and insight endpoints: absent before the first score run, then the latest
//! run's customers filtered, sorted and paged; needs attention; the segment overview; the
//! acquisition insights as JSON and, for roles that may export, as CSV.

use super::*;

fn field_names(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn portfolio_lists_filter_sort_and_page_the_latest_run() {
    for server in servers().await {
        for path in [
            "/api/v1/portfolio",
            "/api/v1/insights/needs-attention",
            "/api/v1/insights/segments",
            "/api/v1/insights/acquisition",
        ] {
            let r = call(server.get(path, Viewer)).await;
            assert_eq!(r.status, 404, "{path}: {}", r.text);
            assert!(r.body["detail"].as_str().unwrap().contains("no score run"));
        }

        support::seed_orders_and_score(&server).await;
        let first = call(server.get("/api/v1/portfolio?limit=50", Viewer)).await;
        assert_eq!(first.status, 200, "{}", first.text);
        let total = first.body["total"].as_i64().unwrap();
        assert_eq!(total, 82);
        assert_eq!(first.body["run"]["as_of"], "2025-06-30");
        assert_eq!(first.body["next_offset"], 50);
        let second = call(server.get("/api/v1/portfolio?limit=50&offset=50", Viewer)).await;
        assert!(second.body["next_offset"].is_null());
        let items: Vec<&Value> = first.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .chain(second.body["items"].as_array().unwrap())
            .collect();
        assert_eq!(items.len(), 82);
        let healths: Vec<f64> = items
            .iter()
            .map(|i| i["health"].as_f64().unwrap())
            .collect();
        assert!(healths.windows(2).all(|w| w[0] <= w[1]), "{healths:?}");

        // The relationship manager's own parties; another user's by e-mail.
        let mine = call(server.get("/api/v1/portfolio?owner=me", RelationshipManager)).await;
        let ids: Vec<&str> = mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["party"]["external_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [RM_PARTY]);
        assert_eq!(
            mine.body["items"][0]["party"]["owner_email"],
            email(RelationshipManager)
        );
        let theirs = call(server.get(
            &format!("/api/v1/portfolio?owner={}", email(Manager)),
            Agent,
        ))
        .await;
        assert_eq!(theirs.body["items"][0]["party"]["external_id"], OTHER_PARTY);

        // Sorted by CLV, highest first, only one class.
        let class = items[0]["class"].as_str().unwrap();
        let by_clv = call(server.get(
            &format!("/api/v1/portfolio?sort=-clv&class={class}&limit=500"),
            Viewer,
        ))
        .await;
        let clvs: Vec<f64> = by_clv.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert_eq!(i["class"], class);
                i["clv_12m"].as_f64().unwrap()
            })
            .collect();
        assert!(!clvs.is_empty());
        assert!(clvs.windows(2).all(|w| w[0] >= w[1]), "{clvs:?}");
        assert_eq!(
            by_clv.body["total"].as_u64().unwrap() as usize,
            items.iter().filter(|i| i["class"] == class).count()
        );

        // Bad filters are named, field by field.
        let bad = call(server.get(
            "/api/v1/portfolio?class=vip&min_health=abc&sort=age&owner=nobody@example.com",
            Viewer,
        ))
        .await;
        assert_eq!(bad.status, 400, "{}", bad.text);
        let mut fields = field_names(&bad.body);
        fields.sort();
        assert_eq!(fields, ["class", "min_health", "owner", "sort"]);
        let unknown = call(server.get("/api/v1/portfolio?colour=red", Viewer)).await;
        assert_eq!(field_names(&unknown.body), ["colour"]);

        // One run: nothing to compare with, so nobody needs attention yet.
        let attention = call(server.get("/api/v1/insights/needs-attention", Agent)).await;
        assert_eq!(attention.status, 200, "{}", attention.text);
        assert_eq!(attention.body["total"], 0);

        let segments = call(server.get("/api/v1/insights/segments", Viewer)).await;
        assert_eq!(segments.status, 200);
        let sum: u64 = segments.body["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["customers"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, 82);
        assert_eq!(segments.body["grid"].as_array().unwrap().len(), 25);

        let acquisition = call(server.get("/api/v1/insights/acquisition", Agent)).await;
        assert_eq!(acquisition.status, 200);
        assert_eq!(acquisition.body["value_measure"], "clv");
        assert_eq!(acquisition.body["top_decile"]["customers"], 9);
        assert_eq!(acquisition.body["dimensions"].as_array().unwrap().len(), 5);

        // The CSV is an export: managers yes, agents and viewers no.
        let csv = call(server.get("/api/v1/insights/acquisition.csv", Manager)).await;
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").starts_with("text/csv"));
        assert!(
            csv.header("content-disposition")
                .contains("acquisition-2025-06-30.csv")
        );
        assert!(
            csv.text.starts_with("dimension,value,customers,"),
            "{}",
            csv.text
        );
        assert!(csv.text.contains("\ncohort,2024-Q1,"), "{}", csv.text);
        for role in [Agent, Viewer] {
            let r = call(server.get("/api/v1/insights/acquisition.csv", role)).await;
            assert_eq!(r.status, 403, "{role:?}");
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn admins_set_the_health_weights_the_next_score_run_uses() {
    for server in servers().await {
        let path = "/api/v1/settings/health-weights";
        let r = call(server.get(path, Viewer)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["default"], true);
        assert_eq!(r.body["weights"]["vitality"], 0.3);

        let put = |role, body: Value| server.req(Method::PUT, path, Some(role)).json(&body);
        let weights = json!({"vitality": 50, "value": 20, "engagement": 10, "satisfaction": 10, "friction": 10});
        let refused = call(put(Manager, weights.clone())).await;
        assert_eq!(refused.status, 403);
        let bad = call(put(
            Admin,
            json!({"vitality": "lots", "value": -1, "engagement": 10, "satisfaction": 10, "colour": 1}),
        ))
        .await;
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert_eq!(field_names(&bad.body), ["colour"]);
        let bad = call(put(
            Admin,
            json!({"vitality": "lots", "value": -1, "engagement": 10, "satisfaction": 10}),
        ))
        .await;
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert_eq!(field_names(&bad.body), ["vitality", "value", "friction"]);
        let unchanged = call(server.get(path, Viewer)).await;
        assert_eq!(unchanged.body["default"], true);

        let ok = call(put(Admin, weights)).await;
        assert_eq!(ok.status, 200, "{}", ok.text);
        assert_eq!(ok.body["default"], false);
        assert_eq!(ok.body["weights"]["vitality"], 0.5);
        assert!(ok.body["updated_at"].is_string());

        // The next score run weighs with them, and says so in its fit.
        support::seed_orders_and_score(&server).await;
        let mut tx = server.store.begin_read(server.org).await.unwrap();
        let run = tx.score_runs(1).await.unwrap().remove(0);
        tx.rollback().await.unwrap();
        assert_eq!(run.fit["weights"]["vitality"], 0.5, "{}", run.fit);

        let audit = call(server.get("/api/v1/audit?entity=org_settings", Admin)).await;
        let entries = audit.body["items"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["after"]["weights"]["vitality"], 0.5);
        assert_eq!(entries[0]["before"]["default"], true);

        let reset = call(server.delete(path, Admin)).await;
        assert_eq!(reset.status, 200);
        assert_eq!(reset.body["default"], true);
        server.stop().await;
    }
}
