//! The UI's security over plain HTTP: the session cookie's flags, CSRF on every changing form,
//! sign-in throttling per account and per address, signing out, the language switch, and
//! text shown escaped.

mod support;

use rapport_domain::UserRole;
use rapport_web::Settings;
use support::{PASSWORD, RM_PARTY, Server, email, servers, servers_with};

struct Browser {
    client: reqwest::Client,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap(),
        }
    }

    /// The signed-out CSRF value the login page hands out.
    async fn login_csrf(&self, server: &Server) -> String {
        let page = self.client.get(server.url("/login")).send().await.unwrap();
        let cookie = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("rapport_csrf="))
            .map(str::to_string);
        let html = page.text().await.unwrap();
        let value = hidden(&html, "_csrf");
        if let Some(c) = cookie {
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict"),
                "{c}"
            );
        }
        value
    }

    async fn sign_in(&self, server: &Server, who: &str, password: &str) -> reqwest::Response {
        let csrf = self.login_csrf(server).await;
        self.client
            .post(server.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", who),
                ("password", password),
                ("next", "/parties"),
            ])
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, server: &Server, path: &str) -> (u16, String) {
        let r = self.client.get(server.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

/// The value of the first hidden input called `name`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .expect("hidden field");
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn signing_in_sets_a_safe_session_cookie_and_signing_out_ends_it() {
    for server in servers().await {
        let b = Browser::new();
        // E-mails are matched regardless of case.
        let upper = Browser::new()
            .sign_in(&server, &email(UserRole::Manager).to_uppercase(), PASSWORD)
            .await;
        assert_eq!(upper.status(), 303);
        let resp = b
            .sign_in(&server, &email(UserRole::Manager), PASSWORD)
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(resp.headers()["location"], "/parties");
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("rapport_session="))
            .expect("session cookie")
            .to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
        let (status, html) = b.page(&server, "/parties").await;
        assert_eq!(status, 200);
        assert!(html.contains("Rapport Mine GmbH"));
        let csrf = hidden(&html, "_csrf");
        let out = b
            .client
            .post(server.url("/logout"))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 303);
        let (status, _) = b.page(&server, "/parties").await;
        assert_eq!(status, 303, "signed out: sent to the login page");
        server.stop().await;
    }
}

#[tokio::test]
async fn cookies_are_secure_behind_tls() {
    let settings = Settings {
        public_url: Some("https://crm.example.com".into()),
        ..Settings::default()
    };
    for server in servers_with(settings).await {
        let resp = Browser::new()
            .sign_in(&server, &email(UserRole::Viewer), PASSWORD)
            .await;
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.contains("; Secure"), "{cookie}");
        server.stop().await;
    }
}

