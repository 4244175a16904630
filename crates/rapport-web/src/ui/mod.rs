//! The web UI: server-rendered pages (askama) with htmx vendored for partial updates, in
//! English, German, French and Greek. Every page goes through the same route checks as the
//! API, and every write through the same use cases.

mod admin;
mod campaigns;
mod catalogue;
pub mod chart;
mod contract;
mod dashboard;
mod duplicates;
pub mod explain;
mod form;
mod health;
pub mod i18n;
mod insights;
pub mod locale;
mod page;
mod parties;
mod party;
mod portfolio;
mod remorse;
mod retention;
mod scoring;
mod session;
mod settings;
mod tasks;
mod winback;

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rapport_app::import::ImportKind;
use rapport_app::records::RecordError;
use rapport_domain::access::Action;

use crate::auth::Caller;
use crate::routes::{Need, Routes};
use crate::state::AppState;
pub use page::Page;

/// Adds the UI's routes.
pub fn declare(routes: Routes) -> Routes {
    let read = Need::Can(Action::Read);
    routes
        .get("/login", Need::Public, "Sign-in page", session::form)
        .post("/login", Need::Public, "Sign in", session::submit)
        .post("/logout", Need::SignedIn, "Sign out", session::logout)
        .post(
            "/language",
            Need::Public,
            "Switch the language",
            session::language,
        )
        .get("/", read, "Dashboard", dashboard::show)
        .get("/parties", read, "Parties", parties::list)
        .get(
            "/portfolio",
            read,
            "Portfolio of the latest score run",
            portfolio::portfolio,
        )
        .get(
            "/attention",
            read,
            "Customers whose health fell since the previous run",
            portfolio::attention,
        )
        .get(
            "/admin/retention",
            Need::Can(Action::WriteCatalogue),
            "The cancellation-reason catalogue and the withdrawal periods",
            catalogue::show,
        )
        .post(
            "/admin/reasons",
            Need::Can(Action::WriteCatalogue),
            "Add a cancellation reason",
            catalogue::create,
        )
        .post(
            "/admin/reasons/{code}",
            Need::Can(Action::WriteCatalogue),
            "Change a cancellation reason and its remedy",
            catalogue::update,
        )
        .post(
            "/admin/winback-thresholds",
            Need::Can(Action::ManageSettings),
            "Set or reset the win-back lists' thresholds",
            catalogue::save_thresholds,
        )
        .post(
            "/admin/withdrawal-rules",
            Need::Can(Action::ManageSettings),
            "Set or reset the withdrawal periods",
            catalogue::save_rules,
        )
        .get(
            "/contracts/{key}",
            read,
            "A contract and what happened to it",
            contract::show,
        )
        .post(
            "/contracts/{key}/events",
            Need::Write(ImportKind::Contracts),
            "Record a delivery, withdrawal, cancellation, renewal or expiry",
            contract::record,
        )
        .get(
            "/campaigns",
            read,
            "The win-back campaigns and the form to start one",
            campaigns::show_board,
        )
        .post(
            "/campaigns",
            Need::Can(Action::RunCampaigns),
            "Start a win-back campaign",
            campaigns::start,
        )
        .get(
            "/campaigns/{id}",
            read,
            "A campaign's result and the customers to call",
            campaigns::show,
        )
        .post(
            "/campaigns/{id}/attempts",
            Need::SignedIn,
            "Record a contact attempt of a campaign",
            campaigns::attempt,
        )
        .post(
            "/campaigns/{id}/close",
            Need::Can(Action::RunCampaigns),
            "Close a campaign",
            campaigns::close,
        )
        .get(
            "/retention/lists/{list}",
            read,
            "A win-back list: at-risk or churned customers with the reasons and the value",
            winback::show,
        )
        .get(
            "/retention/lists/{list}/csv",
            Need::Can(Action::Export),
            "A win-back list as CSV",
            winback::csv,
        )
        .post(
            "/retention/lists/{list}/filters",
            Need::SignedIn,
            "Save or remove a filter of a win-back list",
            winback::save_filter,
        )
        .get(
            "/retention/reasons",
            read,
            "The top ten cancellation reasons with their Pareto chart, trend and cost",
            retention::reasons,
        )
        .get(
            "/retention/reasons/{code}",
            read,
            "The customers who ended a contract for one reason",
            retention::reason,
        )
        .get(
            "/retention/remorse",
            read,
            "Buyer's remorse: withdrawal rates by signing-to-delivery gap, product and channel",
            remorse::remorse,
        )
        .get(
            "/retention/calls",
            read,
            "Contracts in their withdrawal period with no contact since signing",
            remorse::calls,
        )
        .get(
            "/insights/segments",
            read,
            "Segment overview with the RFM grid",
            insights::segments,
        )
        .get(
            "/insights/acquisition",
            read,
            "Acquisition insights and the top-decile profile",
            insights::acquisition,
        )
        .get(
            "/insights/acquisition.csv",
            Need::Can(Action::Export),
            "Acquisition insights as CSV",
            insights::acquisition_csv,
        )
        .get(
            "/parties/new",
            Need::Write(ImportKind::Parties),
            "New party form",
            parties::new,
        )
        .post(
            "/parties",
            Need::Write(ImportKind::Parties),
            "Create a party",
            parties::create,
        )
        .get("/parties/{key}", read, "Party page", party::show)
        .get(
            "/parties/{key}/edit",
            Need::Write(ImportKind::Parties),
            "Edit party form",
            parties::edit,
        )
        .post(
            "/parties/{key}",
            Need::Write(ImportKind::Parties),
            "Change a party",
            parties::update,
        )
        .post(
            "/parties/{key}/interactions",
            Need::Write(ImportKind::Interactions),
            "Log an interaction",
            |s: State<AppState>, c: Extension<Caller>, p: Page, k: Path<String>, b: Bytes| {
                party::log(party::Log::Interaction, s, c, p, k, b)
            },
        )
        .post(
            "/parties/{key}/cases",
            Need::Write(ImportKind::Cases),
            "Open a case",
            |s: State<AppState>, c: Extension<Caller>, p: Page, k: Path<String>, b: Bytes| {
                party::log(party::Log::Case, s, c, p, k, b)
            },
        )
        .post(
            "/parties/{key}/surveys",
            Need::Write(ImportKind::Surveys),
            "Record a survey answer",
            |s: State<AppState>, c: Extension<Caller>, p: Page, k: Path<String>, b: Bytes| {
                party::log(party::Log::Survey, s, c, p, k, b)
            },
        )
        .get("/tasks", read, "My tasks", tasks::show)
        .get(
            "/duplicates",
            read,
            "Duplicate candidates",
            duplicates::show,
        )
        .post(
            "/merge",
            Need::Write(ImportKind::Parties),
            "Merge two parties",
            duplicates::merge,
        )
        .get(
            "/admin/scoring",
            Need::Can(Action::ManageSettings),
            "Health score weights",
            scoring::show,
        )
        .post(
            "/admin/scoring",
            Need::Can(Action::ManageSettings),
            "Save or reset the health score weights",
            scoring::save,
        )
        .get(
            "/admin/users",
            Need::Can(Action::ManageUsers),
            "Users",
            admin::show,
        )
        .post(
            "/admin/users",
            Need::Can(Action::ManageUsers),
            "Add a user",
            admin::add,
        )
        .post(
            "/admin/users/{email}",
            Need::Can(Action::ManageUsers),
            "Change a user",
            admin::change,
        )
        .get(
            "/audit",
            Need::Can(Action::ReadAudit),
            "Audit log",
            admin::audit,
        )
        .get(
            "/settings",
            Need::SignedIn,
            "My settings and API tokens",
            settings::show,
        )
        .post(
            "/settings/tokens",
            Need::SignedIn,
            "Create an API token",
            settings::create_token,
        )
        .post(
            "/settings/tokens/{id}/revoke",
            Need::SignedIn,
            "Revoke an API token",
            settings::revoke_token,
        )
}

