//! The web UI: server-rendered pages (askama) with htmx for partial updates, in English,
//! German, French and Greek. Every page goes through the same route checks as the API.

pub mod chart;
pub mod locale;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::Caller;
use crate::routes::Routes;

/// Adds the UI's routes.
pub fn declare(routes: Routes) -> Routes {
    routes
}

/// The page for a refused request.
pub fn forbidden(_caller: &Caller, detail: &str) -> Response {
    (StatusCode::FORBIDDEN, Html(format!("<p>{}</p>", detail))).into_response()
}

/// The page for an unknown path.
pub fn not_found(_caller: Option<&Caller>) -> Response {
    (StatusCode::NOT_FOUND, Html("<p>not found</p>".to_string())).into_response()
}
