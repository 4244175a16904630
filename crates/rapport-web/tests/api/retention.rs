//! The retention endpoints: the top ten cancellation reasons with the CLV at stake from the
//! latest score run, the drill-down, buyer's remorse and the call list, and their refusals.

use super::*;
use chrono::{Days, Utc};
use rapport_app::import::{ImportKind, ImportOptions, NoProgress, import_file};

/// Contracts of the seeded customers: three cancelled for a price reason and one for
/// relocation in March 2025, one withdrawn after a long wait, and one of the relationship
/// manager's customer signed yesterday that nobody has called about.
async fn seed_contracts(server: &Server) {
    rapport_app::retention::install_defaults(&server.store, server.org, Utc::now())
        .await
        .expect("defaults");
    let yesterday = Utc::now().date_naive() - Days::new(1);
    let csv = format!(
        "external_id,party_external_id,value,currency,signed_at,withdrawal_deadline,delivery_due_at,delivered_at,status,cancelled_at,cancellation_reason\n\
         K1,{RM_PARTY},100.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-02,price_too_high\n\
         K2,{OTHER_PARTY},250.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-05,price_too_high\n\
         K3,S01,50.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-09,price_too_high\n\
         K4,S02,75.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-20,relocation\n\
         K5,S03,900.00,EUR,2024-05-01,2024-05-15,2024-09-01,,withdrawn,2024-05-10,changed_mind\n\
         K6,{RM_PARTY},120.00,EUR,{yesterday},{},{},,signed,,\n",
        yesterday + Days::new(14),
        yesterday + Days::new(60),
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("contracts.csv");
    std::fs::write(&path, csv).expect("write");
    let opts = ImportOptions::new(ImportKind::Contracts, Utc::now());
    let report = import_file(&server.store, server.org, &path, &opts, &NoProgress)
        .await
        .expect("import");
    assert_eq!(report.invalid_rows, 0, "{:?}", report.errors);
}

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
