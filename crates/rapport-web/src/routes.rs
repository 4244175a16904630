//! Every route of the server, declared once with what it needs. The declaration builds the
//! axum router (each route wrapped in its check) and the route table the OpenAPI document and
//! the authorization matrix test read, so no route can exist without a check or escape the
//! matrix.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use rapport_app::import::ImportKind;
use rapport_app::records::action_for;
use rapport_domain::access::{Action, Actor, allows};
use tower_http::catch_panic::CatchPanicLayer;

use crate::auth::{Caller, signed_out};
use crate::problem::Problem;
use crate::state::AppState;
use crate::{api, assets, auth, security, ui};

/// What a route needs from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user (their own profile, tokens, signing out).
    SignedIn,
    /// A permission that does not depend on whose party it is.
    Can(Action),
    /// Writing records of a kind: the role must be able to write at least its own parties'
    /// records of that kind; the use case then checks the record's actual owner.
    Write(ImportKind),
}

impl Need {
    /// Whether a signed-in actor passes the route's check.
    pub fn admits(self, actor: Actor) -> bool {
        match self {
            Need::Public | Need::SignedIn => true,
            Need::Can(action) => allows(actor, action),
            Need::Write(kind) => allows(actor, action_for(kind, Some(actor.user))),
        }
    }
}

/// A declared route.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    /// The axum path pattern, e.g. `/api/v1/parties/{key}`.
    pub path: &'static str,
    pub need: Need,
    /// Part of the JSON API (problem documents, bearer tokens) rather than the UI.
    pub api: bool,
    /// One line for the API document.
    pub summary: &'static str,
}

/// Collects routes into the router and the table at once.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Routes {
    fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        need: Need,
        summary: &'static str,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let api = path.starts_with("/api/");
        let method_router = match method {
            Method::GET => axum::routing::get(handler),
            Method::POST => axum::routing::post(handler),
            Method::PATCH => axum::routing::patch(handler),
            Method::PUT => axum::routing::put(handler),
            Method::DELETE => axum::routing::delete(handler),
            _ => unreachable!("only the methods above are declared"),
        };
        let guarded = method_router.route_layer(from_fn(move |req: Request, next: Next| {
            guard(need, api, req, next)
        }));
        self.router = self.router.route(path, guarded);
        self.table.push(RouteInfo {
            method,
            path,
            need,
            api,
            summary,
        });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        need: Need,
        summary: &'static str,
        h: H,
    ) -> Routes {
        self.add(Method::GET, path, need, summary, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        need: Need,
        summary: &'static str,
        h: H,
    ) -> Routes {
        self.add(Method::POST, path, need, summary, h)
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        need: Need,
        summary: &'static str,
        h: H,
    ) -> Routes {
        self.add(Method::PATCH, path, need, summary, h)
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        need: Need,
        summary: &'static str,
        h: H,
    ) -> Routes {
        self.add(Method::PUT, path, need, summary, h)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        need: Need,
        summary: &'static str,
        h: H,
    ) -> Routes {
        self.add(Method::DELETE, path, need, summary, h)
    }
}

/// Largest signed-out form (the sign-in and language forms are a few hundred bytes).
const SIGNED_OUT_FORM_LIMIT: usize = 16 * 1024;

async fn guard(need: Need, api: bool, req: Request, next: Next) -> Response {
    if need == Need::Public {
        let signed_out_change = req.extensions().get::<Caller>().is_none()
            && !api
            && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if signed_out_change {
            let expected = auth::cookie(req.headers(), auth::PRE_CSRF_COOKIE).map(str::to_string);
            return match auth::check_csrf(req, expected.as_deref(), SIGNED_OUT_FORM_LIMIT).await {
                Ok(req) => next.run(req).await,
                Err(p) => p.into_response(),
            };
        }
        return next.run(req).await;
    }
    let Some(caller) = req.extensions().get::<Caller>() else {
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        return signed_out(api, &path);
    };
    if !need.admits(caller.actor()) {
        let detail = format!("your role ({}) may not do this", caller.user.role.as_str());
        return if api {
            Problem::forbidden(detail).into_response()
        } else {
            ui::forbidden_for(req.headers(), caller, &detail)
        };
    }
    next.run(req).await
}

fn declare() -> Routes {
    let routes = Routes::new()
        .get(
            "/healthz",
            Need::Public,
            "Liveness: the process answers",
            api::health::live,
        )
        .get(
            "/readyz",
            Need::Public,
            "Readiness: the database answers",
            api::health::ready,
        )
        .get(
            "/metrics",
            Need::Public,
            "Prometheus metrics",
            api::health::metrics,
        )
        .get(
            "/assets/{*file}",
            Need::Public,
            "Static files",
            assets::serve,
        );
    let routes = api::declare(routes);
    ui::declare(routes)
}

/// The route table.
pub fn table() -> Vec<RouteInfo> {
    declare().table
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let limit = state.settings.body_limit;
    declare()
        .router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), auth::identify))
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(state.clone(), security::around))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            Problem::internal().into_response()
        }))
        .with_state(state)
}

async fn method_not_allowed(req: Request) -> Response {
    let detail = format!("{} is not a method of {}", req.method(), req.uri().path());
    let mut resp = Problem::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, detail).into_response();
    if !req.uri().path().starts_with("/api/") {
        resp = (
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed\n",
        )
            .into_response();
    }
    resp
}

async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        Problem::not_found(format!("there is no {} {}", req.method(), req.uri().path()))
            .into_response()
    } else {
        ui::not_found(req.headers(), req.extensions().get::<Caller>())
    }
}
