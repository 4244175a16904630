//! Who is asking: a personal API token (`Authorization: Bearer rpt_…`) or the UI's session
//! cookie, resolved once per request into a [`Caller`]. Session-authenticated requests that
//! change something must carry the session's CSRF token (a form field `_csrf` or the header
//! `X-CSRF-Token`); signed-out forms (the sign-in form) use a double-submit cookie instead.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rapport_app::signin;
use rapport_domain::User;
use rapport_domain::access::Actor;

use crate::problem::Problem;
use crate::state::{AppState, CachedToken, TOKEN_CACHE_SECS};

pub const SESSION_COOKIE: &str = "rapport_session";
/// The signed-out double-submit CSRF cookie.
pub const PRE_CSRF_COOKIE: &str = "rapport_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    Session { secret: String, csrf: String },
    Token { id: uuid::Uuid },
}

/// The signed-in user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub via: Via,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.id,
            role: self.user.role,
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }
}

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves the caller (if any) into the request's extensions, and enforces CSRF on changes
/// made with a session.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = match resolve(&state, req.headers()).await {
        Ok(c) => c,
        Err(p) => return p.into_response(),
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        // Sessions must prove the form came from us; token callers need not (no ambient
        // credential); signed-out requests are checked by the route guard where they are let
        // through at all (the sign-in and language forms).
        let expected: Option<Option<String>> = match &caller {
            Some(Caller {
                via: Via::Session { csrf, .. },
                ..
            }) => Some(Some(csrf.clone())),
            _ => None,
        };
        if let Some(expected) = expected {
            match check_csrf(req, expected.as_deref(), state.settings.body_limit).await {
                Ok(r) => req = r,
                Err(p) => return p.into_response(),
            }
        }
    }
    if let Some(c) = caller {
        req.extensions_mut().insert(c);
    }
    next.run(req).await
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, Problem> {
    if let Some(token) = bearer(headers) {
        return match token_caller(state, token).await? {
            Some(c) => Ok(Some(c)),
            None => Err(Problem::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "the API token is unknown, revoked, or its user is disabled",
            )),
        };
    }
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        let found = signin::session_user(&state.store, state.org, secret, Utc::now()).await?;
        return Ok(found.map(|s| Caller {
            user: s.user,
            via: Via::Session {
                secret: secret.to_string(),
                csrf: s.csrf,
            },
        }));
    }
    Ok(None)
}

async fn token_caller(state: &AppState, token: &str) -> Result<Option<Caller>, Problem> {
    let hash = signin::hash_secret(token);
    let now = Instant::now();
    let cached = state
        .tokens
        .lock()
        .ok()
        .and_then(|t| t.get(&hash).cloned())
        .filter(|c| now.duration_since(c.checked).as_secs() < TOKEN_CACHE_SECS);
    if let Some(c) = cached {
        return Ok(Some(Caller {
            user: c.user,
            via: Via::Token { id: c.token },
        }));
    }
    let Some((user, info)) = signin::token_user(&state.store, state.org, token).await? else {
        if let Ok(mut t) = state.tokens.lock() {
            t.remove(&hash);
        }
        return Ok(None);
    };
    // Last use is written at most once per cache period per token.
    let touch = state
        .tokens
        .lock()
        .ok()
        .and_then(|t| t.get(&hash).map(|c| c.touched))
        .is_none_or(|t| now.duration_since(t).as_secs() >= TOKEN_CACHE_SECS);
    if touch {
        signin::touch_token(&state.store, state.org, info.id, Utc::now()).await?;
    }
    if let Ok(mut t) = state.tokens.lock() {
        let touched = if touch {
            now
        } else {
            t.get(&hash).map_or(now, |c| c.touched)
        };
        t.insert(
            hash,
            CachedToken {
                user: user.clone(),
                token: info.id,
                checked: now,
                touched,
            },
        );
    }
    Ok(Some(Caller {
        user,
        via: Via::Token { id: info.id },
    }))
}

/// Checks the CSRF token of a changing request: the header, or the form field (the body is
/// read and put back).
pub async fn check_csrf(
    req: Request,
    expected: Option<&str>,
    limit: usize,
) -> Result<Request, Problem> {
    let refuse = || {
        Problem::forbidden(
            "the form is out of date or did not come from this site (CSRF check); reload the page and try again",
        )
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return Err(refuse());
    };
    if let Some(h) = req.headers().get(CSRF_HEADER) {
        return if h.as_bytes() == expected.as_bytes() {
            Ok(req)
        } else {
            Err(refuse())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Problem::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "the form is too large",
        )
    })?;
    let given = form_value(&bytes, CSRF_FIELD);
    if given.as_deref() != Some(expected) {
        return Err(refuse());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// One field of an url-encoded form.
pub fn form_value(body: &[u8], name: &str) -> Option<String> {
    form_pairs(body)?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The pairs of an url-encoded form or query string; `None` when it is not valid UTF-8 or
/// percent-encoding.
pub fn form_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The response to a request without a caller where one is needed.
pub fn signed_out(api: bool, path: &str) -> Response {
    if api {
        Problem::unauthorized().into_response()
    } else {
        let next = if path.starts_with('/') && !path.starts_with("//") {
            path
        } else {
            "/"
        };
        let to = format!("/login?next={}", encode_component(next));
        axum::response::Redirect::to(&to).into_response()
    }
}

/// Percent-encodes a query component.
pub fn encode_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_decode() {
        assert_eq!(
            form_value(b"a=1&_csrf=x%2By+z", "_csrf").as_deref(),
            Some("x+y z")
        );
        assert_eq!(form_value(b"a=1", "_csrf"), None);
        assert_eq!(form_value(b"_csrf=%zz", "_csrf"), None);
        assert_eq!(form_value(b"_csrf=%4", "_csrf"), None);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; rapport_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
