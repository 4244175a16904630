//! Listing records of a kind: the query parameters a list takes (filters by field, `q`
//! search, `sort`, `since`/`until`, `limit`), the store query they become, and the cursor that
//! pages on (the sort value and key of the last row, opaque to the caller). Orders list as
//! orders with their lines nested, paged by orders.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::records;
use rapport_store::query::cursor_columns;
use rapport_store::{ColType, Filter, ListQuery, Op, Row, Search, Tx, Value};
use serde_json::json;

use super::body::Params;
use super::fields::{JsonType, json_type, to_json};
use super::kinds::{KindApi, Reference, reference_filter};
use super::orders::order_json;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// Largest page.
pub const MAX_LIMIT: usize = 200;
const DEFAULT_LIMIT: usize = 50;

fn bad_param(name: &str, reason: impl Into<String>) -> Problem {
    Problem {
        status: StatusCode::BAD_REQUEST,
        ..Problem::invalid(vec![FieldError::new(None, name, reason)])
    }
}

/// The list parameters a kind accepts besides its filter fields.
const LIST_PARAMS: &[&str] = &["limit", "cursor", "q", "sort", "since", "until"];

/// Whether `field` filters a list of `k` (by equality).
pub fn filterable(k: &KindApi, field: &str) -> bool {
    let (table, _) = rapport_app::export::stored_as(k.kind);
    reference_filter(k.kind, field).is_some()
        || (k.kind.fields().iter().any(|f| f.name == field)
            && matches!(
                json_type(k.kind, field),
                JsonType::Text | JsonType::Code(_) | JsonType::Email
            )
            && table
                .try_col(field)
                .is_some_and(|c| table.columns[c].ty == ColType::Text))
}

/// Builds the store query from the parameters; `Ok(None)` when a reference names nothing
/// (the list is then empty).
async fn list_query(
    tx: &mut Tx,
    k: &KindApi,
    params: &Params,
) -> Result<Option<ListQuery>, Problem> {
    params.only(|p| LIST_PARAMS.contains(&p) || filterable(k, p))?;
    let limit = params.number("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let (sort_field, descending) = match params.get("sort") {
        None => (k.sorts[0].0, false),
        Some(s) => match s.strip_prefix('-') {
            Some(f) => (f, true),
            None => (s, false),
        },
    };
    let Some(&(_, sort)) = k.sorts.iter().find(|(f, _)| *f == sort_field) else {
        let names: Vec<&str> = k.sorts.iter().map(|(f, _)| *f).collect();
        return Err(bad_param(
            "sort",
            format!(
                "sorts by one of {} (prefix '-' for descending)",
                names.join(", ")
            ),
        ));
    };
    let mut q = ListQuery::new(sort, limit + 1);
    q.descending = descending;
    let (table, _) = rapport_app::export::stored_as(k.kind);
    for (name, value) in &params.0 {
        if LIST_PARAMS.contains(&name.as_str()) {
            continue;
        }
        let field: &'static str = k
            .kind
            .fields()
            .iter()
            .map(|f| f.name)
            .find(|f| f == name)
            .unwrap_or("");
        match reference_filter(k.kind, field) {
            Some((column, reference)) => {
                let Some(id) = resolve(tx, reference, value).await? else {
                    return Ok(None);
                };
                q.filters.push(Filter::eq(column, Value::Uuid(id)));
            }
            None => {
                let column = table.columns[table.col(field)].name;
                q.filters
                    .push(Filter::eq(column, Value::text(value.as_str())));
            }
        }
    }
    for (name, op) in [("since", Op::Gte), ("until", Op::Lt)] {
        if let Some(v) = params.get(name) {
            let Some(column) = k.time else {
                return Err(bad_param(name, format!("{} have no time to bound", k.kind)));
            };
            let t = rapport_domain::parse_timestamp(v)
                .map_err(|e| bad_param(name, format!("is not a time: {}", e.0)))?;
            q.filters.push(Filter {
                column,
                op,
                value: Value::Time(t),
            });
        }
    }
    if let Some(text) = params.get("q").map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > 200 {
            return Err(bad_param("q", "is longer than 200 characters"));
        }
        q.search = Some(Search {
            text: text.to_string(),
            contains: k.search_contains,
            exact: k.search_exact,
        });
    }
    if let Some(cursor) = params.get("cursor") {
        q.after = Some(
            decode_cursor(table, sort, cursor)
                .ok_or_else(|| bad_param("cursor", "is not a cursor of this list"))?,
        );
    }
    Ok(Some(q))
}

