//! The authorization matrix: every route of the router, as every role and signed out, is
//! either let through or refused exactly as its declared need says, never with a server
//! error. The route list comes from the router itself, so a new route cannot escape; the
//! matrix is also kept as a file (`tests/authz-matrix.txt`) so a change of who may do what
//! shows in review (`RAPPORT_UPDATE_SNAPSHOTS=1` rewrites it).

mod support;

use rapport_domain::UserRole;
use rapport_domain::access::Actor;
use rapport_web::{Need, RouteInfo, route_table};
use support::{ROLES, Server, servers};

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{key}" => "no-such-key",
            "{id}" => "00000000-0000-0000-0000-000000000000",
            "{email}" => "nobody@test.example",
            "{*file}" => "app.css",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn request(server: &Server, r: &RouteInfo, role: Option<UserRole>) -> reqwest::RequestBuilder {
    let req = server.req(r.method.clone(), &concrete(r.path), role);
    match r.method.as_str() {
        "POST" | "PATCH" | "PUT" if r.api => req.json(&serde_json::json!({})),
        "POST" | "PATCH" | "PUT" => req
            .header("content-type", "application/x-www-form-urlencoded")
            .body("x=1"),
        _ => req,
    }
}

fn admits(server: &Server, need: Need, role: UserRole) -> bool {
    let user = &server.users[&role];
    need.admits(Actor {
        user: user.id,
        role,
    })
}

fn mark(allowed: bool) -> &'static str {
    if allowed { "yes" } else { "-" }
}

#[tokio::test]
async fn every_route_refuses_exactly_whom_its_need_refuses() {
    let routes = route_table();
    assert!(routes.len() > 60, "only {} routes", routes.len());
    for server in servers().await {
        let mut table =
            String::from("# route: signed-out admin manager relationship_manager agent viewer\n");
        for r in &routes {
            let anon = request(&server, r, None).send().await.expect("request");
            let status = anon.status().as_u16();
            assert!(status < 500, "{} {} signed out: {status}", r.method, r.path);
            let location = anon
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let anon_refused = if r.api {
                status == 401
            } else {
                status == 303 && location.starts_with("/login")
            };
            assert_eq!(
                anon_refused,
                r.need != Need::Public,
                "{} {} signed out: {status} {location}",
                r.method,
                r.path
            );
            let mut row = format!("{} {}: {}", r.method, r.path, mark(!anon_refused));
            for role in ROLES {
                let resp = request(&server, r, Some(role))
                    .send()
                    .await
                    .expect("request");
                let status = resp.status().as_u16();
                assert!(status < 500, "{} {} as {role}: {status}", r.method, r.path);
                let expected = admits(&server, r.need, role);
                let refused = status == 403 || status == 401;
                assert_eq!(
                    !refused, expected,
                    "{} {} as {role}: {status} (need {:?})",
                    r.method, r.path, r.need
                );
                row.push(' ');
                row.push_str(mark(expected));
            }
            table.push_str(&row);
            table.push('\n');
        }
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/authz-matrix.txt");
        if std::env::var("RAPPORT_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &table).expect("write the matrix");
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stored == table,
            "the authorization matrix changed; review the difference and run with RAPPORT_UPDATE_SNAPSHOTS=1 to accept it:\n{table}"
        );
        server.stop().await;
    }
}
