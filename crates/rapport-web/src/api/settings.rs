//! `GET|PUT|DELETE /api/v1/settings/health-weights`: the org's health score weights.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_app::records::RecordError;
use rapport_app::settings;
use rapport_domain::dates::format_timestamp;
use serde_json::{Value, json};

use super::body::{JsonBody, Params};
use crate::auth::Caller;
use crate::problem::Problem;
use crate::state::AppState;

/// The weights, whether they are the defaults, and when an admin last set them.
pub async fn get(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref())?.only(|_| false)?;
    Ok(axum::Json(current(&state).await?).into_response())
}

async fn current(state: &AppState) -> Result<Value, Problem> {
    let mut tx = state.store.begin_read(state.org).await?;
    let (w, at) = settings::health_weights(&mut tx).await?;
    tx.rollback().await?;
    Ok(json!({
        "weights": settings::weights_json(&w),
        "default": at.is_none(),
        "updated_at": at.as_ref().map(format_timestamp),
    }))
}

/// Sets the weights: every component, each from 0 to 100, relative (scaled to sum to 1).
pub async fn put(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let Some(obj) = body.as_object() else {
        return Err(Problem::bad_request(
            "the body must be a JSON object of weights",
        ));
    };
    let unknown: Vec<crate::problem::FieldError> = obj
        .keys()
        .filter(|k| {
            !rapport_analytics::health::ComponentKind::ALL
                .iter()
                .any(|c| c.code() == k.as_str())
        })
        .map(|k| crate::problem::FieldError::new(None, k, "is not a health component"))
        .collect();
    if !unknown.is_empty() {
        return Err(Problem::invalid(unknown));
    }
    let weights = settings::parse_weights(&|k| {
        obj.get(k).map(|v| match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => format!("not a number: {s}"),
            other => other.to_string(),
        })
    })
    .map_err(Problem::from)?;
    save(&state, &caller, Some(&weights)).await
}

/// Back to the defaults.
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    save(&state, &caller, None).await
}

async fn save(
    state: &AppState,
    caller: &Caller,
    weights: Option<&rapport_analytics::HealthWeights>,
) -> Result<Response, Problem> {
    settings::set_health_weights(
        &state.store,
        state.org,
        weights,
        Some(caller.user.id),
        "api",
        Utc::now(),
    )
    .await
    .map_err(|e: RecordError| Problem::from(e))?;
    Ok((StatusCode::OK, axum::Json(current(state).await?)).into_response())
}
