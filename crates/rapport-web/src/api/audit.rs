//! `GET /api/v1/audit`: the audit log, newest first (admins only).

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use rapport_domain::AuditEntry;
use rapport_domain::dates::format_timestamp;
use serde_json::{Value, json};

use super::body::Params;
use crate::problem::Problem;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    params.only(|p| matches!(p, "entity" | "limit"))?;
    let limit = params.number("limit", 100, 1_000)?;
    let mut tx = state.store.begin_read(state.org).await?;
    let entries = tx.list_audit(params.get("entity"), limit as i64).await?;
    let users: std::collections::HashMap<_, _> = tx
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.email.as_str().to_string()))
        .collect();
    tx.rollback().await?;
    let items: Vec<Value> = entries.iter().map(|e| entry_json(e, &users)).collect();
    Ok(axum::Json(json!({"items": items})).into_response())
}

fn entry_json(
    e: &AuditEntry,
    users: &std::collections::HashMap<rapport_domain::UserId, String>,
) -> Value {
    json!({
        "id": e.id.as_uuid(),
        "at": format_timestamp(&e.at),
        "user_email": e.user.and_then(|u| users.get(&u).cloned()),
        "source": e.source,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "action": e.action,
        "before": e.before,
        "after": e.after,
    })
}
