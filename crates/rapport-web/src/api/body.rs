//! Reading request bodies and query strings strictly: JSON only as `application/json`, within
//! the size limit, valid UTF-8, well-formed — each failure a problem document that says what
//! and where, never a panic.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::Value;

use crate::auth::form_pairs;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// A JSON request body, parsed.
pub struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Problem> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with 'Content-Type: application/json'",
            ));
        }
        let limit = state.settings.body_limit;
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is larger than the limit of {limit} bytes"),
                )
            })?;
        let value = parse_json(&bytes)?;
        // A bulk body's records are named by their position, as its other errors are.
        let found = match value.get("items").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| nul_field(item, None).map(|f| (Some(i), f))),
            None => nul_field(&value, None).map(|f| (None, f)),
        };
        if let Some((index, field)) = found {
            return Err(Problem::invalid(vec![FieldError::new(
                index,
                &field,
                rapport_app::records::NUL_REASON,
            )]));
        }
        Ok(JsonBody(value))
    }
}

/// The top-level field of the first string (key or value) holding U+0000, which no text column
/// of either database accepts; `body` for the body itself.
fn nul_field(v: &Value, top: Option<&str>) -> Option<String> {
    match v {
        Value::String(s) if s.contains('\0') => Some(top.unwrap_or("body").to_string()),
        Value::Array(items) => items.iter().find_map(|i| nul_field(i, top)),
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            let here = top.unwrap_or(k);
            if k.contains('\0') {
                Some(here.to_string())
            } else {
                nul_field(v, Some(here))
            }
        }),
        _ => None,
    }
}

/// Parses JSON bytes with messages that point at the problem.
pub fn parse_json(bytes: &[u8]) -> Result<Value, Problem> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(Problem::bad_request(format!(
            "the body is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Problem::bad_request(format!(
            "the body is not well-formed JSON: {} (line {}, column {})",
            e.to_string()
                .split(" at line")
                .next()
                .unwrap_or("malformed"),
            e.line(),
            e.column()
        ))
    })
}

/// Query parameters, with a check that only known ones are given.
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Result<Params, Problem> {
        let raw = raw.unwrap_or("");
        let pairs = form_pairs(raw.as_bytes()).ok_or_else(|| {
            Problem::bad_request("the query string is not valid UTF-8 or percent-encoding")
        })?;
        // PostgreSQL cannot compare text holding U+0000; nothing stored holds it anyway.
        let nul: Vec<FieldError> = pairs
            .iter()
            .filter(|(k, v)| k.contains('\0') || v.contains('\0'))
            .map(|(k, _)| FieldError::new(None, k, rapport_app::records::NUL_REASON))
            .collect();
        if !nul.is_empty() {
            return Err(Problem {
                status: StatusCode::BAD_REQUEST,
                ..Problem::invalid(nul)
            });
        }
        Ok(Params(pairs))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Refuses parameters `known` does not accept.
    pub fn only(&self, known: impl Fn(&str) -> bool) -> Result<(), Problem> {
        let unknown: Vec<FieldError> = self
            .0
            .iter()
            .filter(|(k, _)| !known(k))
            .map(|(k, _)| FieldError::new(None, k, "is not a parameter of this endpoint"))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(Problem {
                status: StatusCode::BAD_REQUEST,
                ..Problem::invalid(unknown)
            })
        }
    }

    /// A number parameter within bounds.
    pub fn number(&self, name: &str, default: usize, max: usize) -> Result<usize, Problem> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(Problem {
                    status: StatusCode::BAD_REQUEST,
                    ..Problem::invalid(vec![FieldError::new(
                        None,
                        name,
                        format!("must be a whole number from 1 to {max}"),
                    )])
                }),
            },
        }
    }
}
