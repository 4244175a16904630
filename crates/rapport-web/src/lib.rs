//! Rapport's server: one process that serves the JSON API under `/api/v1` (with its OpenAPI
//! document) and the web UI under `/`, over one [`Store`] and one org.
//!
//! Every route is declared once in [`routes`] together with what it needs (a role's
//! permission from `rapport_domain::access`), so the check cannot be forgotten and the
//! authorization matrix test sees every route. Handlers are thin: extract, parse, call one use
//! case of `rapport-app`, map the outcome to a response; errors leave as RFC 9457 problem
//! documents ([`problem`]).

mod api;
mod assets;
mod auth;
mod metrics;
mod problem;
pub mod routes;
mod security;
mod state;
mod throttle;
mod ui;

use std::net::SocketAddr;
use std::time::Duration;

use rapport_domain::OrgId;
use rapport_store::Store;
use tokio::net::TcpListener;

pub use routes::{Need, RouteInfo};
pub use state::Settings;
/// The server-side SVG charts and the locale formatting, for the analytics pages to come.
pub use ui::{chart, locale};

/// Serves until `shutdown` completes; requests in flight finish first (for at most
/// `grace`).
pub async fn serve(
    store: Store,
    org: OrgId,
    settings: Settings,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = state::AppState::new(store, org, settings);
    let app = routes::app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The routes of the server with what each needs: what the authorization matrix test walks.
pub fn route_table() -> Vec<RouteInfo> {
    routes::table()
}

/// The OpenAPI 3.1 document the server serves at `/api/v1/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    api::openapi::build(&routes::table())
}

/// How long in-flight requests get to finish at shutdown before the process stops anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
