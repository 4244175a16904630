//! Scores in the party 360: null before the first run, then the latest run's health with its
//! explained components and class, and the history of runs.

use super::*;

#[tokio::test]
async fn the_360_carries_the_latest_scores_with_their_reasons_and_history() {
    for server in servers().await {
        let path = format!("/api/v1/parties/{RM_PARTY}/360");
        let before = call(server.get(&path, Viewer)).await;
        assert_eq!(before.status, 200);
        assert!(before.body["scores"].is_null(), "{}", before.body);

        support::seed_orders_and_score(&server).await;
        let r = call(server.get(&path, Agent)).await;
        assert_eq!(r.status, 200);
        let latest = &r.body["scores"]["latest"];
        let health = latest["health"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&health), "{latest}");
        assert!(
            ["grow", "maintain", "repair", "at_risk", "churned"]
                .contains(&latest["class"].as_str().unwrap())
        );
        assert!(!latest["class_reasons"].as_array().unwrap().is_empty());
        let components = latest["health_components"]["components"]
            .as_array()
            .unwrap();
        assert_eq!(components.len(), 5);
        for c in components {
            for reason in c["reasons"].as_array().unwrap() {
                assert!(
                    reason["code"].is_string() && reason["text"].is_string(),
                    "{c}"
                );
            }
        }
        assert!(
            latest["p_alive"]
                .as_f64()
                .is_some_and(|p| (0.0..=1.0).contains(&p))
        );
        assert_eq!(latest["currency"], "EUR");
        assert_eq!(r.body["scores"]["history"].as_array().unwrap().len(), 1);
        assert_eq!(r.body["scores"]["history"][0]["as_of"], "2025-06-30");
        server.stop().await;
    }
}
