//! `GET /api/v1/parties/{key}/360`: the party with everything around it in one call.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rapport_app::import::ImportKind;
use rapport_app::party360::{self, Party360};
use rapport_domain::dates::format_timestamp;
use serde_json::{Value, json};

use super::fields::to_json;
use crate::problem::Problem;
use crate::state::AppState;

pub async fn three_sixty(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    let mut tx = state.store.begin_lookup(state.org).await?;
    let found = party360::load(&mut tx, &key).await?;
    tx.rollback().await?;
    let Some(p) = found else {
        return Err(Problem::not_found(format!("no party has the key {key}")));
    };
    Ok(axum::Json(to_value(&p)).into_response())
}

/// The 360 as the API shows it.
pub fn to_value(p: &Party360) -> Value {
    let list = |kind: ImportKind, recs: &[rapport_app::records::StoredRecord]| -> Vec<Value> {
        recs.iter().map(|r| to_json(kind, r)).collect()
    };
    let time = |t: &Option<chrono::DateTime<chrono::Utc>>| t.as_ref().map(format_timestamp);
    json!({
        "party": to_json(ImportKind::Parties, &p.party),
        "contacts": list(ImportKind::Contacts, &p.contacts),
        "links": p.links.iter().map(|l| json!({
            "kind": l.kind,
            "direction": if l.outgoing { "outgoing" } else { "incoming" },
            "party_external_id": l.other_external_id,
            "party_name": l.other_name,
            "job_title": l.job_title,
        })).collect::<Vec<_>>(),
        "recent_interactions": list(ImportKind::Interactions, &p.interactions),
        "orders": {
            "by_currency": p.order_summary.iter().map(|s| json!({
                "currency": s.currency,
                "orders": s.orders,
                "total": rapport_domain::Currency::parse(&s.currency)
                    .map(|c| rapport_domain::format_minor(s.total_minor, c.minor_digits()))
                    .unwrap_or_else(|_| rapport_domain::format_minor(s.total_minor, 2)),
                "first_ordered_at": time(&s.first),
                "last_ordered_at": time(&s.last),
            })).collect::<Vec<_>>(),
            "recent_lines": list(ImportKind::Orders, &p.orders),
        },
        "contracts": list(ImportKind::Contracts, &p.contracts),
        "recent_surveys": list(ImportKind::Surveys, &p.surveys),
        "open_cases": list(ImportKind::Cases, &p.open_cases),
        "open_tasks": list(ImportKind::Tasks, &p.open_tasks),
        "scores": p.scores.first().map(|latest| json!({
            "latest": latest.to_json(),
            "history": p.scores.iter().map(|s| json!({
                "as_of": s.as_of.to_string(),
                "health": s.health,
                "class": s.class,
                "p_alive": s.p_alive,
                "clv_12m": s.clv,
            })).collect::<Vec<_>>(),
        })),
    })
}