/// A key as one path segment.
pub fn encode_path(key: &str) -> String {
    crate::auth::encode_component(key).replace('/', "%2F")
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    page: &'a Page,
    heading: &'a str,
    text: &'a str,
    detail: Option<&'a str>,
}

/// A page with a heading and a sentence.
pub fn message(page: &Page, status: StatusCode, heading: &str, text: &str) -> Response {
    let body = Message {
        page,
        heading,
        text,
        detail: None,
    }
    .render();
    page::render(status, page, body)
}

/// The page for a use case's refusal or failure.
pub fn failure(page: &Page, e: RecordError) -> Response {
    match e {
        RecordError::Forbidden(m) => {
            message(page, StatusCode::FORBIDDEN, page.t("error.forbidden"), &m)
        }
        RecordError::NotFound(_) => not_found_page(page),
        RecordError::Conflict(m) => {
            message(page, StatusCode::CONFLICT, page.t("error.conflict"), &m)
        }
        RecordError::Invalid(errors) => {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            message(
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
                page.t("form.invalid"),
                &text.join("; "),
            )
        }
        RecordError::Store(e) => {
            tracing::error!(error = %e, "a page failed");
            message(
                page,
                StatusCode::INTERNAL_SERVER_ERROR,
                page.t("error.title"),
                page.t("error.internal"),
            )
        }
    }
}

pub fn not_found_page(page: &Page) -> Response {
    message(
        page,
        StatusCode::NOT_FOUND,
        page.t("error.not_found"),
        page.t("error.not_found_text"),
    )
}

/// The page for a refused request, in the reader's language.
pub fn forbidden_for(headers: &HeaderMap, caller: &Caller, detail: &str) -> Response {
    let page = Page::from_parts(headers, None, Some(caller));
    let body = Message {
        page: &page,
        heading: page.t("error.forbidden"),
        text: page.t("error.forbidden_text"),
        detail: Some(detail),
    }
    .render();
    page::render(StatusCode::FORBIDDEN, &page, body)
}

/// The page for an unknown path.
pub fn not_found(headers: &HeaderMap, caller: Option<&Caller>) -> Response {
    let page = Page::from_parts(headers, None, caller);
    not_found_page(&page)
}
