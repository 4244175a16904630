//! Interactions, cases and surveys by role (the relationship manager, the agent, the viewer) and the party 360.

use super::*;

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