#[tokio::test]
async fn every_changing_form_needs_the_csrf_token() {
    for server in servers().await {
        let b = Browser::new();
        // Signed out: the sign-in form without the double-submit value is refused.
        let r = b
            .client
            .post(server.url("/login"))
            .form(&[
                ("email", email(UserRole::Admin)),
                ("password", PASSWORD.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        b.sign_in(&server, &email(UserRole::RelationshipManager), PASSWORD)
            .await;
        let (_, html) = b.page(&server, &format!("/parties/{RM_PARTY}")).await;
        let csrf = hidden(&html, "_csrf");
        let count = || async {
            let mut tx = server.store.begin_read(server.org).await.unwrap();
            let n = tx
                .count(&rapport_store::schema::INTERACTIONS)
                .await
                .unwrap();
            tx.rollback().await.unwrap();
            n
        };
        let before = count().await;
        let form = |token: &str| {
            vec![
                ("_csrf", token.to_string()),
                ("channel", "call".to_string()),
                ("direction", "inbound".to_string()),
                ("occurred_at", "2026-01-02T10:00".to_string()),
                ("subject", "<script>alert('x')</script>".to_string()),
            ]
        };
        let path = server.url(&format!("/parties/{RM_PARTY}/interactions"));
        for bad in ["", "forged"] {
            let r = b.client.post(&path).form(&form(bad)).send().await.unwrap();
            assert_eq!(r.status(), 403, "csrf {bad:?}");
        }
        let r = b
            .client
            .post(&path)
            .form(&[("channel", "call")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "no token at all");
        assert_eq!(count().await, before, "nothing written without the token");
        let r = b
            .client
            .post(&path)
            .form(&form(&csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(count().await, before + 1);
        // The header works for htmx requests.
        let r = b
            .client
            .post(&path)
            .header("x-csrf-token", &csrf)
            .form(&form("")[1..])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, page) = b.page(&server, &format!("/parties/{RM_PARTY}")).await;
        assert!(
            page.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
            "escaped"
        );
        assert!(!page.contains("<script>alert("));
        server.stop().await;
    }
}

#[tokio::test]
async fn sign_ins_are_throttled_per_account_and_per_address() {
    let settings = Settings {
        login_attempts_per_account: 3,
        login_attempts_per_address: 6,
        ..Settings::default()
    };
    for server in servers_with(settings).await {
        let b = Browser::new();
        let victim = email(UserRole::Admin);
        for _ in 0..3 {
            let r = b.sign_in(&server, &victim, "wrong password!").await;
            assert_eq!(r.status(), 422);
        }
        let r = b.sign_in(&server, &victim, PASSWORD).await;
        assert_eq!(r.status(), 429, "locked even with the right password");
        // Other accounts from the same address still work, until the address limit.
        let r = Browser::new()
            .sign_in(&server, &email(UserRole::Viewer), PASSWORD)
            .await;
        assert_eq!(r.status(), 303);
        for _ in 0..3 {
            b.sign_in(&server, &email(UserRole::Agent), "wrong password!")
                .await;
        }
        let r = Browser::new()
            .sign_in(&server, &email(UserRole::Manager), PASSWORD)
            .await;
        assert_eq!(r.status(), 429, "the address is locked");
        server.stop().await;
    }
}

#[tokio::test]
async fn the_language_switch_translates_the_pages() {
    for server in servers().await {
        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::Manager), PASSWORD)
            .await;
        let (_, html) = b.page(&server, "/parties").await;
        assert!(html.contains("<html lang=\"en\">"));
        let csrf = hidden(&html, "_csrf");
        for (lang, word) in [
            ("de", "Übersicht"),
            ("el", "Σύνδεση"),
            ("fr", "Tableau de bord"),
        ] {
            let r = b
                .client
                .post(server.url("/language"))
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("lang", lang),
                    ("next", "/parties"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
            let path = if lang == "el" { "/login" } else { "/parties" };
            let (_, html) = if lang == "el" {
                // Signed out pages follow the cookie too.
                let fresh = Browser::new();
                let r = fresh
                    .client
                    .get(server.url(path))
                    .header("cookie", "rapport_lang=el")
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            } else {
                b.page(&server, path).await
            };
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
            assert!(html.contains(word), "{lang}: {word}");
        }
        // The browser's language decides for a first visit.
        let r = Browser::new()
            .client
            .get(server.url("/login"))
            .header("accept-language", "de-CH,de;q=0.9,en;q=0.5")
            .send()
            .await
            .unwrap();
        assert!(r.text().await.unwrap().contains("<html lang=\"de\">"));
        server.stop().await;
    }
}

#[tokio::test]
async fn pages_refuse_what_the_role_may_not_do() {
    for server in servers().await {
        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::Viewer), PASSWORD).await;
        let (status, html) = b.page(&server, "/parties/new").await;
        assert_eq!(status, 403);
        assert!(html.contains("id=\"message\""));
        let (status, html) = b.page(&server, &format!("/parties/{RM_PARTY}")).await;
        assert_eq!(status, 200);
        assert!(
            !html.contains("id=\"interaction-form\""),
            "a viewer gets no logging form"
        );
        let (status, _) = b.page(&server, "/admin/users").await;
        assert_eq!(status, 403);
        server.stop().await;
    }
}

#[tokio::test]
async fn the_party_page_explains_health_in_the_readers_language() {
    for server in servers().await {
        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::Manager), PASSWORD)
            .await;
        let path = format!("/parties/{RM_PARTY}");
        let (_, html) = b.page(&server, &path).await;
        assert!(
            !html.contains("id=\"health\""),
            "no panel before a score run"
        );

        support::seed_orders_and_score(&server).await;
        let (status, html) = b.page(&server, &path).await;
        assert_eq!(status, 200);
        assert!(html.contains("Relationship health"), "{html}");
        assert!(html.contains("id=\"health-score\""));
        assert_eq!(
            html.matches("<th scope=\"row\">").count(),
            5,
            "five components"
        );
        let csrf = hidden(&html, "_csrf");
        b.client
            .post(server.url("/language"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("lang", "de"),
                ("next", "/parties"),
            ])
            .send()
            .await
            .unwrap();
        let (_, html) = b.page(&server, &path).await;
        assert!(html.contains("Beziehungsqualität"), "German heading");
        assert!(!html.contains("Relationship health"));
        // The reasons are German sentences, not the stored English ones.
        let reasons = html
            .split("id=\"class-reasons\">")
            .nth(1)
            .and_then(|rest| rest.split("</ul>").next())
            .unwrap_or_default()
            .to_string();
        assert!(reasons.contains("<li>"), "{reasons}");
        server.stop().await;
    }
}

