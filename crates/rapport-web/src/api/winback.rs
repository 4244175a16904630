//! The win-back lists (`GET /api/v1/retention/at-risk`, `/churned`, their CSV, `POST
//! /refresh`) and the users' saved filters of them (`/api/v1/retention/saved-filters`).

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_app::retention::{filters, lists};
use rapport_store::WinbackQuery;
use serde_json::{Value, json};

use super::body::{JsonBody, Params};
use super::insights::{MAX_PAGE, Owner, resolve_owner};
use crate::auth::Caller;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// A win-back list's filters from query parameters: `owner` (`me` or an e-mail), `reason` (a
/// signal or cancellation-reason code), `min_value`, `q` (name, e-mail or external id).
pub fn read_list_query(
    list: &str,
    get: &dyn Fn(&str) -> Option<String>,
) -> (WinbackQuery, Owner, Vec<FieldError>) {
    let mut errors = Vec::new();
    let text = |name: &str| {
        get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(200).collect::<String>())
    };
    let min_value = text("min_value").and_then(|v| match v.parse::<f64>() {
        Ok(n) if n.is_finite() && n.abs() <= 1e15 => Some(n),
        _ => {
            errors.push(FieldError::new(None, "min_value", "must be a number"));
            None
        }
    });
    let reason = text("reason");
    if let Some(r) = &reason
        && !r
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        errors.push(FieldError::new(
            None,
            "reason",
            "must be a signal or cancellation-reason code (letters, digits, _ and -)",
        ));
    }
    let owner = match text("owner") {
        None => Owner::Anyone,
        Some(o) if o == "me" => Owner::Me,
        Some(o) => Owner::Email(o),
    };
    let q = WinbackQuery {
        list: list.to_string(),
        owner: None,
        reason,
        min_value,
        search: text("q"),
        offset: 0,
        limit: 50,
    };
    (q, owner, errors)
}

/// The filters of a list endpoint.
pub const LIST_PARAMS: &[&str] = filters::QUERY_PARAMS;

async fn list_page(
    state: &AppState,
    caller: &Caller,
    list: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<lists::ListPage, Problem> {
    let params = Params::parse(raw)?;
    params.only(|p| LIST_PARAMS.contains(&p) || matches!(p, "limit" | "offset"))?;
    let (mut q, owner, mut errors) = read_list_query(list, &|k| params.get(k).map(str::to_string));
    q.limit = params.number("limit", 50.min(max), max)?;
    q.offset = params.number("offset", 0, 10_000_000)?;
    let mut tx = state.store.begin_read(state.org).await?;
    match resolve_owner(&mut tx, &owner, caller.user.id.as_uuid()).await? {
        Ok(o) => q.owner = o,
        Err(e) => errors.push(e),
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        return Err(Problem {
            status: StatusCode::BAD_REQUEST,
            ..Problem::invalid(errors)
        });
    }
    let page = lists::list(&mut tx, q).await;
    tx.rollback().await?;
    Ok(page?)
}

/// `GET /api/v1/retention/at-risk`.
pub async fn at_risk(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let page = list_page(&state, &caller, lists::AT_RISK, raw.as_deref(), MAX_PAGE).await?;
    Ok(axum::Json(page.to_json()).into_response())
}

/// `GET /api/v1/retention/churned`.
pub async fn churned(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let page = list_page(&state, &caller, lists::CHURNED, raw.as_deref(), MAX_PAGE).await?;
    Ok(axum::Json(page.to_json()).into_response())
}

/// The largest CSV export of a list.
pub const MAX_EXPORT: usize = 100_000;

/// A list as a CSV download.
pub fn csv_download(list: &str, page: &lists::ListPage) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.csv\"", list.replace('_', "-")),
            ),
        ],
        page.to_csv(),
    )
        .into_response()
}

/// `GET /api/v1/retention/at-risk.csv`.
pub async fn at_risk_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let page = list_page(&state, &caller, lists::AT_RISK, raw.as_deref(), MAX_EXPORT).await?;
    Ok(csv_download(lists::AT_RISK, &page))
}

/// `GET /api/v1/retention/churned.csv`.
pub async fn churned_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let page = list_page(&state, &caller, lists::CHURNED, raw.as_deref(), MAX_EXPORT).await?;
    Ok(csv_download(lists::CHURNED, &page))
}

/// `POST /api/v1/retention/refresh`: rebuilds both lists now.
pub async fn refresh(State(state): State<AppState>) -> Result<Response, Problem> {
    let r = lists::refresh(&state.store, state.org, Utc::now()).await?;
    Ok(axum::Json(json!({"at_risk": r.at_risk, "churned": r.churned})).into_response())
}

fn saved_json(f: &rapport_store::SavedFilter) -> Value {
    json!({
        "id": f.id,
        "list": f.list,
        "name": f.name,
        "query": f.query,
        "created_at": f.created_at.to_rfc3339(),
    })
}

/// `GET /api/v1/retention/saved-filters`: the caller's saved filters.
pub async fn saved_filters(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref())?.only(|_| false)?;
    let mut tx = state.store.begin_read(state.org).await?;
    let found = tx.saved_filters(caller.user.id.as_uuid(), None).await;
    tx.rollback().await?;
    let found = found?;
    Ok(
        axum::Json(json!({"items": found.iter().map(saved_json).collect::<Vec<_>>()}))
            .into_response(),
    )
}

/// `POST /api/v1/retention/saved-filters`: `{list, name, query}`.
pub async fn save_filter(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let f = filters::save(
        &state.store,
        state.org,
        caller.user.id,
        &body,
        "api",
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(saved_json(&f))).into_response())
}

/// `DELETE /api/v1/retention/saved-filters/{id}`.
pub async fn delete_filter(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    filters::delete(
        &state.store,
        state.org,
        caller.user.id,
        &id,
        "api",
        Utc::now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn thresholds_json(state: &AppState) -> Result<Value, Problem> {
    let mut tx = state.store.begin_read(state.org).await?;
    let (t, at) = lists::thresholds(&mut tx).await?;
    tx.rollback().await?;
    Ok(json!({
        "thresholds": t.to_json(),
        "default": at.is_none(),
        "updated_at": at.as_ref().map(rapport_domain::dates::format_timestamp),
    }))
}

/// `GET /api/v1/settings/winback-thresholds`.
pub async fn get_thresholds(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref())?.only(|_| false)?;
    Ok(axum::Json(thresholds_json(&state).await?).into_response())
}

/// `PUT /api/v1/settings/winback-thresholds`: every threshold; the lists follow at their next
/// rebuild (`POST /api/v1/retention/refresh` rebuilds them now).
pub async fn put_thresholds(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let t = lists::Thresholds::from_json(&body)?;
    lists::set_thresholds(
        &state.store,
        state.org,
        Some(&t),
        Some(caller.user.id),
        "api",
        Utc::now(),
    )
    .await?;
    Ok(axum::Json(thresholds_json(&state).await?).into_response())
}

/// `DELETE /api/v1/settings/winback-thresholds`: back to the defaults.
pub async fn delete_thresholds(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    lists::set_thresholds(
        &state.store,
        state.org,
        None,
        Some(caller.user.id),
        "api",
        Utc::now(),
    )
    .await?;
    Ok(axum::Json(thresholds_json(&state).await?).into_response())
}
