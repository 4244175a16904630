//! The record endpoints, the same for every kind: list (filters, sort, search, cursor), read,
//! create, change, delete, and bulk upsert. Each handler turns JSON into the kind's fields,
//! calls one use case of `rapport_app::records`, and turns the outcome back into JSON.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::records::{self, MAX_BULK, Mode, Writing};
use rapport_store::query::cursor_columns;
use rapport_store::{ColType, Filter, ListQuery, Op, Search, Tx, Value};
use serde_json::json;

use super::body::{JsonBody, Params};
use super::fields::{JsonType, json_type, to_fields, to_json};
use super::kinds::{KindApi, Reference, reference_filter};
use crate::auth::Caller;
use crate::problem::{FieldError, Problem, record_problem};
use crate::state::AppState;

/// Largest page.
pub const MAX_LIMIT: usize = 200;
const DEFAULT_LIMIT: usize = 50;

fn writing(caller: &Caller, source: &str) -> Writing {
    Writing {
        actor: Some(caller.actor()),
        source: source.to_string(),
        now: Utc::now(),
    }
}

/// Defaults that name the caller: an interaction logged without saying by whom was logged by
/// the caller; a relationship manager's new party without an owner is theirs.
pub fn default_author(kind: ImportKind, caller: &Caller, fields: &mut Vec<(String, String)>) {
    let given = |name: &str| fields.iter().any(|(f, _)| f == name);
    let me = caller.user.email.as_str().to_string();
    if kind == ImportKind::Interactions && !given("user_email") {
        fields.push(("user_email".into(), me));
    } else if matches!(kind, ImportKind::Parties | ImportKind::Contacts)
        && caller.user.role == rapport_domain::UserRole::RelationshipManager
        && !given("owner_email")
    {
        fields.push(("owner_email".into(), me));
    }
}

/// The owner a bulk call gives the parties (or contacts) it creates: a relationship manager's
/// new parties without an owner are theirs, as in a single create (records that exist keep
/// their owner).
pub fn owner_of_new(
    kind: ImportKind,
    caller: &Caller,
    fields: &[String],
) -> Option<rapport_domain::UserId> {
    (matches!(kind, ImportKind::Parties | ImportKind::Contacts)
        && caller.user.role == rapport_domain::UserRole::RelationshipManager
        && !fields.iter().any(|f| f == "owner_email"))
    .then_some(caller.user.id)
}

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
    let mut rows = records::list(&mut tx, k.kind, &q).await?;
    tx.rollback().await?;
    let (table, _) = rapport_app::export::stored_as(k.kind);
    // Orders render one record per line: page by orders, not lines.
    let mut orders_seen = 0;
    let mut cut = rows.len();
    let mut last_id = None;
    for (i, (row, _)) in rows.iter().enumerate() {
        let id = row[0].clone();
        if last_id.as_ref() != Some(&id) {
            orders_seen += 1;
            last_id = Some(id);
        }
        if orders_seen > limit {
            cut = i;
            break;
        }
    }
    let more = cut < rows.len();
    rows.truncate(cut);
    let next = if more {
        rows.last()
            .map(|(row, _)| encode_cursor(&Tx::cursor_of(table, q.sort, row)))
    } else {
        None
    };
    let items: Vec<serde_json::Value> = rows.iter().map(|(_, r)| to_json(k.kind, r)).collect();
    Ok(axum::Json(json!({"items": items, "next_cursor": next})).into_response())
}

pub async fn get(
    k: &'static KindApi,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    let mut tx = state.store.begin_lookup(state.org).await?;
    let found = records::get(&mut tx, k.kind, &key).await?;
    tx.rollback().await?;
    match found {
        Some(rec) => Ok(axum::Json(to_json(k.kind, &rec)).into_response()),
        None => Err(Problem::not_found(format!(
            "no {} has the key {key}",
            k.noun
        ))),
    }
}

fn object(v: &serde_json::Value) -> Result<&serde_json::Map<String, serde_json::Value>, Problem> {
    v.as_object().ok_or_else(|| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the body must be a JSON object",
        )
    })
}

