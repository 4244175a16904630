//! The retention pages over HTTP: the top reasons, remorse and call list, the win-back lists
//! with their saved filters, a contract's page, and the retention settings.

use super::*;

#[tokio::test]
async fn the_retention_pages_show_the_reasons_the_remorse_and_whom_to_call() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        support::seed_contracts(&server).await;
        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::RelationshipManager), PASSWORD)
            .await;
        let march = "from=2025-03-01&to=2025-03-31";
        let (status, html) = b
            .page(&server, &format!("/retention/reasons?{march}"))
            .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"reasons-table\""), "{html}");
        assert!(html.contains("chart-cumulative"), "the Pareto line");
        let first = html.find("data-reason=\"price_too_high\"").unwrap();
        let second = html.find("data-reason=\"relocation\"").unwrap();
        assert!(first < second, "most frequent first");
        assert!(html.contains("Price too high"));
        assert!(
            html.contains("/retention/reasons/price_too_high?from=2025-03-01&#38;to=2025-03-31"),
            "{html}"
        );
        assert!(html.contains("id=\"reasons-clv-note\""));

        let (status, html) = b
            .page(
                &server,
                &format!("/retention/reasons/price_too_high?{march}"),
            )
            .await;
        assert_eq!(status, 200, "{html}");
        let k2 = html.find("K2").unwrap();
        let k1 = html.find("K1").unwrap();
        assert!(k2 < k1, "most valuable first");
        assert!(html.contains("Other Holdings AG"));
        let (status, _) = b
            .page(&server, &format!("/retention/reasons/nope?{march}"))
            .await;
        assert_eq!(status, 404);

        let (status, html) = b.page(&server, "/retention/reasons?from=someday").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"reasons-errors\""), "{html}");

        let (status, html) = b
            .page(&server, "/retention/remorse?from=2024-01-01&to=2024-12-31")
            .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"remorse-gaps\""));
        assert!(html.contains("id=\"remorse-chart\""));
        assert!(html.contains("1 of 5 contracts withdrawn"), "{html}");

        let (status, html) = b.page(&server, "/retention/calls?mine=1").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"calls-table\""), "{html}");
        assert!(html.contains("Rapport Mine GmbH") && html.contains("K6"));
        let (_, html) = b.page(&server, "/").await;
        assert!(html.contains("href=\"/retention/calls\""), "{html}");

        let (_, html) = b.page(&server, "/retention/reasons").await;
        let csrf = hidden(&html, "_csrf");
        b.client
            .post(server.url("/language"))
            .form(&[("_csrf", csrf.as_str()), ("lang", "de"), ("next", "/")])
            .send()
            .await
            .unwrap();
        let (_, html) = b
            .page(&server, &format!("/retention/reasons?{march}"))
            .await;
        assert!(html.contains("Häufigste Kündigungsgründe"), "{html}");
        assert!(html.contains("Preis zu hoch"));
        server.stop().await;
    }
}

