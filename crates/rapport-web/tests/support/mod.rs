//! Starts the real server on 127.0.0.1:0 over a fresh database (SQLite, and PostgreSQL when
//! configured) with one user per role, each with a known password and an API token, and a few
//! parties: one owned by the relationship manager, one by the manager.

#![allow(dead_code)]

use std::collections::HashMap;

use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::records::{self, Mode, Writing};
use rapport_app::signin;
use rapport_app::users::{AddUser, add_user};
use rapport_domain::{OrgId, User, UserRole};
use rapport_store::Store;
use rapport_testkit::TestDb;
use rapport_web::Settings;
use uuid::Uuid;

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery staple";

pub const ROLES: [UserRole; 5] = [
    UserRole::Admin,
    UserRole::Manager,
    UserRole::RelationshipManager,
    UserRole::Agent,
    UserRole::Viewer,
];

/// The e-mail of the test user with `role`.
pub fn email(role: UserRole) -> String {
    format!("{}@test.example", role.as_str().replace('_', "-"))
}

/// The party the relationship manager owns, and one the manager owns.
pub const RM_PARTY: &str = "P-RM";
pub const OTHER_PARTY: &str = "P-OTHER";

pub struct Server {
    pub url: String,
    pub db: TestDb,
    pub store: Store,
    pub org: OrgId,
    pub users: HashMap<UserRole, User>,
    pub tokens: HashMap<UserRole, String>,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// One server per configured backend.
pub async fn servers() -> Vec<Server> {
    servers_with(Settings::default()).await
}

pub async fn servers_with(settings: Settings) -> Vec<Server> {
    let mut out = Vec::new();
    for db in TestDb::all().await {
        out.push(start(db, settings.clone()).await);
    }
    out
}

pub async fn start(db: TestDb, settings: Settings) -> Server {
    let store = Store::connect(&db.url).await.expect("connect");
    let now = Utc::now();
    let (org, _) = store
        .ensure_org("Test", OrgId(Uuid::now_v7()), now)
        .await
        .expect("org");
    let mut users = HashMap::new();
    let mut tokens = HashMap::new();
    for role in ROLES {
        let e = email(role);
        let req = AddUser {
            email: &e,
            name: &format!("Test {}", role.as_str()),
            role: role.as_str(),
            locale: "en",
            password: Some(PASSWORD),
            source: "test",
        };
        let (user, _) = add_user(&store, org.id, &req, None, now)
            .await
            .expect("user");
        let (_, token) = signin::create_token(&store, org.id, &user, "tests", None, "test", now)
            .await
            .expect("token");
        tokens.insert(role, token);
        users.insert(role, user);
    }
    let system = Writing {
        actor: None,
        source: "test".into(),
        now,
    };
    let fields: Vec<String> = [
        "external_id",
        "kind",
        "name",
        "roles",
        "owner_email",
        "email",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let party = |key: &str, name: &str, owner: UserRole| {
        vec![
            key.to_string(),
            "organization".to_string(),
            name.to_string(),
            "customer".to_string(),
            email(owner),
            format!("office@{}.example", key.to_lowercase()),
        ]
    };
    records::write(
        &store,
        org.id,
        ImportKind::Parties,
        Mode::Create,
        &fields,
        vec![
            party(RM_PARTY, "Rapport Mine GmbH", UserRole::RelationshipManager),
            party(OTHER_PARTY, "Other Holdings AG", UserRole::Manager),
        ],
        &system,
    )
    .await
    .expect("seed parties");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(rapport_web::serve(
        store.clone(),
        org.id,
        settings,
        listener,
        async {
            let _ = stop_rx.await;
        },
    ));
    Server {
        url,
        db,
        store,
        org: org.id,
        users,
        tokens,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        stop: Some(stop_tx),
        task: Some(task),
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// A request as `role` (with its API token), or anonymous.
    pub fn req(
        &self,
        method: reqwest::Method,
        path: &str,
        role: Option<UserRole>,
    ) -> reqwest::RequestBuilder {
        let r = self.client.request(method, self.url(path));
        match role {
            Some(role) => r.bearer_auth(&self.tokens[&role]),
            None => r,
        }
    }

    pub fn get(&self, path: &str, role: UserRole) -> reqwest::RequestBuilder {
        self.req(reqwest::Method::GET, path, Some(role))
    }

    pub fn post(
        &self,
        path: &str,
        role: UserRole,
        body: serde_json::Value,
    ) -> reqwest::RequestBuilder {
        self.req(reqwest::Method::POST, path, Some(role))
            .json(&body)
    }

    pub fn patch(
        &self,
        path: &str,
        role: UserRole,
        body: serde_json::Value,
    ) -> reqwest::RequestBuilder {
        self.req(reqwest::Method::PATCH, path, Some(role))
            .json(&body)
    }

    pub fn delete(&self, path: &str, role: UserRole) -> reqwest::RequestBuilder {
        self.req(reqwest::Method::DELETE, path, Some(role))
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        self.store.close().await;
    }
}

/// Sends a request and returns the status and the body as JSON (`Null` when empty or not JSON).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// A response with everything a test looks at.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: serde_json::Value,
}

impl Reply {
    /// A header's value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends a request and keeps status, headers and body.
pub async fn call(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        headers,
        text,
        body,
    }
}

/// Orders for the two seeded parties and 40 more customers (repeat buyers among them), then a
/// score run as of 2025-06-30: every party with an order has scores afterwards.
pub async fn seed_orders_and_score(server: &Server) {
    // Each customer buys every `gap` days from its first day until it drops out (or the end):
    // a spread of rates and lifetimes, as the purchase model needs to tell them apart.
    let mut log = String::from("customer_id,ordered_at,amount\n");
    let customers: Vec<String> = [RM_PARTY.to_string(), OTHER_PARTY.to_string()]
        .into_iter()
        .chain((0..80).map(|i| format!("S{i:02}")))
        .collect();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut seed: u64 = 7;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for c in &customers {
        let first = next(200) as i64;
        let gap = 10 + next(120) as i64;
        let lifetime = 30 + next(540) as i64;
        let mut day = first;
        while day <= (first + lifetime).min(545) {
            let date = start + chrono::Duration::days(day);
            log.push_str(&format!("{c},{date},{}\n", 15 + next(90)));
            day += gap + next(gap as u64) as i64;
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("orders.csv");
    std::fs::write(&path, log).expect("write orders");
    let opts = rapport_app::import::ImportOptions::new(ImportKind::Orders, Utc::now());
    rapport_app::import::import_file(
        &server.store,
        server.org,
        &path,
        &opts,
        &rapport_app::import::NoProgress,
    )
    .await
    .expect("import orders");
    rapport_app::score::run(
        &server.store,
        server.org,
        chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        Utc::now(),
        &|_| {},
    )
    .await
    .expect("score");
}

/// Contracts of the seeded customers: three cancelled for a price reason and one for
/// relocation in March 2025, one withdrawn after a long wait, and one of the relationship
/// manager's customer signed yesterday that nobody has called about.
pub async fn seed_contracts(server: &Server) {
    rapport_app::retention::install_defaults(&server.store, server.org, Utc::now())
        .await
        .expect("defaults");
    let yesterday = Utc::now().date_naive() - chrono::Days::new(1);
    let csv = format!(
        "external_id,party_external_id,value,currency,signed_at,withdrawal_deadline,delivery_due_at,delivered_at,status,cancelled_at,cancellation_reason\n\
         K1,{RM_PARTY},100.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-02,price_too_high\n\
         K2,{OTHER_PARTY},250.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-05,price_too_high\n\
         K3,S01,50.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-09,price_too_high\n\
         K4,S02,75.00,EUR,2024-02-01,2024-02-15,,2024-02-20,cancelled,2025-03-20,relocation\n\
         K5,S03,900.00,EUR,2024-05-01,2024-05-15,2024-09-01,,withdrawn,2024-05-10,changed_mind\n\
         K6,{RM_PARTY},120.00,EUR,{yesterday},{},{},,signed,,\n",
        yesterday + chrono::Days::new(14),
        yesterday + chrono::Days::new(60),
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("contracts.csv");
    std::fs::write(&path, csv).expect("write");
    let opts = rapport_app::import::ImportOptions::new(ImportKind::Contracts, Utc::now());
    let report = rapport_app::import::import_file(
        &server.store,
        server.org,
        &path,
        &opts,
        &rapport_app::import::NoProgress,
    )
    .await
    .expect("import");
    assert_eq!(report.invalid_rows, 0, "{:?}", report.errors);
}
