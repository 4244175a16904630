//! The audit log: API writes with source, user and before/after; admins only.

use super::*;

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
