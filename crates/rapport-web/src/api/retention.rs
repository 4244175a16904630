//! The retention reports: `GET /api/v1/retention/top-reasons` (the top ten cancellation
//! reasons of a period and slice), `/top-reasons/{code}/contracts` (the drill-down),
//! `/remorse` (withdrawal rates by signing-to-delivery gap, product and channel) and
//! `/call-today` (contracts in their withdrawal period with no contact since signing); what
//! happens to a contract (`POST /api/v1/contracts/{key}/events`); and the withdrawal periods
//! (`/api/v1/settings/withdrawal-rules`).

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, Utc};
use rapport_app::import::ImportKind;
use rapport_app::records::{RecordError, Writing};
use rapport_app::retention::{
    self, Ended, RemorseQuery, TopQuery, call_list_json, contracts, filters, lists, rules,
};
use rapport_domain::lifecycle::ContractEvent;
use rapport_store::{EndedContract, WinbackQuery};
use serde_json::{Value, json};

use super::body::{JsonBody, Params};
use super::fields;
use super::insights::{MAX_PAGE, Owner, resolve_owner};
use crate::auth::Caller;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// The slice and period parameters of the cancellation reports.
pub const TOP_PARAMS: &[&str] = &[
    "from", "to", "ended", "product", "category", "channel", "segment", "owner", "lang",
];

/// A query-parameter problem is a bad request, as for the other report endpoints.
fn bad_request(e: RecordError) -> Problem {
    match Problem::from(e) {
        p if p.status == StatusCode::UNPROCESSABLE_ENTITY => Problem {
            status: StatusCode::BAD_REQUEST,
            ..p
        },
        p => p,
    }
}

/// A report's period from `from` and `to` (both days included): by default the 365 days up to
/// `today`.
pub fn read_period(
    get: &dyn Fn(&str) -> Option<String>,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> (NaiveDate, NaiveDate) {
    let mut day = |name: &str, default: NaiveDate| match get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        None => default,
        Some(v) => NaiveDate::parse_from_str(&v, "%Y-%m-%d").unwrap_or_else(|_| {
            errors.push(FieldError::new(None, name, "must be a date, YYYY-MM-DD"));
            default
        }),
    };
    let to = day("to", today);
    let from = day("from", to.checked_sub_days(Days::new(364)).unwrap_or(to));
    (from, to)
}

/// The period and slice of a cancellation report from query parameters: by default the 365
/// days up to today.
pub fn read_top_query(
    get: &dyn Fn(&str) -> Option<String>,
    today: NaiveDate,
) -> (TopQuery, Owner, Vec<FieldError>) {
    let mut errors = Vec::new();
    let text = |name: &str| {
        get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(200).collect::<String>())
    };
    let (from, to) = read_period(get, today, &mut errors);
    let ended = match text("ended") {
        None => Ended::Both,
        Some(e) => Ended::parse(&e).unwrap_or_else(|| {
            errors.push(FieldError::new(
                None,
                "ended",
                format!("must be one of {}", Ended::CODES.join(", ")),
            ));
            Ended::Both
        }),
    };
    let owner = match text("owner") {
        None => Owner::Anyone,
        Some(o) if o == "me" => Owner::Me,
        Some(o) => Owner::Email(o),
    };
    let q = TopQuery {
        from,
        to,
        ended,
        product: text("product"),
        category: text("category"),
        channel: text("channel"),
        segment: text("segment"),
        owner: None,
    };
    (q, owner, errors)
}

fn lang(params: &Params) -> &'static str {
    match params.get("lang") {
        Some("de") => "de",
        Some("fr") => "fr",
        Some("el") => "el",
        _ => "en",
    }
}

