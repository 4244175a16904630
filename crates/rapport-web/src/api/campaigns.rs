//! Win-back campaigns: `GET|POST /api/v1/campaigns`, `GET /api/v1/campaigns/{key}` (the
//! result), `/members`, `/members.csv`, `POST /attempts` and `POST /close`.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_app::records::Writing;
use rapport_app::retention::campaigns::{self, Attempt, OUTCOMES, member_json};
use rapport_store::MemberQuery;
use serde_json::{Value, json};

use super::body::{JsonBody, Params};
use super::insights::MAX_PAGE;
use crate::auth::Caller;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

fn writing(caller: &Caller) -> Writing {
    Writing {
        actor: Some(caller.actor()),
        source: "api".into(),
        now: Utc::now(),
    }
}

/// `GET /api/v1/campaigns`.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref())?.only(|_| false)?;
    let mut tx = state.store.begin_read(state.org).await?;
    let all = campaigns::all(&mut tx).await;
    tx.rollback().await?;
    let all = all?;
    Ok(
        axum::Json(json!({"items": all.iter().map(|c| c.to_json()).collect::<Vec<_>>()}))
            .into_response(),
    )
}

/// `POST /api/v1/campaigns`.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let new = campaigns::parse_new(&body)?;
    let (c, treated, control) =
        campaigns::create(&state.store, state.org, &new, &writing(&caller)).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"campaign": c.to_json(), "treatment": treated, "control": control})),
    )
        .into_response())
}

/// `GET /api/v1/campaigns/{key}`: the campaign and its result.
pub async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref())?.only(|_| false)?;
    let mut tx = state.store.begin_read(state.org).await?;
    let r = campaigns::results(&mut tx, &key).await;
    tx.rollback().await?;
    Ok(axum::Json(r?.to_json()).into_response())
}

async fn member_page(
    state: &AppState,
    caller: &Caller,
    key: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<(Vec<rapport_store::MemberRow>, i64, usize), Problem> {
    let params = Params::parse(raw)?;
    params.only(|p| matches!(p, "arm" | "outcome" | "assignee" | "limit" | "offset"))?;
    let mut errors = Vec::new();
    let arm = params.get("arm").map(str::to_string);
    if let Some(a) = &arm
        && !matches!(a.as_str(), "treatment" | "control")
    {
        errors.push(FieldError::new(None, "arm", "must be treatment or control"));
    }
    let outcome = params.get("outcome").map(str::to_string);
    if let Some(o) = &outcome
        && !(o == "open" || OUTCOMES.contains(&o.as_str()))
    {
        errors.push(FieldError::new(
            None,
            "outcome",
            format!("must be open or one of {}", OUTCOMES.join(", ")),
        ));
    }
    let assignee = match params.get("assignee") {
        None => None,
        Some("me") => Some(caller.user.id.as_uuid()),
        Some(_) => {
            errors.push(FieldError::new(None, "assignee", "must be me"));
            None
        }
    };
    if !errors.is_empty() {
        return Err(Problem {
            status: StatusCode::BAD_REQUEST,
            ..Problem::invalid(errors)
        });
    }
    let limit = params.number("limit", 50.min(max), max)?;
    let offset = params.number("offset", 0, 10_000_000)?;
    let mut tx = state.store.begin_read(state.org).await?;
    let c = campaigns::get(&mut tx, key).await;
    let c = match c {
        Ok(c) => c,
        Err(e) => {
            tx.rollback().await?;
            return Err(e.into());
        }
    };
    let q = MemberQuery {
        campaign: c.id,
        arm,
        outcome: outcome.map(|o| if o == "open" { String::new() } else { o }),
        assignee,
        offset,
        limit,
    };
    let found = campaigns::members(&mut tx, &q).await;
    tx.rollback().await?;
    let (rows, total) = found?;
    Ok((rows, total, offset))
}

/// `GET /api/v1/campaigns/{key}/members`.
pub async fn members(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let (rows, total, offset) =
        member_page(&state, &caller, &key, raw.as_deref(), MAX_PAGE).await?;
    let next = offset + rows.len();
    Ok(axum::Json(json!({
        "total": total,
        "offset": offset,
        "next_offset": ((next as i64) < total).then_some(next),
        "items": rows.iter().map(member_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// `GET /api/v1/campaigns/{key}/members.csv`: members with their offer and outcome.
pub async fn members_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let (rows, _, _) = member_page(&state, &caller, &key, raw.as_deref(), 100_000).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"campaign-members.csv\"".to_string(),
            ),
        ],
        campaigns::members_csv(&rows),
    )
        .into_response())
}

/// `POST /api/v1/campaigns/{key}/attempts`: `{party, outcome, at?, note?}`.
pub async fn attempt(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let who = writing(&caller);
    let a = read_attempt(&body, who.now).map_err(Problem::invalid)?;
    campaigns::record_attempt(&state.store, state.org, &key, &a, &who).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"party": a.party, "outcome": a.outcome})),
    )
        .into_response())
}

/// An attempt from its JSON body (`at` defaults to now).
pub fn read_attempt(body: &Value, now: chrono::DateTime<Utc>) -> Result<Attempt, Vec<FieldError>> {
    let Some(obj) = body.as_object() else {
        return Err(vec![FieldError::new(
            None,
            "party",
            "the body must be a JSON object",
        )]);
    };
    let mut errors: Vec<FieldError> = obj
        .keys()
        .filter(|k| !matches!(k.as_str(), "party" | "outcome" | "at" | "note"))
        .map(|k| FieldError::new(None, k, "is not a field of an attempt"))
        .collect();
    let text = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let party = text("party").unwrap_or_default().to_string();
    if party.is_empty() {
        errors.push(FieldError::new(
            None,
            "party",
            "is required: the customer's external id",
        ));
    }
    let outcome = text("outcome").unwrap_or_default().to_string();
    if !OUTCOMES.contains(&outcome.as_str()) {
        errors.push(FieldError::new(
            None,
            "outcome",
            format!("must be one of {}", OUTCOMES.join(", ")),
        ));
    }
    let at = match text("at") {
        None => now,
        Some(s) => rapport_domain::parse_timestamp(s).unwrap_or_else(|e| {
            errors.push(FieldError::new(None, "at", e.to_string()));
            now
        }),
    };
    for k in ["party", "outcome", "at", "note"] {
        if obj.get(k).is_some_and(|v| !v.is_string() && !v.is_null()) {
            errors.push(FieldError::new(None, k, "must be a string"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Attempt {
        party,
        outcome,
        at,
        note: text("note").map(str::to_string),
    })
}

/// `POST /api/v1/campaigns/{key}/close`.
pub async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    let c = campaigns::close(&state.store, state.org, &key, &writing(&caller)).await?;
    Ok(axum::Json(c.to_json()).into_response())
}
