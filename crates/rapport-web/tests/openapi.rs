//! The OpenAPI document is generated from the code; this snapshot makes every change of the
//! API's shape visible in review (`RAPPORT_UPDATE_SNAPSHOTS=1` rewrites it). The served
//! document is the same one.

mod support;

#[test]
fn the_api_document_matches_its_snapshot() {
    let doc = rapport_web::openapi_document();
    let text = serde_json::to_string_pretty(&doc).expect("json") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.json");
    if std::env::var("RAPPORT_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &text).expect("write the snapshot");
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == text,
        "the OpenAPI document changed; review tests/openapi.json's difference (RAPPORT_UPDATE_SNAPSHOTS=1 rewrites it)"
    );
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    for r in rapport_web::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
    {
        let op = &paths[r.path][r.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {} is not documented", r.method, r.path);
        assert!(op["responses"].is_object());
    }
}

#[tokio::test]
async fn the_server_serves_the_same_document() {
    for server in support::servers().await {
        let served: serde_json::Value = server
            .client
            .get(server.url("/api/v1/openapi.json"))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        assert_eq!(served, rapport_web::openapi_document());
        let docs = server
            .client
            .get(server.url("/api/docs"))
            .send()
            .await
            .expect("docs");
        assert_eq!(docs.status(), 200);
        let csp = docs.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("script-src 'self';"), "{csp}");
        let html = docs.text().await.unwrap();
        assert!(html.contains("/assets/vendor/swagger-ui-bundle.js"));
        let js = server
            .client
            .get(server.url("/assets/vendor/swagger-ui-bundle.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(js.status(), 200);
        server.stop().await;
    }
}