/// The query of `params` with its owner resolved, or the problem with it.
async fn top_query(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<(TopQuery, rapport_store::Tx), Problem> {
    let (mut q, owner, mut errors) = read_top_query(
        &|k| params.get(k).map(str::to_string),
        Utc::now().date_naive(),
    );
    if let Some(l) = params.get("lang")
        && !matches!(l, "en" | "de" | "fr" | "el")
    {
        errors.push(FieldError::new(
            None,
            "lang",
            "must be one of en, de, fr, el",
        ));
    }
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
    Ok((q, tx))
}

/// `GET /api/v1/retention/top-reasons`.
pub async fn top_reasons(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    params.only(|p| TOP_PARAMS.contains(&p))?;
    let (q, mut tx) = top_query(&state, &caller, &params).await?;
    let found = retention::top_reasons(&mut tx, &q).await;
    tx.rollback().await?;
    let top = found.map_err(bad_request)?;
    Ok(axum::Json(top.to_json(lang(&params))).into_response())
}

/// The drill-down rows as JSON.
pub fn contracts_json(rows: &[EndedContract]) -> serde_json::Value {
    json!(
        rows.iter()
            .map(|c| json!({
                "contract_id": c.contract,
                "contract_external_id": c.external_id,
                "party_id": c.party,
                "party_external_id": c.party_external_id,
                "name": c.party_name,
                "owner_id": c.owner,
                "sku": c.sku,
                "status": c.status,
                "note": c.note,
                "value_minor": c.value_minor,
                "currency": c.currency,
                "signed_at": c.signed_at.to_rfc3339(),
                "ended_at": c.cancelled_at.to_rfc3339(),
                "clv": c.clv,
            }))
            .collect::<Vec<_>>()
    )
}

/// `GET /api/v1/retention/top-reasons/{code}/contracts`: the contracts ended for one reason
/// in the period and slice, the most valuable first.
pub async fn reason_contracts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    params.only(|p| TOP_PARAMS.contains(&p) || matches!(p, "limit" | "offset"))?;
    let limit = params.number("limit", 50, MAX_PAGE)?;
    let offset = params.number("offset", 0, 10_000_000)?;
    let (q, mut tx) = top_query(&state, &caller, &params).await?;
    let found = retention::reason_contracts(&mut tx, &q, &code, offset, limit).await;
    tx.rollback().await?;
    let (reason, rows) = found.map_err(|e| match e {
        RecordError::Invalid(ref errors)
            if errors.iter().any(|e| e.column.as_deref() == Some("reason")) =>
        {
            Problem::not_found(format!("there is no cancellation reason {code}"))
        }
        e => bad_request(e),
    })?;
    Ok(axum::Json(json!({
        "code": reason.code,
        "label": reason.label(lang(&params)),
        "offset": offset,
        "contracts": contracts_json(&rows),
    }))
    .into_response())
}

/// `GET /api/v1/retention/remorse`: withdrawal rates of the contracts signed in a period
/// (by default the 365 days up to today).
pub async fn remorse(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    params.only(|p| matches!(p, "from" | "to" | "product"))?;
    let now = Utc::now();
    let mut errors = Vec::new();
    let (from, to) = read_period(
        &|k| params.get(k).map(str::to_string),
        now.date_naive(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem {
            status: StatusCode::BAD_REQUEST,
            ..Problem::invalid(errors)
        });
    }
    let q = RemorseQuery {
        from,
        to,
        product: params
            .get("product")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.chars().take(200).collect()),
        now,
    };
    let mut tx = state.store.begin_read(state.org).await?;
    let found = retention::remorse(&mut tx, &q).await;
    tx.rollback().await?;
    Ok(axum::Json(found.map_err(bad_request)?.to_json()).into_response())
}

/// `GET /api/v1/retention/call-today`: contracts inside their withdrawal period whose
/// customer nobody has contacted since signing, the nearest deadline first.
pub async fn call_today(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    params.only(|p| matches!(p, "owner" | "limit" | "offset"))?;
    let limit = params.number("limit", 50, MAX_PAGE)?;
    let offset = params.number("offset", 0, 10_000_000)?;
    let owner = match params.get("owner").map(str::trim).filter(|o| !o.is_empty()) {
        None => Owner::Anyone,
        Some("me") => Owner::Me,
        Some(o) => Owner::Email(o.to_string()),
    };
    let mut tx = state.store.begin_read(state.org).await?;
    let owner = match resolve_owner(&mut tx, &owner, caller.user.id.as_uuid()).await? {
        Ok(o) => o,
        Err(e) => {
            tx.rollback().await?;
            return Err(Problem {
                status: StatusCode::BAD_REQUEST,
                ..Problem::invalid(vec![e])
            });
        }
    };
    let found = retention::call_today(&mut tx, Utc::now(), owner, offset, limit).await;
    tx.rollback().await?;
    Ok(axum::Json(call_list_json(&found.map_err(bad_request)?, offset)).into_response())
}

/// The fields a contract event accepts.
const EVENT_FIELDS: &[&str] = &[
    "event",
    "at",
    "reason",
    "note",
    "override_deadline",
    "until",
];

