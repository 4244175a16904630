//! The JSON API under `/api/v1`: record endpoints for every kind, the party 360, accounts and
//! tokens, the audit log, and the OpenAPI document with its browsable docs.

pub mod accounts;
pub mod audit;
pub mod body;
pub mod campaigns;
pub mod fields;
pub mod health;
pub mod insights;
pub mod kinds;
pub mod lifecycle;
pub mod listing;
pub mod openapi;
pub mod orders;
pub mod party;
pub mod records;
pub mod retention;
pub mod settings;
pub mod winback;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use rapport_app::import::ImportKind;
use rapport_domain::access::Action;

use crate::auth::Caller;
use crate::routes::{Need, Routes};
use crate::state::AppState;
use kinds::{KINDS, KindApi};

/// Adds the API's routes.
pub fn declare(routes: Routes) -> Routes {
    let mut routes = routes
        .get("/api/v1/openapi.json", Need::Public, "This API's OpenAPI 3.1 document", openapi::document)
        .get("/api/docs", Need::Public, "Browsable API documentation", openapi::docs_page)
        .get("/api/v1/me", Need::SignedIn, "The signed-in user", accounts::me)
        .get("/api/v1/me/tokens", Need::SignedIn, "My personal API tokens", accounts::my_tokens)
        .post("/api/v1/me/tokens", Need::SignedIn, "Create a personal API token (shown once)", accounts::create_token)
        .delete("/api/v1/me/tokens/{id}", Need::SignedIn, "Revoke one of my tokens", accounts::revoke_my_token)
        .get("/api/v1/users", Need::Can(Action::ManageUsers), "List users", accounts::list_users)
        .post("/api/v1/users", Need::Can(Action::ManageUsers), "Add a user", accounts::add_user)
        .patch("/api/v1/users/{email}", Need::Can(Action::ManageUsers), "Change a user's name, role, language or disabled flag", accounts::update_user)
        .get("/api/v1/tokens", Need::Can(Action::ManageUsers), "Every user's API tokens", accounts::all_tokens)
        .delete("/api/v1/tokens/{id}", Need::Can(Action::ManageUsers), "Revoke anyone's token", accounts::revoke_any_token)
        .get("/api/v1/audit", Need::Can(Action::ReadAudit), "The audit log, newest first", audit::list)
        .get("/api/v1/parties/{key}/360", Need::Can(Action::Read), "A party with its contacts, links, interactions, orders, contracts, surveys, open cases and tasks", party::three_sixty)
        .get("/api/v1/portfolio", Need::Can(Action::Read), "The latest score run's customers, filtered by health, class, segment, CLV, P(alive) and owner, sorted and paged", insights::portfolio)
        .get("/api/v1/insights/needs-attention", Need::Can(Action::Read), "Customers whose health fell most since the previous score run, the most valuable first", insights::needs_attention)
        .get("/api/v1/insights/segments", Need::Can(Action::Read), "The segment overview of the latest score run, with the RFM recency x frequency grid", insights::segments)
        .get("/api/v1/insights/acquisition", Need::Can(Action::Read), "Acquisition insights: counts, retention and CLV by channel, segment, industry, country and cohort, and the top-decile profile", insights::acquisition)
        .get("/api/v1/retention/top-reasons", Need::Can(Action::Read), "The top ten cancellation reasons of a period (default: the last 365 days) and slice: count, share, cumulative share, revenue lost, CLV at stake, previous period", retention::top_reasons)
        .get("/api/v1/retention/top-reasons/{code}/contracts", Need::Can(Action::Read), "The contracts ended for one reason in the period and slice, the most valuable first", retention::reason_contracts)
        .get("/api/v1/retention/remorse", Need::Can(Action::Read), "Buyer's remorse: withdrawal rates of the contracts signed in a period by signing-to-delivery gap, product and acquisition channel", retention::remorse)
        .get("/api/v1/retention/call-today", Need::Can(Action::Read), "Contracts inside their withdrawal period with no contact since signing, the nearest deadline first", retention::call_today)
        .get("/api/v1/retention/at-risk", Need::Can(Action::Read), "Customers at risk of leaving, with the reasons and the CLV at stake, most valuable first", winback::at_risk)
        .get("/api/v1/retention/churned", Need::Can(Action::Read), "Customers who left (cancelled, withdrew or went dormant), with the reason and the value lost", winback::churned)
        .get("/api/v1/retention/at-risk.csv", Need::Can(Action::Export), "The at-risk list as CSV", winback::at_risk_csv)
        .get("/api/v1/retention/churned.csv", Need::Can(Action::Export), "The churned list as CSV", winback::churned_csv)
        .post("/api/v1/retention/refresh", Need::Can(Action::RunCampaigns), "Rebuild the win-back lists now (they are rebuilt after every score run and contract import)", winback::refresh)
        .get("/api/v1/retention/saved-filters", Need::SignedIn, "My saved filters of the win-back lists", winback::saved_filters)
        .post("/api/v1/retention/saved-filters", Need::SignedIn, "Save a filter of a win-back list", winback::save_filter)
        .delete("/api/v1/retention/saved-filters/{id}", Need::SignedIn, "Remove one of my saved filters", winback::delete_filter)
        .get("/api/v1/campaigns", Need::Can(Action::Read), "Win-back campaigns, newest first", campaigns::list)
        .post("/api/v1/campaigns", Need::Can(Action::RunCampaigns), "Start a win-back campaign on a list (or a filter of it), with a random control group held out, offers per reason and tasks", campaigns::create)
        .get("/api/v1/campaigns/{key}", Need::Can(Action::Read), "A campaign and its result: win-back rate against the control group with its 95 % interval, revenue regained, cost per regained customer, by reason and offer", campaigns::show)
        .get("/api/v1/campaigns/{key}/members", Need::Can(Action::Read), "A campaign's customers with their arm, offer, task and outcome", campaigns::members)
        .get("/api/v1/campaigns/{key}/members.csv", Need::Can(Action::Export), "A campaign's customers and outcomes as CSV", campaigns::members_csv)
        .post("/api/v1/campaigns/{key}/attempts", Need::SignedIn, "Record a contact attempt and its outcome (agents; relationship managers for their own tasks)", campaigns::attempt)
        .post("/api/v1/campaigns/{key}/close", Need::Can(Action::RunCampaigns), "Close a campaign: no more attempts, open tasks cancelled", campaigns::close)
        .post("/api/v1/contracts/{key}/events", Need::Write(ImportKind::Contracts), "Record a delivery, withdrawal, cancellation, renewal or expiry of a contract, checked against its life cycle", lifecycle::contract_event)
        .get("/api/v1/settings/winback-thresholds", Need::Can(Action::Read), "Where the win-back lists draw their lines (the defaults until an admin sets them)", winback::get_thresholds)
        .put("/api/v1/settings/winback-thresholds", Need::Can(Action::ManageSettings), "Set the win-back lists' thresholds (from their next rebuild)", winback::put_thresholds)
        .delete("/api/v1/settings/winback-thresholds", Need::Can(Action::ManageSettings), "Back to the default thresholds", winback::delete_thresholds)
        .get("/api/v1/settings/withdrawal-rules", Need::Can(Action::Read), "The withdrawal (cooling-off) periods by product and category (the defaults until an admin sets them)", lifecycle::get_rules)
        .put("/api/v1/settings/withdrawal-rules", Need::Can(Action::ManageSettings), "Set the withdrawal periods (for contracts recorded from now on)", lifecycle::put_rules)
        .delete("/api/v1/settings/withdrawal-rules", Need::Can(Action::ManageSettings), "Back to the default withdrawal periods", lifecycle::delete_rules)
        .get("/api/v1/settings/health-weights", Need::Can(Action::Read), "The health score weights (the defaults until an admin sets them)", settings::get)
        .put("/api/v1/settings/health-weights", Need::Can(Action::ManageSettings), "Set the health score weights (relative, from the next score run)", settings::put)
        .delete("/api/v1/settings/health-weights", Need::Can(Action::ManageSettings), "Back to the default health score weights", settings::delete)
        .get("/api/v1/insights/acquisition.csv", Need::Can(Action::Export), "The acquisition insights as CSV, one row per group", insights::acquisition_csv);
    for k in KINDS {
        routes = kind_routes(routes, k);
    }
    routes
}

