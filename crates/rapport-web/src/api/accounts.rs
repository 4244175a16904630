//! Accounts through the API: who am I, my personal API tokens, and (for admins) users and
//! everyone's tokens.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_app::signin::{self, TokenInfo};
use rapport_app::users::{self, AddUser, UserChanges};
use rapport_domain::User;
use rapport_domain::dates::format_timestamp;
use serde_json::{Map, Value, json};

use super::body::JsonBody;
use crate::auth::Caller;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

pub fn user_json(u: &User) -> Value {
    json!({
        "id": u.id.as_uuid(),
        "email": u.email.as_str(),
        "name": u.name,
        "role": u.role.as_str(),
        "locale": u.locale,
        "disabled": u.disabled,
        "created_at": format_timestamp(&u.created_at),
    })
}

fn token_json(t: &TokenInfo, email: Option<&str>) -> Value {
    json!({
        "id": t.id,
        "user_email": email,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": format_timestamp(&t.created_at),
        "last_used_at": t.last_used_at.as_ref().map(format_timestamp),
        "revoked_at": t.revoked_at.as_ref().map(format_timestamp),
    })
}

/// Reads an object with only `allowed` keys, each a string (or, for `flags`, a boolean).
fn fields<'a>(
    body: &'a Value,
    allowed: &[&str],
    flags: &[&str],
) -> Result<&'a Map<String, Value>, Problem> {
    let obj = body.as_object().ok_or_else(|| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the body must be a JSON object",
        )
    })?;
    let mut errors = Vec::new();
    for (k, v) in obj {
        if flags.contains(&k.as_str()) {
            if !v.is_boolean() {
                errors.push(FieldError::new(None, k, "must be true or false"));
            }
        } else if !allowed.contains(&k.as_str()) {
            errors.push(FieldError::new(None, k, "is not a field here"));
        } else if !v.is_string() {
            errors.push(FieldError::new(None, k, "must be a string"));
        } else if super::fields::holds_nul(v) {
            errors.push(FieldError::new(None, k, rapport_app::records::NUL_REASON));
        }
    }
    if errors.is_empty() {
        Ok(obj)
    } else {
        Err(Problem::invalid(errors))
    }
}

fn text<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

pub async fn me(Extension(caller): Extension<Caller>) -> Response {
    axum::Json(user_json(&caller.user)).into_response()
}

pub async fn my_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, Problem> {
    let tokens = signin::list_tokens(&state.store, state.org, Some(caller.user.id)).await?;
    let email = caller.user.email.as_str();
    let items: Vec<Value> = tokens.iter().map(|t| token_json(t, Some(email))).collect();
    Ok(axum::Json(json!({"items": items})).into_response())
}

pub async fn create_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let obj = fields(&body, &["name"], &[])?;
    let name = text(obj, "name").unwrap_or("");
    let (info, secret) = signin::create_token(
        &state.store,
        state.org,
        &caller.user,
        name,
        Some(caller.user.id),
        "api",
        Utc::now(),
    )
    .await?;
    let mut out = token_json(&info, Some(caller.user.email.as_str()));
    out["token"] = json!(secret);
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

pub async fn revoke_my_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    revoke(&state, &caller, &id, Some(caller.user.id)).await
}

pub async fn revoke_any_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    revoke(&state, &caller, &id, None).await
}

async fn revoke(
    state: &AppState,
    caller: &Caller,
    id: &str,
    only_of: Option<rapport_domain::UserId>,
) -> Result<Response, Problem> {
    signin::revoke_token(
        &state.store,
        state.org,
        id,
        only_of,
        Some(caller.user.id),
        "api",
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        users::UserError::Invalid(m) => Problem::not_found(m),
        other => other.into(),
    })?;
    state.forget_tokens();
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn all_tokens(State(state): State<AppState>) -> Result<Response, Problem> {
    let tokens = signin::list_tokens(&state.store, state.org, None).await?;
    let users = users::list_users(&state.store, state.org).await?;
    let email = |t: &TokenInfo| {
        users
            .iter()
            .find(|u| u.id == t.user)
            .map(|u| u.email.as_str().to_string())
    };
    let items: Vec<Value> = tokens
        .iter()
        .map(|t| token_json(t, email(t).as_deref()))
        .collect();
    Ok(axum::Json(json!({"items": items})).into_response())
}

pub async fn list_users(State(state): State<AppState>) -> Result<Response, Problem> {
    let users = users::list_users(&state.store, state.org).await?;
    let items: Vec<Value> = users.iter().map(user_json).collect();
    Ok(axum::Json(json!({"items": items})).into_response())
}

pub async fn add_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let obj = fields(&body, &["email", "name", "role", "locale", "password"], &[])?;
    let mut missing = Vec::new();
    for f in ["email", "name", "role"] {
        if text(obj, f).is_none() {
            missing.push(FieldError::new(None, f, "is required"));
        }
    }
    if !missing.is_empty() {
        return Err(Problem::invalid(missing));
    }
    let req = AddUser {
        email: text(obj, "email").unwrap_or_default(),
        name: text(obj, "name").unwrap_or_default(),
        role: text(obj, "role").unwrap_or_default(),
        locale: text(obj, "locale").unwrap_or("en"),
        password: text(obj, "password"),
        source: "api",
    };
    // Hashing the password takes a moment: off the async threads.
    let store = state.store.clone();
    let org = state.org;
    let actor = Some(caller.user.id);
    let owned = (
        req.email.to_string(),
        req.name.to_string(),
        req.role.to_string(),
        req.locale.to_string(),
        req.password.map(str::to_string),
    );
    let (user, password) = tokio::task::spawn_blocking(move || {
        let req = AddUser {
            email: &owned.0,
            name: &owned.1,
            role: &owned.2,
            locale: &owned.3,
            password: owned.4.as_deref(),
            source: "api",
        };
        tokio::runtime::Handle::current().block_on(users::add_user(
            &store,
            org,
            &req,
            actor,
            Utc::now(),
        ))
    })
    .await
    .map_err(|_| Problem::internal())??;
    let mut out = user_json(&user);
    if let Some(p) = password {
        out["password"] = json!(p);
    }
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

pub async fn update_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(email): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let obj = fields(&body, &["name", "role", "locale"], &["disabled"])?;
    let changes = UserChanges {
        name: text(obj, "name").map(str::to_string),
        role: text(obj, "role").map(str::to_string),
        locale: text(obj, "locale").map(str::to_string),
        disabled: obj.get("disabled").and_then(Value::as_bool),
    };
    let user = users::update_user(
        &state.store,
        state.org,
        &email,
        &changes,
        Some(caller.user.id),
        "api",
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        users::UserError::Invalid(m) if m.starts_with("no user") => Problem::not_found(m),
        other => other.into(),
    })?;
    state.forget_tokens();
    Ok(axum::Json(user_json(&user)).into_response())
}