/// A contract event from its JSON body (`at` defaults to `now`), or the fields that are wrong.
pub fn read_event(body: &Value, now: DateTime<Utc>) -> Result<ContractEvent, Vec<FieldError>> {
    let Some(obj) = body.as_object() else {
        return Err(vec![FieldError::new(
            None,
            "event",
            "the body must be a JSON object",
        )]);
    };
    let mut errors: Vec<FieldError> = obj
        .keys()
        .filter(|k| !EVENT_FIELDS.contains(&k.as_str()))
        .map(|k| FieldError::new(None, k, "is not a field of a contract event"))
        .collect();
    let text = |name: &str, errors: &mut Vec<FieldError>| -> Option<String> {
        match obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= fields::TEXT_MAX => {
                Some(s.trim().to_string()).filter(|s| !s.is_empty())
            }
            Some(_) => {
                errors.push(FieldError::new(None, name, "must be a string"));
                None
            }
        }
    };
    let time = |name: &str, errors: &mut Vec<FieldError>| -> Option<DateTime<Utc>> {
        let v = text(name, errors)?;
        match rapport_domain::parse_timestamp(&v) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(FieldError::new(None, name, e.to_string()));
                None
            }
        }
    };
    let kind = text("event", &mut errors);
    let at = time("at", &mut errors).unwrap_or(now);
    let reason = text("reason", &mut errors);
    let note = text("note", &mut errors);
    let until = time("until", &mut errors);
    let late = match obj.get("override_deadline") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(FieldError::new(
                None,
                "override_deadline",
                "must be true or false",
            ));
            false
        }
    };
    let needs_reason = |errors: &mut Vec<FieldError>| {
        if reason.is_none() {
            errors.push(FieldError::new(
                None,
                "reason",
                "is required: the code of a cancellation reason",
            ));
        }
    };
    let event = match kind.as_deref() {
        Some("deliver") => Some(ContractEvent::Deliver { at }),
        Some("withdraw") => {
            needs_reason(&mut errors);
            Some(ContractEvent::Withdraw {
                at,
                reason: reason.clone().unwrap_or_default(),
                note: note.clone(),
                late,
            })
        }
        Some("cancel") => {
            needs_reason(&mut errors);
            Some(ContractEvent::Cancel {
                at,
                reason: reason.clone().unwrap_or_default(),
                note: note.clone(),
            })
        }
        Some("renew") => Some(ContractEvent::Renew { at, until }),
        Some("expire") => Some(ContractEvent::Expire { at }),
        other => {
            errors.push(FieldError::new(
                None,
                "event",
                match other {
                    None => "is required".to_string(),
                    Some(_) => format!("must be one of {}", ContractEvent::CODES.join(", ")),
                },
            ));
            None
        }
    };
    if reason.is_some() && !matches!(kind.as_deref(), Some("withdraw" | "cancel")) {
        errors.push(FieldError::new(
            None,
            "reason",
            "only a withdrawal or a cancellation has a reason",
        ));
    }
    match event {
        Some(e) if errors.is_empty() => Ok(e),
        _ => Err(errors),
    }
}

/// `POST /api/v1/contracts/{key}/events`: records a delivery, withdrawal, cancellation,
/// renewal or expiry; answers with the contract as stored.
pub async fn contract_event(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let now = Utc::now();
    let event = read_event(&body, now).map_err(Problem::invalid)?;
    let who = Writing {
        actor: Some(caller.actor()),
        source: "api".into(),
        now,
    };
    let stored = contracts::record_event(&state.store, state.org, &key, &event, &who).await?;
    Ok(axum::Json(fields::to_json(ImportKind::Contracts, &stored)).into_response())
}

async fn rules_json(state: &AppState) -> Result<Value, Problem> {
    let mut tx = state.store.begin_read(state.org).await?;
    let (r, at) = rules::withdrawal_rules(&mut tx).await?;
    tx.rollback().await?;
    Ok(json!({
        "rules": r.to_json(),
        "default": at.is_none(),
        "updated_at": at.as_ref().map(rapport_domain::dates::format_timestamp),
    }))
}

/// `GET /api/v1/settings/withdrawal-rules`.
pub async fn get_rules(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    Params::parse(raw.as_deref())?.only(|_| false)?;
    Ok(axum::Json(rules_json(&state).await?).into_response())
}

/// `PUT /api/v1/settings/withdrawal-rules`: `{default_days, categories, products}`.
pub async fn put_rules(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let r = rules::WithdrawalRules::from_json(&body)?;
    save_rules(&state, &caller, Some(&r)).await
}

/// `DELETE /api/v1/settings/withdrawal-rules`: back to the defaults.
pub async fn delete_rules(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    save_rules(&state, &caller, None).await
}

async fn save_rules(
    state: &AppState,
    caller: &Caller,
    r: Option<&rules::WithdrawalRules>,
) -> Result<Response, Problem> {
    rules::set_withdrawal_rules(
        &state.store,
        state.org,
        r,
        Some(caller.user.id),
        "api",
        Utc::now(),
    )
    .await?;
    Ok(axum::Json(rules_json(state).await?).into_response())
}

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