async fn read_back(state: &AppState, k: &KindApi, key: &str) -> Result<serde_json::Value, Problem> {
    // Through the pool, not a lookup: writes queue for SQLite's write lock, and a read run on
    // the async worker here would hold up the thread that drives the queue's current writer.
    let mut tx = state.store.begin_read(state.org).await?;
    let rec = records::get(&mut tx, k.kind, key).await?;
    tx.rollback().await?;
    rec.map(|r| to_json(k.kind, &r))
        .ok_or_else(|| Problem::not_found(format!("no {} has the key {key}", k.noun)))
}

pub async fn create(
    k: &'static KindApi,
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let mut fields = to_fields(k.kind, object(&body)?, None).map_err(Problem::invalid)?;
    default_author(k.kind, &caller, &mut fields);
    let (names, values): (Vec<String>, Vec<String>) = fields.into_iter().unzip();
    let outcome = records::write(
        &state.store,
        state.org,
        k.kind,
        Mode::Create,
        &names,
        vec![values],
        &writing(&caller, "api"),
    )
    .await
    .map_err(|e| record_problem(e, false))?;
    let key = outcome.keys.first().cloned().unwrap_or_default();
    let rec = read_back(&state, k, &key).await?;
    // One path segment: a '/' in the key is encoded too (the component encoder keeps it).
    let segment = crate::auth::encode_component(&key).replace('/', "%2F");
    let location = format!("{}/{segment}", k.path);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(rec),
    )
        .into_response())
}

pub async fn update(
    k: &'static KindApi,
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let fields = to_fields(k.kind, object(&body)?, None).map_err(Problem::invalid)?;
    // The stored record's own key (the path may name it by id or by an alias).
    let mut tx = state.store.begin_read(state.org).await?;
    let current = records::get(&mut tx, k.kind, &key).await?;
    tx.rollback().await?;
    let Some(current) = current else {
        return Err(Problem::not_found(format!(
            "no {} has the key {key}",
            k.noun
        )));
    };
    let natural = current.fields.first().cloned().unwrap_or_default();
    records::update(
        &state.store,
        state.org,
        k.kind,
        &natural,
        &fields,
        &writing(&caller, "api"),
    )
    .await?;
    Ok(axum::Json(read_back(&state, k, &natural).await?).into_response())
}

pub async fn delete(
    k: &'static KindApi,
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    records::delete(
        &state.store,
        state.org,
        k.kind,
        &key,
        &writing(&caller, "api"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn bulk(
    k: &'static KindApi,
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let items = body
        .get("items")
        .and_then(|i| i.as_array())
        .filter(|_| body.as_object().is_some_and(|o| o.len() == 1))
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the body must be {\"items\": [ … ]} with up to 1000 records",
            )
        })?;
    if items.is_empty() || items.len() > MAX_BULK {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "send from 1 to {MAX_BULK} records per call, not {}",
                items.len()
            ),
        ));
    }
    // Every record speaks for the union of the fields any record gives; a field a record
    // leaves out keeps its stored value only if no record gives it, so records must agree.
    let mut errors = Vec::new();
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_object() {
            None => errors.push(FieldError::new(
                Some(i),
                "(record)",
                "must be a JSON object",
            )),
            Some(o) => match to_fields(k.kind, o, Some(i)) {
                Ok(f) => parsed.push(f),
                Err(mut e) => errors.append(&mut e),
            },
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let names: Vec<String> = k
        .kind
        .fields()
        .iter()
        .map(|f| f.name.to_string())
        .filter(|n| parsed.iter().any(|p| p.iter().any(|(f, _)| f == n)))
        .collect();
    let mut rows = Vec::with_capacity(parsed.len());
    for (i, p) in parsed.iter().enumerate() {
        let missing: Vec<&String> = names
            .iter()
            .filter(|n| !p.iter().any(|(f, _)| f == *n))
            .collect();
        if let Some(m) = missing.first() {
            errors.push(FieldError::new(
                Some(i),
                m,
                "is given by other records of this call; give it in every record (null clears it)",
            ));
            continue;
        }
        rows.push(p.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>());
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let outcome = records::upsert_owning(
        &state.store,
        state.org,
        k.kind,
        &names,
        rows,
        &writing(&caller, "api"),
        owner_of_new(k.kind, &caller, &names),
    )
    .await
    .map_err(|e| record_problem(e, true))?;
    Ok(axum::Json(json!({
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "keys": outcome.keys,
    }))
    .into_response())
}
