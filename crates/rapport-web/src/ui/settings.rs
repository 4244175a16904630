//! The user's own settings: profile and personal API tokens (created here, shown once).

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::signin;
use rapport_app::users::UserError;
use rapport_domain::dates::format_timestamp;

use super::failure;
use super::form;
use super::page::{Page, render};
use crate::auth::Caller;
use crate::state::AppState;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct Settings<'a> {
    page: &'a Page,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn settings_page(
    state: &AppState,
    page: &Page,
    caller: &Caller,
    status: StatusCode,
    new_token: Option<String>,
    error: Option<String>,
) -> Response {
    let tokens = match signin::list_tokens(&state.store, state.org, Some(caller.user.id)).await {
        Ok(t) => t,
        Err(e) => return failure(page, e.into()),
    };
    let tokens = tokens
        .iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created: format_timestamp(&t.created_at),
            last_used: t
                .last_used_at
                .as_ref()
                .map(format_timestamp)
                .unwrap_or_default(),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    render(
        status,
        page,
        Settings {
            page,
            tokens,
            new_token,
            error,
        }
        .render(),
    )
}

pub async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
) -> Response {
    settings_page(&state, &page, &caller, StatusCode::OK, None, None).await
}

pub async fn create_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    match signin::create_token(
        &state.store,
        state.org,
        &caller.user,
        form::value(&f, "name"),
        Some(caller.user.id),
        "ui",
        Utc::now(),
    )
    .await
    {
        Ok((_, secret)) => {
            settings_page(&state, &page, &caller, StatusCode::OK, Some(secret), None).await
        }
        Err(UserError::Invalid(m)) => {
            settings_page(
                &state,
                &page,
                &caller,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(m),
            )
            .await
        }
        Err(UserError::Store(e)) => failure(&page, e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    match signin::revoke_token(
        &state.store,
        state.org,
        &id,
        Some(caller.user.id),
        Some(caller.user.id),
        "ui",
        Utc::now(),
    )
    .await
    {
        Ok(_) => {
            state.forget_tokens();
            Redirect::to("/settings").into_response()
        }
        Err(UserError::Invalid(m)) => {
            settings_page(&state, &page, &caller, StatusCode::NOT_FOUND, None, Some(m)).await
        }
        Err(UserError::Store(e)) => failure(&page, e.into()),
    }
}
