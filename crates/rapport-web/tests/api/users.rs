//! Users (admins only): added with a generated password shown once, roles changed at once, the last admin kept.

use super::*;

#[tokio::test]
async fn admins_add_users_with_a_generated_password_shown_once() {
    for s in servers().await {
        let r = call(s.post(
            "/api/v1/users",
            Admin,
            json!({"email": "new@test.example", "name": "New Person", "role": "agent"}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["role"], "agent");
        assert_eq!(r.body["locale"], "en");
        let password = r.body["password"].as_str().expect("password").to_string();
        assert!(password.chars().count() >= 12, "{password}");
        let user = rapport_app::signin::find_user(&s.store, s.org, "new@test.example")
            .await
            .unwrap();
        assert!(rapport_app::signin::check_password(
            user.as_ref(),
            &password
        ));

        let list = call(s.get("/api/v1/users", Admin)).await;
        assert!(list.text.contains("new@test.example"));
        assert!(!list.text.contains(&password) && !list.text.contains("argon2"));

        let r = call(s.post(
            "/api/v1/users",
            Admin,
            json!({"email": "chosen@test.example", "name": "Chosen", "role": "viewer", "locale": "de", "password": "a long enough secret"}),
        ))
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.body.get("password").is_none());

        for (body, field) in [
            (
                json!({"email": "x@test.example", "name": "X"}),
                Some("role"),
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": 1}),
                Some("role"),
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "agent", "admin": true}),
                Some("admin"),
            ),
            (
                json!({"email": "not-mail", "name": "X", "role": "agent"}),
                None,
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "overlord"}),
                None,
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "agent", "password": "short"}),
                None,
            ),
            (
                json!({"email": "x@test.example", "name": "X", "role": "agent", "locale": "tlh"}),
                None,
            ),
        ] {
            let r = call(s.post("/api/v1/users", Admin, body.clone())).await;
            assert_problem(&r, 422, field);
        }
        let r = call(s.post(
            "/api/v1/users",
            Admin,
            json!({"email": "new@test.example", "name": "Again", "role": "agent"}),
        ))
        .await;
        assert!(r.status == 409 || r.status == 422, "{}", r.text);
        assert_problem(&r, r.status, None);
        let list = call(s.get("/api/v1/users", Admin)).await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(7));
        s.stop().await;
    }
}

#[tokio::test]
async fn admins_change_roles_and_the_change_applies_at_once() {
    for s in servers().await {
        let path = format!("/api/v1/users/{}", email(Agent));
        let r = call(s.patch(
            &path,
            Admin,
            json!({"role": "viewer", "name": "Now Viewer"}),
        ))
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (r.body["role"].as_str(), r.body["name"].as_str()),
            (Some("viewer"), Some("Now Viewer"))
        );
        // The agent's token now carries a viewer's rights.
        refused(
            &s,
            s.post(
                "/api/v1/interactions",
                Agent,
                interaction(RM_PARTY, "2026-03-01T10:00:00Z", "x"),
            ),
            403,
            None,
        )
        .await;
        let r = call(s.patch(&path, Admin, json!({"disabled": true}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_problem(&call(s.get("/api/v1/me", Agent)).await, 401, None);

        let r = call(s.patch(
            "/api/v1/users/nobody@test.example",
            Admin,
            json!({"role": "viewer"}),
        ))
        .await;
        assert_problem(&r, 404, None);
        for (body, field) in [
            (json!({"role": 5}), "role"),
            (json!({"disabled": "yes"}), "disabled"),
            (json!({"email": "other@test.example"}), "email"),
            (json!({"password": "a long enough secret"}), "password"),
        ] {
            let r = call(s.patch(&path, Admin, body)).await;
            assert_problem(&r, 422, Some(field));
        }
        let r = call(s.patch(&path, Admin, json!({"role": "overlord"}))).await;
        assert_problem(&r, 422, None);
        s.stop().await;
    }
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    for s in servers().await {
        let admin = format!("/api/v1/users/{}", email(Admin));
        let manager = format!("/api/v1/users/{}", email(Manager));
        for body in [json!({"role": "manager"}), json!({"disabled": true})] {
            let r = call(s.patch(&admin, Admin, body)).await;
            assert_problem(&r, 422, None);
        }
        let me = call(s.get("/api/v1/me", Admin)).await;
        assert_eq!(
            (me.body["role"].as_str(), me.body["disabled"].as_bool()),
            (Some("admin"), Some(false))
        );
        // With a second admin, the first may be stepped down by the second.
        let r = call(s.patch(&manager, Admin, json!({"role": "admin"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call(s.patch(&admin, Manager, json!({"role": "manager"}))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_problem(&call(s.get("/api/v1/users", Admin)).await, 403, None);
        // And the one left cannot step down.
        let r = call(s.patch(&manager, Manager, json!({"role": "viewer"}))).await;
        assert_problem(&r, 422, None);
        let users = call(s.get("/api/v1/users", Manager)).await;
        let admins = users.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["role"] == "admin" && u["disabled"] == false)
            .count();
        assert_eq!(admins, 1);
        s.stop().await;
    }
}

#[tokio::test]
async fn only_admins_manage_users_and_tokens() {
    for s in servers().await {
        for role in [Manager, RelationshipManager, Agent, Viewer] {
            for (method, path) in [
                (Method::GET, "/api/v1/users".to_string()),
                (Method::POST, "/api/v1/users".to_string()),
                (Method::PATCH, format!("/api/v1/users/{}", email(role))),
                (Method::GET, "/api/v1/tokens".to_string()),
                (
                    Method::DELETE,
                    format!("/api/v1/tokens/{}", uuid::Uuid::nil()),
                ),
            ] {
                let body = json!({"email": "x@test.example", "name": "X", "role": "admin"});
                let r = call(s.req(method.clone(), &path, Some(role)).json(&body)).await;
                assert_problem(&r, 403, None);
            }
        }
        let me = call(s.get("/api/v1/me", Manager)).await;
        assert_eq!(me.body["role"], "manager");
        // The admin sees and revokes anyone's tokens.
        let all = call(s.get("/api/v1/tokens", Admin)).await;
        let items = all.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        let viewer_token = items
            .iter()
            .find(|t| t["user_email"] == email(Viewer))
            .unwrap();
        let r = call(s.delete(
            &format!("/api/v1/tokens/{}", viewer_token["id"].as_str().unwrap()),
            Admin,
        ))
        .await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_problem(&call(s.get("/api/v1/me", Viewer)).await, 401, None);
        s.stop().await;
    }
}
