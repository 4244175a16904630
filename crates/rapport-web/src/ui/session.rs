//! Signing in and out, and the language switch. Sign-ins are throttled per account and per
//! address; the password check runs on a blocking thread (Argon2 is slow on purpose).

use std::net::SocketAddr;
use std::time::Instant;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::signin;

use super::form;
use super::page::{LANG_COOKIE, Page, render};
use crate::auth::{Caller, SESSION_COOKIE, Via, cookie, form_pairs};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct Login<'a> {
    page: &'a Page,
    error: Option<String>,
    email: String,
    next: String,
}

/// Only local paths are followed after signing in.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

pub async fn form(page: Page, RawQuery(raw): RawQuery) -> Response {
    if page.user.is_some() {
        return Redirect::to("/").into_response();
    }
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let next = safe_next(form::value(&pairs, "next"));
    let body = Login {
        page: &page,
        error: None,
        email: String::new(),
        next,
    }
    .render();
    render(StatusCode::OK, &page, body)
}

fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.always_secure()
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    page: Page,
    body: Bytes,
) -> Response {
    let pairs = form::read(&body).unwrap_or_default();
    let email = form::value(&pairs, "email").trim().to_string();
    let password = form::value(&pairs, "password").to_string();
    let next = safe_next(form::value(&pairs, "next"));
    let fail = |status: StatusCode, message: &str| {
        let body = Login {
            page: &page,
            error: Some(message.to_string()),
            email: email.clone(),
            next: next.clone(),
        }
        .render();
        render(status, &page, body)
    };
    let now = Instant::now();
    if state.throttle.blocked(&email, peer.ip(), now).is_some() {
        return fail(StatusCode::TOO_MANY_REQUESTS, page.t("login.throttled"));
    }
    let user = match signin::find_user(&state.store, state.org, &email).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "looking up a user");
            return fail(StatusCode::INTERNAL_SERVER_ERROR, page.t("error.internal"));
        }
    };
    let checked = {
        let user = user.clone();
        tokio::task::spawn_blocking(move || signin::check_password(user.as_ref(), &password))
            .await
            .unwrap_or(false)
    };
    let Some(user) = user.filter(|_| checked) else {
        state.throttle.failed(&email, peer.ip(), now);
        tracing::info!(email = %email, address = %peer.ip(), "sign-in refused");
        return fail(StatusCode::UNPROCESSABLE_ENTITY, page.t("login.failed"));
    };
    state.throttle.succeeded(&email);
    let session = match signin::start_session(&state.store, state.org, user.id, Utc::now()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "starting a session");
            return fail(StatusCode::INTERNAL_SERVER_ERROR, page.t("error.internal"));
        }
    };
    tracing::info!(user = %user.email.as_str(), "signed in");
    let mut resp = Redirect::to(&next).into_response();
    let secure = if secure(&state, &headers) {
        "; Secure"
    } else {
        ""
    };
    let max_age = signin::SESSION_DAYS * 24 * 3600;
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        session.secret
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    // The user's language from now on, unless they switch.
    if cookie_lang_missing(&headers)
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            user.locale
        ))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

fn cookie_lang_missing(headers: &HeaderMap) -> bool {
    cookie(headers, LANG_COOKIE).is_none()
}

pub async fn logout(
    State(state): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> Response {
    if let Via::Session { secret, .. } = &caller.via
        && let Err(e) = signin::end_session(&state.store, state.org, secret).await
    {
        tracing::error!(error = %e, "ending a session");
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("rapport_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    resp
}

/// Switches the language (a cookie; for a signed-in user also their setting) and returns to
/// the page.
pub async fn language(State(state): State<AppState>, page: Page, body: Bytes) -> Response {
    let pairs = form::read(&body).unwrap_or_default();
    let Some(lang) = super::locale::Lang::parse(form::value(&pairs, "lang")) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown language").into_response();
    };
    let next = safe_next(form::value(&pairs, "next"));
    if let Some(user) = &page.user
        && user.locale != lang.code()
    {
        let changes = rapport_app::users::UserChanges {
            locale: Some(lang.code().to_string()),
            ..Default::default()
        };
        if let Err(e) = rapport_app::users::update_user(
            &state.store,
            state.org,
            user.email.as_str(),
            &changes,
            Some(user.id),
            "ui",
            Utc::now(),
        )
        .await
        {
            tracing::warn!(error = %e, "saving a language choice");
        }
    }
    let mut resp = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/parties?q=a"), "/parties?q=a");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