fn kind_routes(routes: Routes, k: &'static KindApi) -> Routes {
    let write = Need::Write(k.kind);
    let read = Need::Can(Action::Read);
    let routes = routes
        .get(
            k.path,
            read,
            "List, filter, search and page through records",
            move |s: State<AppState>, q: RawQuery| listing::list(k, s, q),
        )
        .get(
            k.item,
            read,
            "One record, by external id (or key) or id",
            move |s: State<AppState>, p: Path<String>| records::get(k, s, p),
        );
    if k.kind == ImportKind::Orders {
        return order_routes(routes, k);
    }
    if !rapport_app::records::writable(k.kind) {
        return routes;
    }
    routes
        .post(
            k.path,
            write,
            "Create a record",
            move |s: State<AppState>, c: Extension<Caller>, b: body::JsonBody| {
                records::create(k, s, c, b)
            },
        )
        .post(
            k.bulk,
            write,
            "Create or update up to 1,000 records by key",
            move |s: State<AppState>, c: Extension<Caller>, b: body::JsonBody| {
                records::bulk(k, s, c, b)
            },
        )
        .patch(
            k.item,
            write,
            "Change the given fields of a record",
            move |s: State<AppState>, c: Extension<Caller>, p: Path<String>, b: body::JsonBody| {
                records::update(k, s, c, p, b)
            },
        )
        .delete(
            k.item,
            write,
            "Delete a record",
            move |s: State<AppState>, c: Extension<Caller>, p: Path<String>| {
                records::delete(k, s, c, p)
            },
        )
}

/// Orders are written with their lines nested (`orders.rs`); they are deleted like any record.
fn order_routes(routes: Routes, k: &'static KindApi) -> Routes {
    let write = Need::Write(k.kind);
    routes
        .post(
            k.path,
            write,
            "Create an order with its lines",
            move |s: State<AppState>, c: Extension<Caller>, b: body::JsonBody| {
                orders::create(k, s, c, b)
            },
        )
        .post(
            k.bulk,
            write,
            "Create or update up to 1,000 orders by order_id (lines given replace the stored ones)",
            orders::bulk,
        )
        .patch(
            k.item,
            write,
            "Change the given fields of an order; lines, when given, replace its lines",
            move |s: State<AppState>, c: Extension<Caller>, p: Path<String>, b: body::JsonBody| {
                orders::update(k, s, c, p, b)
            },
        )
        .delete(
            k.item,
            write,
            "Delete an order with its lines",
            move |s: State<AppState>, c: Extension<Caller>, p: Path<String>| {
                records::delete(k, s, c, p)
            },
        )
}
