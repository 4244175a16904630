//! Parties one by one: create, read by external id or id, change only the given fields, delete; conflicts and ownership.

use super::*;

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
