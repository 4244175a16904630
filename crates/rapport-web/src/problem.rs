//! Errors as RFC 9457 problem documents (`application/problem+json`): a status, a title, a
//! human-readable detail and, for bad input, the list of fields and what is wrong with each.
//! The one place where use-case errors become HTTP statuses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::import::RowError;
use rapport_app::records::RecordError;
use rapport_app::users::UserError;
use rapport_store::StoreError;
use serde::Serialize;

/// One thing wrong with one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// Position of the record in a bulk request (0-based), when there is more than one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub field: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl FieldError {
    pub fn new(index: Option<usize>, field: &str, reason: impl Into<String>) -> FieldError {
        FieldError {
            index,
            field: field.to_string(),
            reason: reason.into(),
            value: None,
        }
    }
}

/// A problem document.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    #[serde(serialize_with = "as_u16")]
    pub status: StatusCode,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

fn as_u16<S: serde::Serializer>(s: &StatusCode, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_u16(s.as_u16())
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// Bad input, field by field (422).
    pub fn invalid(errors: Vec<FieldError>) -> Problem {
        let n = errors.len();
        let detail = match errors.first() {
            Some(e) if n == 1 => format!("{}: {}", e.field, e.reason),
            _ => format!("{n} fields are not right; see errors"),
        };
        Problem {
            errors,
            ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, detail)
    }

    pub fn unauthorized() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "sign in, or send a personal API token as 'Authorization: Bearer rpt_…'",
        )
    }

    pub fn internal() -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on our side; the server log has the details",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

/// Row errors of a use case as field errors; `line` is the 1-based record position.
pub fn field_errors(errors: Vec<RowError>, bulk: bool) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError {
            index: (bulk && e.line > 0).then(|| e.line as usize - 1),
            field: e.column.unwrap_or_else(|| "(record)".into()),
            reason: e.reason,
            value: e.value,
        })
        .collect()
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::Invalid(m) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            StoreError::Constraint(m) => Problem::new(StatusCode::CONFLICT, m),
            StoreError::Busy(_) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
            other => {
                tracing::error!(error = %other, "store error");
                Problem::internal()
            }
        }
    }
}

impl From<UserError> for Problem {
    fn from(e: UserError) -> Problem {
        match e {
            UserError::Invalid(m) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            UserError::Store(s) => s.into(),
        }
    }
}

/// A record error; `bulk` says whether positions should be reported as indexes.
pub fn record_problem(e: RecordError, bulk: bool) -> Problem {
    match e {
        RecordError::Invalid(errors) => Problem::invalid(field_errors(errors, bulk)),
        RecordError::Forbidden(m) => Problem::forbidden(m),
        RecordError::NotFound(m) => Problem::not_found(m),
        RecordError::Conflict(m) => Problem::new(StatusCode::CONFLICT, m),
        RecordError::Store(s) => s.into(),
    }
}

impl From<RecordError> for Problem {
    fn from(e: RecordError) -> Problem {
        record_problem(e, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_become_the_status_a_client_can_act_on() {
        let busy: Problem = StoreError::Busy("writing parties".into()).into();
        assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(busy.detail.contains("try again"), "{}", busy.detail);
        let response = busy.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let conflict: Problem = StoreError::Constraint("unique external_id".into()).into();
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        let internal: Problem = StoreError::Engine("disk I/O error".into()).into();
        assert_eq!(internal.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            !internal.detail.contains("disk"),
            "internals stay in the log"
        );
    }
}
