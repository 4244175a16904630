//! What happens to a contract (`POST /api/v1/contracts/{key}/events`) and the withdrawal
//! periods (`GET|PUT|DELETE /api/v1/settings/withdrawal-rules`).

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rapport_app::import::ImportKind;
use rapport_app::records::Writing;
use rapport_app::retention::{contracts, rules};
use rapport_domain::lifecycle::ContractEvent;
use serde_json::{Value, json};

use super::body::{JsonBody, Params};
use super::fields;
use crate::auth::Caller;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

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
