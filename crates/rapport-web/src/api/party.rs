//! `GET /api/v1/parties/{key}/360`: the party with everything around it in one call.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rapport_app::import::ImportKind;
use rapport_app::party360::{self, Party360};
use rapport_app::records::StoredRecord;
use rapport_domain::dates::format_timestamp;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};

use super::fields::RecordJson;
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
    let body = serde_json::to_vec(&Party360Json(&p)).map_err(|e| {
        tracing::error!("writing a 360 as JSON: {e}");
        Problem::internal()
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The 360 written straight to JSON, keys in alphabetical order.
struct Party360Json<'a>(&'a Party360);

/// Records of one kind as a JSON array.
struct Records<'a>(ImportKind, &'a [StoredRecord]);

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.iter().map(|rec| RecordJson { kind: self.0, rec }))
    }
}

impl Serialize for Party360Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let time = |t: &Option<chrono::DateTime<chrono::Utc>>| t.as_ref().map(format_timestamp);
        let mut map = s.serialize_map(Some(10))?;
        map.serialize_entry("contacts", &Records(ImportKind::Contacts, &p.contacts))?;
        map.serialize_entry("contracts", &Records(ImportKind::Contracts, &p.contracts))?;
        let links: Vec<Value> = p
            .links
            .iter()
            .map(|l| {
                json!({
                    "kind": l.kind,
                    "direction": if l.outgoing { "outgoing" } else { "incoming" },
                    "party_external_id": l.other_external_id,
                    "party_name": l.other_name,
                    "job_title": l.job_title,
                })
            })
            .collect();
        map.serialize_entry("links", &links)?;
        map.serialize_entry("open_cases", &Records(ImportKind::Cases, &p.open_cases))?;
        map.serialize_entry("open_tasks", &Records(ImportKind::Tasks, &p.open_tasks))?;
        let by_currency: Vec<Value> = p
            .order_summary
            .iter()
            .map(|s| {
                json!({
                    "currency": s.currency,
                    "orders": s.orders,
                    "total": rapport_domain::Currency::parse(&s.currency)
                        .map(|c| rapport_domain::format_minor(s.total_minor, c.minor_digits()))
                        .unwrap_or_else(|_| rapport_domain::format_minor(s.total_minor, 2)),
                    "first_ordered_at": time(&s.first),
                    "last_ordered_at": time(&s.last),
                })
            })
            .collect();
        map.serialize_entry(
            "orders",
            &Orders {
                by_currency,
                recent_lines: Records(ImportKind::Orders, &p.orders),
            },
        )?;
        map.serialize_entry(
            "party",
            &RecordJson {
                kind: ImportKind::Parties,
                rec: &p.party,
            },
        )?;
        map.serialize_entry(
            "recent_interactions",
            &Records(ImportKind::Interactions, &p.interactions),
        )?;
        map.serialize_entry("recent_surveys", &Records(ImportKind::Surveys, &p.surveys))?;
        let scores = p.scores.first().map(|latest| {
            json!({
                "latest": latest.to_json(),
                "history": p.scores.iter().map(|s| json!({
                    "as_of": s.as_of.to_string(),
                    "health": s.health,
                    "class": s.class,
                    "p_alive": s.p_alive,
                    "clv_12m": s.clv,
                })).collect::<Vec<_>>(),
            })
        });
        map.serialize_entry("scores", &scores)?;
        map.end()
    }
}

#[derive(Serialize)]
struct Orders<'a> {
    by_currency: Vec<Value>,
    recent_lines: Records<'a>,
}
