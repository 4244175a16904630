//! Liveness, readiness, metrics, request ids and the security headers every response carries.

use super::*;

#[tokio::test]
async fn liveness_and_readiness_answer_200() {
    for s in servers().await {
        for path in ["/healthz", "/readyz"] {
            let r = call(s.req(Method::GET, path, None)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_show_the_pool() {
    for s in servers().await {
        let r = call(s.get(&format!("/api/v1/parties/{RM_PARTY}"), Viewer)).await;
        assert_eq!(r.status, 200);
        let r = call(s.get("/api/v1/parties/NO-SUCH-PARTY", Viewer)).await;
        assert_eq!(r.status, 404);
        let r = call(s.get("/api/v1/no/such/route/42", Viewer)).await;
        assert_eq!(r.status, 404);

        let m = call(s.req(Method::GET, "/metrics", None)).await;
        assert_eq!(m.status, 200);
        assert!(m.header("content-type").starts_with("text/plain"));
        let route = r#"route="/api/v1/parties/{key}",method="GET""#;
        for line in [
            format!(r#"rapport_http_requests_total{{{route},status="200"}} 1"#),
            format!(r#"rapport_http_requests_total{{{route},status="404"}} 1"#),
            format!(r#"rapport_http_request_duration_seconds_count{{{route}}} 2"#),
        ] {
            assert!(m.text.contains(&line), "no `{line}` in\n{}", m.text);
        }
        // Labels are route patterns, never raw paths with ids in them.
        assert!(
            !m.text.contains("P-RM") && !m.text.contains("/42"),
            "{}",
            m.text
        );
        assert!(m.text.contains(r#"route="(unmatched)""#), "{}", m.text);
        for state in ["idle", "in_use"] {
            let gauge = format!(r#"rapport_db_pool_connections{{state="{state}"}} "#);
            assert!(m.text.contains(&gauge), "no {gauge} in\n{}", m.text);
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_the_security_headers() {
    for s in servers().await {
        let replies = [
            call(s.req(Method::GET, "/healthz", None)).await,
            call(s.req(Method::GET, "/metrics", None)).await,
            call(s.get("/api/v1/parties", Viewer)).await,
            call(s.get("/api/v1/parties/NOPE", Viewer)).await,
            call(s.req(Method::GET, "/api/v1/me", None)).await,
            call(s.post("/api/v1/parties", Viewer, json!({"name": "x"}))).await,
            call(s.post("/api/v1/parties", Manager, json!({"name": 1}))).await,
        ];
        for r in &replies {
            assert!(!r.header("x-request-id").is_empty(), "{}", r.text);
            let csp = r.header("content-security-policy");
            let script_src = csp
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with("script-src"))
                .unwrap_or_else(|| panic!("no script-src in {csp:?}"));
            assert!(!script_src.contains("'unsafe-inline'"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert_eq!(r.header("x-content-type-options"), "nosniff");
            assert_eq!(r.header("x-frame-options"), "DENY");
            assert!(!r.header("referrer-policy").is_empty());
        }
        s.stop().await;
    }
}

#[tokio::test]
async fn a_sane_request_id_is_echoed_and_any_other_replaced() {
    for s in servers().await {
        let with_id = |id: &str| {
            s.req(Method::GET, "/healthz", None)
                .header("x-request-id", id)
        };
        let sane = "req-42_retry.1";
        assert_eq!(call(with_id(sane)).await.header("x-request-id"), sane);
        for insane in ["two words", "<script>", &"x".repeat(65), "a\"b"] {
            let got = call(with_id(insane)).await;
            let got = got.header("x-request-id");
            assert!(
                !got.is_empty() && got != insane,
                "{insane:?} came back as {got:?}"
            );
        }
        let a = call(s.req(Method::GET, "/healthz", None)).await;
        let b = call(s.req(Method::GET, "/healthz", None)).await;
        assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
        s.stop().await;
    }
}
