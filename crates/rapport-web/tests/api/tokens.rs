//! Personal API tokens: created once with their secret, authenticating until revoked; unknown credentials get 401.

use super::*;

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
