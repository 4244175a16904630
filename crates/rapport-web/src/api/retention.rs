//! The retention reports: `GET /api/v1/retention/top-reasons` (the top ten cancellation
//! reasons of a period and slice), `/top-reasons/{code}/contracts` (the drill-down),
//! `/remorse` (withdrawal rates by signing-to-delivery gap, product and channel) and
//! `/call-today` (contracts in their withdrawal period with no contact since signing).

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate, Utc};
use rapport_app::records::RecordError;
use rapport_app::retention::{self, Ended, RemorseQuery, TopQuery, call_list_json};
use rapport_store::EndedContract;
use serde_json::json;

use super::body::Params;
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