async fn resolve(
    tx: &mut Tx,
    reference: Reference,
    value: &str,
) -> Result<Option<uuid::Uuid>, Problem> {
    Ok(match reference {
        Reference::Party => tx
            .resolve_parties(&[value.to_string()])
            .await?
            .get(value)
            .copied(),
        Reference::User => match rapport_domain::Email::parse(value) {
            Ok(e) => tx.find_user_by_email(&e).await?.map(|u| u.id.as_uuid()),
            Err(_) => None,
        },
    })
}

/// The cursor: the sort value and key of the last row, as JSON in URL-safe base64.
fn encode_cursor(values: &[Value]) -> String {
    let json: Vec<serde_json::Value> = values.iter().map(Value::to_json).collect();
    URL_SAFE_NO_PAD.encode(serde_json::Value::Array(json).to_string())
}

fn decode_cursor(
    table: &rapport_store::Table,
    sort: &'static str,
    text: &str,
) -> Option<Vec<Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let items: Vec<serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    let cols = cursor_columns(table, sort);
    if items.len() != cols.len() {
        return None;
    }
    cols.iter()
        .zip(items)
        .map(|(c, v)| {
            let ty = table.columns[table.try_col(c)?].ty;
            value_from_json(ty, &v)
        })
        .collect()
}

fn value_from_json(ty: ColType, v: &serde_json::Value) -> Option<Value> {
    Some(match ty {
        ColType::Text => Value::text(v.as_str()?),
        ColType::Int => Value::Int(v.as_i64()?),
        ColType::Float => Value::Float(v.as_f64().filter(|f| f.is_finite())?),
        ColType::Uuid => Value::Uuid(uuid::Uuid::parse_str(v.as_str()?).ok()?),
        ColType::Time => Value::Time(
            chrono::DateTime::parse_from_rfc3339(v.as_str()?)
                .ok()?
                .with_timezone(&Utc),
        ),
        ColType::Date => {
            Value::Date(chrono::NaiveDate::parse_from_str(v.as_str()?, "%Y-%m-%d").ok()?)
        }
        ColType::Bool => Value::Bool(v.as_bool()?),
        ColType::Json => return None,
    })
}

pub async fn list(
    k: &'static KindApi,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    let mut tx = state.store.begin_read(state.org).await?;
    let Some(q) = list_query(&mut tx, k, &params).await? else {
        tx.rollback().await?;
        return Ok(axum::Json(json!({"items": [], "next_cursor": null})).into_response());
    };
    let limit = q.limit - 1;
    // Orders come with their lines nested: a page of orders.
    let mut rows: Vec<(Row, serde_json::Value)> = if k.kind == ImportKind::Orders {
        records::orders::list(&mut tx, &q)
            .await?
            .into_iter()
            .map(|(row, o)| (row, order_json(&o)))
            .collect()
    } else {
        records::list(&mut tx, k.kind, &q)
            .await?
            .into_iter()
            .map(|(row, rec)| (row, to_json(k.kind, &rec)))
            .collect()
    };
    tx.rollback().await?;
    let (table, _) = rapport_app::export::stored_as(k.kind);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last()
            .map(|(row, _)| encode_cursor(&Tx::cursor_of(table, q.sort, row)))
    } else {
        None
    };
    let items: Vec<serde_json::Value> = rows.into_iter().map(|(_, v)| v).collect();
    Ok(axum::Json(json!({"items": items, "next_cursor": next})).into_response())
}
