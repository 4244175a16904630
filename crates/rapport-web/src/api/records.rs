//! The record endpoints, the same for every kind: read, create, change, delete, and bulk
//! upsert (lists are in `listing.rs`). Each handler turns JSON into the kind's fields, calls
//! one use case of `rapport_app::records`, and turns the outcome back into JSON. Orders are
//! read here with their lines nested, and written in `orders.rs`.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::records::{self, MAX_BULK, WriteOutcome, Writing};
use rapport_store::Tx;
use serde_json::json;

use super::body::JsonBody;
use super::fields::{to_fields, to_json};
use super::kinds::KindApi;
use super::orders::order_json;
use crate::auth::Caller;
use crate::problem::{FieldError, Problem, record_problem};
use crate::state::AppState;

pub(super) fn writing(caller: &Caller, source: &str) -> Writing {
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

/// The record of `k` with this key as JSON, read in `tx`.
async fn find(tx: &mut Tx, k: &KindApi, key: &str) -> Result<Option<serde_json::Value>, Problem> {
    Ok(if k.kind == ImportKind::Orders {
        records::orders::get(tx, key).await?.map(|o| order_json(&o))
    } else {
        records::get(tx, k.kind, key)
            .await?
            .map(|r| to_json(k.kind, &r))
    })
}

pub async fn get(
    k: &'static KindApi,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, Problem> {
    let mut tx = state.store.begin_lookup(state.org).await?;
    let found = find(&mut tx, k, &key).await?;
    tx.rollback().await?;
    match found {
        Some(rec) => Ok(axum::Json(rec).into_response()),
        None => Err(Problem::not_found(format!(
            "no {} has the key {key}",
            k.noun
        ))),
    }
}

pub(super) fn object(
    v: &serde_json::Value,
) -> Result<&serde_json::Map<String, serde_json::Value>, Problem> {
    v.as_object().ok_or_else(|| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the body must be a JSON object",
        )
    })
}

pub(super) async fn read_back(
    state: &AppState,
    k: &KindApi,
    key: &str,
) -> Result<serde_json::Value, Problem> {
    // Through the pool, not a lookup: writes queue for SQLite's write lock, and a read run on
    // the async worker here would hold up the thread that drives the queue's current writer.
    let mut tx = state.store.begin_read(state.org).await?;
    let rec = find(&mut tx, k, key).await?;
    tx.rollback().await?;
    rec.ok_or_else(|| Problem::not_found(format!("no {} has the key {key}", k.noun)))
}

/// 201 with the new record and its Location.
pub(super) fn created(k: &KindApi, key: &str, rec: serde_json::Value) -> Response {
    // One path segment: a '/' in the key is encoded too (the component encoder keeps it).
    let segment = crate::auth::encode_component(key).replace('/', "%2F");
    let location = format!("{}/{segment}", k.path);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(rec),
    )
        .into_response()
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
    let (key, rec) = records::create_one(
        &state.store,
        state.org,
        k.kind,
        &names,
        values,
        &writing(&caller, "api"),
    )
    .await
    .map_err(|e| record_problem(e, false))?;
    Ok(created(k, &key, to_json(k.kind, &rec)))
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
    let items = bulk_items(&body)?;
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
    Ok(axum::Json(outcome_json(&outcome)).into_response())
}

/// The records of a bulk body (`{"items": [ … ]}`, 1 to 1000 of them).
pub(super) fn bulk_items(body: &serde_json::Value) -> Result<&Vec<serde_json::Value>, Problem> {
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
    Ok(items)
}

/// What a bulk call did.
pub(super) fn outcome_json(outcome: &WriteOutcome) -> serde_json::Value {
    json!({
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "keys": outcome.keys,
    })
}