#[tokio::test]
async fn the_portfolio_and_insight_pages_show_the_latest_run() {
    for server in servers().await {
        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::RelationshipManager), PASSWORD)
            .await;
        let (status, html) = b.page(&server, "/portfolio").await;
        assert_eq!(status, 200);
        assert!(html.contains("No scores yet"), "{html}");

        support::seed_orders_and_score(&server).await;
        let (status, html) = b.page(&server, "/portfolio").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"portfolio-table\""), "{html}");
        assert!(html.contains("<strong>82</strong> customers"), "{html}");
        assert_eq!(
            html.matches("<tr>").count(),
            51,
            "a header and 50 customers"
        );
        assert!(html.contains("id=\"portfolio-next\""));
        // Page two keeps the filters and holds the remaining 32.
        let (_, html) = b.page(&server, "/portfolio?q=&sort=-clv&offset=50").await;
        assert_eq!(html.matches("<tr>").count(), 33);
        assert!(html.contains("id=\"portfolio-prev\""));
        // Mine: the relationship manager owns one scored party.
        let (_, html) = b.page(&server, "/portfolio?mine=1").await;
        assert!(html.contains("<strong>1</strong> customers"), "{html}");
        assert!(html.contains(&format!("/parties/{RM_PARTY}")));
        // A bad filter is said, the rest still applies.
        let (status, html) = b.page(&server, "/portfolio?class=vip&mine=1").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"portfolio-errors\""), "{html}");
        assert!(html.contains("<strong>1</strong> customers"));

        let (_, html) = b.page(&server, "/").await;
        assert!(
            html.contains("class=\"stat card\" href=\"/attention\""),
            "{html}"
        );
        let (_, html) = b.page(&server, "/attention").await;
        assert!(
            html.contains("Nobody&#39;s health fell") || html.contains("Nobody's health fell"),
            "{html}"
        );

        let (status, html) = b.page(&server, "/insights/segments").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"segments-table\""));
        assert_eq!(
            html.matches("class=\"chart-cell\"").count(),
            25,
            "the RFM grid"
        );
        assert!(html.contains("Champions"));

        let (status, html) = b.page(&server, "/insights/acquisition").await;
        assert_eq!(status, 200);
        for d in ["channel", "segment", "industry", "country", "cohort"] {
            assert!(html.contains(&format!("id=\"dimension-{d}\"")), "{d}");
        }
        assert!(html.contains("id=\"top-decile-table\""));
        assert!(html.contains("2024-Q1"), "cohorts by quarter");
        // Relationship managers may export; the link and the file are there.
        assert!(html.contains("id=\"acquisition-csv\""));
        let csv = b
            .client
            .get(server.url("/insights/acquisition.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        assert!(
            csv.text()
                .await
                .unwrap()
                .starts_with("dimension,value,customers,")
        );

        // Agents read the insights but do not export.
        let agent = Browser::new();
        agent
            .sign_in(&server, &email(UserRole::Agent), PASSWORD)
            .await;
        let (_, html) = agent.page(&server, "/insights/acquisition").await;
        assert!(!html.contains("id=\"acquisition-csv\""));
        let (status, _) = agent.page(&server, "/insights/acquisition.csv").await;
        assert_eq!(status, 403);

        // German.
        let (_, html) = b.page(&server, "/insights/segments").await;
        let csrf = hidden(&html, "_csrf");
        b.client
            .post(server.url("/language"))
            .form(&[("_csrf", csrf.as_str()), ("lang", "de"), ("next", "/")])
            .send()
            .await
            .unwrap();
        let (_, html) = b.page(&server, "/insights/acquisition").await;
        assert!(html.contains("Kundengewinnung"), "{html}");
        assert!(html.contains("Das wertvollste Zehntel"));
        server.stop().await;
    }
}

#[tokio::test]
async fn admins_change_the_health_weights_on_the_scoring_page() {
    for server in servers().await {
        let manager = Browser::new();
        manager
            .sign_in(&server, &email(UserRole::Manager), PASSWORD)
            .await;
        let (status, _) = manager.page(&server, "/admin/scoring").await;
        assert_eq!(status, 403);

        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::Admin), PASSWORD).await;
        let (status, html) = b.page(&server, "/admin/scoring").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Rapport&#39;s defaults apply")
                || html.contains("Rapport's defaults apply"),
            "{html}"
        );
        assert!(
            html.contains("name=\"vitality\" type=\"number\" value=\"30\""),
            "{html}"
        );
        let csrf = hidden(&html, "_csrf");
        let post = |fields: Vec<(&str, &str)>| {
            let mut form = vec![("_csrf", csrf.as_str())];
            form.extend(fields);
            let form: Vec<(String, String)> = form
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            b.client
                .post(server.url("/admin/scoring"))
                .form(&form)
                .send()
        };
        // A bad weight is named next to its field; nothing changes.
        let r = post(vec![
            ("vitality", "abc"),
            ("value", "20"),
            ("engagement", "20"),
            ("satisfaction", "15"),
            ("friction", "15"),
            ("action", "save"),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"scoring-vitality-error\""), "{html}");
        assert!(html.contains("value=\"abc\""));
        let r = post(vec![
            ("vitality", "60"),
            ("value", "10"),
            ("engagement", "10"),
            ("satisfaction", "10"),
            ("friction", "10"),
            ("action", "save"),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&server, "/admin/scoring?done=saved").await;
        assert!(html.contains("id=\"scoring-notice\""));
        assert!(
            html.contains("name=\"vitality\" type=\"number\" value=\"60\""),
            "{html}"
        );
        assert!(html.contains("Set by an admin on"));
        let r = post(vec![("action", "reset")]).await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = b.page(&server, "/admin/scoring").await;
        assert!(
            html.contains("name=\"vitality\" type=\"number\" value=\"30\""),
            "{html}"
        );
        server.stop().await;
    }
}

#[path = "ui/retention.rs"]
mod retention;
