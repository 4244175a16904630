//! Administration pages: users (add, change role, disable) and the audit log.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::users::{self, AddUser, UserChanges, UserError};
use rapport_domain::UserRole;

use super::form::{self, Field};
use super::page::{Page, render};
use super::{encode_path, failure};
use crate::auth::{Caller, form_pairs};
use crate::state::AppState;

fn user_failure(e: UserError) -> rapport_app::records::RecordError {
    match e {
        UserError::Invalid(m) => rapport_app::records::RecordError::Conflict(m),
        UserError::Store(s) => s.into(),
    }
}

pub struct UserRow {
    pub name: String,
    pub email: String,
    pub email_path: String,
    pub role: String,
    pub locale: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct Users<'a> {
    page: &'a Page,
    users: Vec<UserRow>,
    roles: Vec<(String, String)>,
    fields: Vec<Field>,
    notice: Option<String>,
    error: Option<String>,
}

async fn users_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    fields: Vec<Field>,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let list = match users::list_users(&state.store, state.org).await {
        Ok(l) => l,
        Err(e) => return failure(page, user_failure(e)),
    };
    let body = Users {
        page,
        users: list
            .iter()
            .map(|u| UserRow {
                name: u.name.clone(),
                email: u.email.as_str().to_string(),
                email_path: encode_path(u.email.as_str()),
                role: u.role.as_str().to_string(),
                locale: u.locale.clone(),
                disabled: u.disabled,
            })
            .collect(),
        roles: UserRole::CODES
            .iter()
            .map(|c| (c.to_string(), page.code("role", c)))
            .collect(),
        fields,
        notice,
        error,
    }
    .render();
    render(status, page, body)
}

pub async fn show(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let q = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let notice = match form::value(&q, "done") {
        "added" => Some(page.t("users.added").to_string()),
        "saved" => Some(page.t("form.saved").to_string()),
        _ => None,
    };
    let fields = form::user_fields(&page);
    users_page(&state, &page, StatusCode::OK, fields, notice, None).await
}

pub async fn add(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let mut fields = form::user_fields(&page);
    form::fill(&mut fields, &f);
    let req = AddUser {
        email: form::value(&f, "email"),
        name: form::value(&f, "name"),
        role: form::value(&f, "role"),
        locale: form::value(&f, "locale"),
        password: None,
        source: "ui",
    };
    match users::add_user(
        &state.store,
        state.org,
        &req,
        Some(caller.user.id),
        Utc::now(),
    )
    .await
    {
        Ok((user, Some(password))) => {
            let notice = format!(
                "{} {}: {}",
                page.t("users.added"),
                user.email.as_str(),
                password
            );
            users_page(
                &state,
                &page,
                StatusCode::OK,
                form::user_fields(&page),
                Some(notice),
                None,
            )
            .await
        }
        Ok((_, None)) => Redirect::to("/admin/users?done=added").into_response(),
        Err(UserError::Invalid(m)) => {
            users_page(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                fields,
                None,
                Some(m),
            )
            .await
        }
        Err(UserError::Store(e)) => failure(&page, e.into()),
    }
}

pub async fn change(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(email): Path<String>,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let changes = UserChanges {
        role: Some(form::value(&f, "role").to_string()).filter(|r| !r.is_empty()),
        disabled: Some(form::value(&f, "disabled") == "1"),
        ..UserChanges::default()
    };
    match users::update_user(
        &state.store,
        state.org,
        &email,
        &changes,
        Some(caller.user.id),
        "ui",
        Utc::now(),
    )
    .await
    {
        Ok(_) => {
            state.forget_tokens();
            Redirect::to("/admin/users?done=saved").into_response()
        }
        Err(UserError::Invalid(m)) => {
            users_page(
                &state,
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                form::user_fields(&page),
                None,
                Some(m),
            )
            .await
        }
        Err(UserError::Store(e)) => failure(&page, e.into()),
    }
}

pub struct AuditRow {
    pub at: String,
    pub who: String,
    pub source: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct Audit<'a> {
    page: &'a Page,
    entries: Vec<AuditRow>,
    entities: Vec<String>,
    entity: String,
}

pub async fn audit(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let q = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let entity = form::value(&q, "entity").to_string();
    let filter = rapport_store::schema::ALL
        .iter()
        .map(|t| t.name)
        .find(|e| *e == entity);
    let entities: Vec<String> = rapport_store::schema::ALL
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let entries = tx.list_audit(filter, 200).await?;
        let users = tx.list_users().await?;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>((entries, users))
    }
    .await;
    let (entries, users) = match result {
        Ok(r) => r,
        Err(e) => return failure(&page, e.into()),
    };
    let json =
        |v: &Option<serde_json::Value>| v.as_ref().map(|j| j.to_string()).unwrap_or_default();
    let rows = entries
        .iter()
        .map(|e| AuditRow {
            at: rapport_domain::dates::format_timestamp(&e.at),
            who: e
                .user
                .and_then(|u| users.iter().find(|x| x.id == u))
                .map(|u| u.email.as_str().to_string())
                .unwrap_or_else(|| "system".into()),
            source: e.source.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone().unwrap_or_default(),
            before: json(&e.before),
            after: json(&e.after),
        })
        .collect();
    render(
        StatusCode::OK,
        &page,
        Audit {
            page: &page,
            entries: rows,
            entities,
            entity,
        }
        .render(),
    )
}