#[tokio::test]
async fn the_winback_list_pages_filter_export_and_save_filters() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::Manager), PASSWORD)
            .await;
        let (status, html) = b.page(&server, "/retention/lists/at-risk").await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"list-table\""), "{html}");
        assert!(html.contains("id=\"list-csv\""));
        let (status, _) = b.page(&server, "/retention/lists/elsewhere").await;
        assert_eq!(status, 404);
        let (status, html) = b
            .page(&server, "/retention/lists/churned?min_value=x")
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"list-errors\""), "{html}");
        let csv = b
            .client
            .get(server.url("/retention/lists/at-risk/csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        assert!(csv.text().await.unwrap().starts_with("external_id,"));

        let (_, html) = b
            .page(&server, "/retention/lists/at-risk?min_value=1")
            .await;
        let csrf = hidden(&html, "_csrf");
        let r = b
            .client
            .post(server.url("/retention/lists/at-risk/filters"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("name", "Worth a call"),
                ("query", "min_value=1&mine=1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let (_, html) = b.page(&server, "/retention/lists/at-risk").await;
        assert!(html.contains("Worth a call"), "{html}");
        assert!(
            html.contains("min_value=1&#38;mine=1") || html.contains("min_value=1&amp;mine=1"),
            "{html}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_relationship_manager_records_a_withdrawal_on_the_contract_page() {
    for server in servers().await {
        support::seed_orders_and_score(&server).await;
        support::seed_contracts(&server).await;
        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::RelationshipManager), PASSWORD)
            .await;
        let (_, html) = b.page(&server, &format!("/parties/{RM_PARTY}")).await;
        assert!(html.contains("href=\"/contracts/K6\""), "{html}");
        let (status, html) = b.page(&server, "/contracts/K6").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"contract-event-form\""), "{html}");
        let csrf = hidden(&html, "_csrf");
        let post = |body: Vec<(&'static str, String)>, path: &'static str| {
            let b = &b;
            let server = &server;
            async move {
                let r = b
                    .client
                    .post(server.url(path))
                    .form(&body)
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        // A withdrawal needs its reason: said next to the form, nothing written.
        let (status, html) = post(
            vec![
                ("_csrf", csrf.clone()),
                ("event", "withdraw".into()),
                ("reason", String::new()),
            ],
            "/contracts/K6/events",
        )
        .await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("id=\"contract-errors\""), "{html}");
        let (status, _) = post(
            vec![
                ("_csrf", csrf.clone()),
                ("event", "withdraw".into()),
                ("reason", "changed_mind".into()),
                ("note", "Too rushed".into()),
            ],
            "/contracts/K6/events",
        )
        .await;
        assert_eq!(status, 303);
        let (_, html) = b.page(&server, "/contracts/K6?done=1").await;
        assert!(html.contains("id=\"contract-notice\""));
        assert!(
            html.contains("Withdrawn") && html.contains("Too rushed"),
            "{html}"
        );
        assert!(
            !html.contains("id=\"contract-event-form\""),
            "nothing more can happen"
        );
        // Another manager's customer's contract: refused.
        let (status, _) = post(
            vec![("_csrf", csrf.clone()), ("event", "expire".into())],
            "/contracts/K2/events",
        )
        .await;
        assert_eq!(status, 403);
        server.stop().await;
    }
}

#[tokio::test]
async fn managers_edit_the_reason_catalogue_and_admins_the_withdrawal_periods() {
    for server in servers().await {
        rapport_app::retention::install_defaults(&server.store, server.org, chrono::Utc::now())
            .await
            .unwrap();
        let viewer = Browser::new();
        viewer
            .sign_in(&server, &email(UserRole::Viewer), PASSWORD)
            .await;
        let (status, _) = viewer.page(&server, "/admin/retention").await;
        assert_eq!(status, 403);

        let b = Browser::new();
        b.sign_in(&server, &email(UserRole::Manager), PASSWORD)
            .await;
        let (status, html) = b.page(&server, "/admin/retention").await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("id=\"reason-price_too_high\""), "{html}");
        assert!(
            !html.contains("id=\"rules-form\""),
            "managers do not set the periods"
        );
        let csrf = hidden(&html, "_csrf");
        let form = |category: &str| {
            vec![
                ("_csrf", csrf.clone()),
                ("label", "Price too high".to_string()),
                ("label_de", "Zu teuer".to_string()),
                ("category", category.to_string()),
                ("remedy", "Loyalty discount".to_string()),
                ("remedy_owner_email", email(UserRole::Manager)),
                ("remedy_status", "in_progress".to_string()),
            ]
        };
        let r = b
            .client
            .post(server.url("/admin/reasons/price_too_high"))
            .form(&form("nonsense"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("id=\"catalogue-errors\""));
        let r = b
            .client
            .post(server.url("/admin/reasons/price_too_high"))
            .form(&form("price"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let (_, html) = b.page(&server, "/admin/retention?done=1").await;
        assert!(html.contains("value=\"Zu teuer\""), "{html}");
        let r = b
            .client
            .post(server.url("/admin/withdrawal-rules"))
            .form(&[("_csrf", csrf.as_str()), ("default_days", "21")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);

        let admin = Browser::new();
        admin
            .sign_in(&server, &email(UserRole::Admin), PASSWORD)
            .await;
        let (_, html) = admin.page(&server, "/admin/retention").await;
        let csrf = hidden(&html, "_csrf");
        let r = admin
            .client
            .post(server.url("/admin/withdrawal-rules"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("default_days", "21"),
                ("categories", "insurance = 30\nbad line"),
                ("products", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "a line without days is named");
        let r = admin
            .client
            .post(server.url("/admin/withdrawal-rules"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("default_days", "21"),
                ("categories", "insurance = 30"),
                ("products", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = admin.page(&server, "/admin/retention").await;
        assert!(
            html.contains("insurance = 30") && html.contains("value=\"21\""),
            "{html}"
        );
        // The win-back thresholds: saved (and the lists rebuilt), a bad one refused.
        assert!(html.contains("id=\"thresholds-form\""), "{html}");
        let csrf = hidden(&html, "_csrf");
        let mut thresholds = vec![("_csrf", csrf.clone())];
        for (k, v) in [
            ("p_alive", "0.5"),
            ("health_drop", "10"),
            ("contract_end_days", "90"),
            ("quiet_days", "45"),
            ("detractor_days", "120"),
            ("churn_days", "365"),
            ("dormant_days", "400"),
        ] {
            thresholds.push((k, v.to_string()));
        }
        let post = |form: Vec<(&'static str, String)>| {
            let admin = &admin;
            let server = &server;
            async move {
                admin
                    .client
                    .post(server.url("/admin/winback-thresholds"))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(post(thresholds.clone()).await, 303);
        let (_, html) = admin.page(&server, "/admin/retention").await;
        assert!(
            html.contains("name=\"quiet_days\" type=\"number\" step=\"any\" value=\"45\""),
            "{html}"
        );
        thresholds[2].1 = "lots".into();
        assert_eq!(post(thresholds).await, 422);
        server.stop().await;
    }
}
