//! The portfolio and the insights of the latest score run: `GET /api/v1/portfolio`,
//! `/api/v1/insights/needs-attention`, `/segments`, `/acquisition` and `/acquisition.csv`.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_app::insights::{self, DEFAULT_MIN_DROP, Insights, report};
use rapport_store::{PortfolioQuery, PortfolioSort, ScoreRun, Tx};
use uuid::Uuid;

use super::body::Params;
use crate::auth::Caller;
use crate::problem::{FieldError, Problem};
use crate::state::AppState;

/// Largest page of the portfolio lists.
pub const MAX_PAGE: usize = 500;

/// Class codes a filter accepts.
pub const CLASSES: [&str; 5] = ["grow", "maintain", "repair", "at_risk", "churned"];

/// Whose parties a list shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    Anyone,
    /// The caller's.
    Me,
    /// The user with this e-mail address.
    Email(String),
}

/// The portfolio filters read from query parameters, and what was wrong with them.
pub fn read_filters(
    get: &dyn Fn(&str) -> Option<String>,
) -> (PortfolioQuery, Owner, Vec<FieldError>) {
    let mut errors = Vec::new();
    let mut q = PortfolioQuery::default();
    let text = |name: &str| {
        get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(c) = text("class") {
        if CLASSES.contains(&c.as_str()) {
            q.class = Some(c);
        } else {
            errors.push(FieldError::new(
                None,
                "class",
                format!("must be one of {}", CLASSES.join(", ")),
            ));
        }
    }
    if let Some(s) = text("segment") {
        if insights::SEGMENTS.contains(&s.as_str()) {
            q.segment = Some(s);
        } else {
            errors.push(FieldError::new(
                None,
                "segment",
                format!("must be one of {}", insights::SEGMENTS.join(", ")),
            ));
        }
    }
    let mut number = |name: &str, lo: f64, hi: f64| -> Option<f64> {
        let v = text(name)?;
        match v.parse::<f64>() {
            Ok(n) if n.is_finite() && (lo..=hi).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(
                    None,
                    name,
                    format!("must be a number from {lo} to {hi}"),
                ));
                None
            }
        }
    };
    q.min_health = number("min_health", 0.0, 100.0);
    q.max_health = number("max_health", 0.0, 100.0);
    q.min_p_alive = number("min_p_alive", 0.0, 1.0);
    q.max_p_alive = number("max_p_alive", 0.0, 1.0);
    q.min_clv = number("min_clv", -1e15, 1e15);
    q.min_drop = number("min_drop", -100.0, 100.0);
    if let Some(s) = text("sort") {
        match PortfolioSort::parse(&s) {
            Some(sort) => q.sort = sort,
            None => errors.push(FieldError::new(
                None,
                "sort",
                format!("must be one of {}", PortfolioSort::CODES.join(", ")),
            )),
        }
    }
    q.search = text("q").map(|t| t.chars().take(200).collect());
    let owner = match text("owner") {
        None => Owner::Anyone,
        Some(o) if o == "me" => Owner::Me,
        Some(o) => Owner::Email(o),
    };
    (q, owner, errors)
}

/// The user id an owner filter names; an unknown e-mail is a field error.
pub async fn resolve_owner(
    tx: &mut Tx,
    owner: &Owner,
    me: Uuid,
) -> Result<Result<Option<Uuid>, FieldError>, rapport_store::StoreError> {
    Ok(match owner {
        Owner::Anyone => Ok(None),
        Owner::Me => Ok(Some(me)),
        Owner::Email(email) => {
            let users = tx.list_users().await?;
            users
                .iter()
                .find(|u| u.email.as_str().eq_ignore_ascii_case(email))
                .map(|u| Some(u.id.as_uuid()))
                .ok_or_else(|| FieldError::new(None, "owner", "no user has this e-mail address"))
        }
    })
}

fn invalid(errors: Vec<FieldError>) -> Problem {
    Problem {
        status: StatusCode::BAD_REQUEST,
        ..Problem::invalid(errors)
    }
}

fn no_run() -> Problem {
    Problem::not_found("there is no score run yet: run `rapport score` first")
}

const FILTERS: &[&str] = &[
    "class",
    "segment",
    "owner",
    "min_health",
    "max_health",
    "min_p_alive",
    "max_p_alive",
    "min_clv",
    "min_drop",
    "q",
    "sort",
];

/// `GET /api/v1/portfolio`.
pub async fn portfolio(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    params.only(|p| FILTERS.contains(&p) || matches!(p, "limit" | "offset"))?;
    page(&state, &caller, &params, |_| {}).await
}

/// `GET /api/v1/insights/needs-attention`: the portfolio of health drops, most valuable first.
pub async fn needs_attention(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref())?;
    params.only(|p| matches!(p, "min_drop" | "owner" | "limit" | "offset"))?;
    page(&state, &caller, &params, |q| {
        q.min_drop = Some(q.min_drop.unwrap_or(DEFAULT_MIN_DROP));
        q.sort = PortfolioSort::ClvDesc;
    })
    .await
}

async fn page(
    state: &AppState,
    caller: &Caller,
    params: &Params,
    adjust: impl FnOnce(&mut PortfolioQuery),
) -> Result<Response, Problem> {
    let (mut query, owner, mut errors) = read_filters(&|k| params.get(k).map(str::to_string));
    query.limit = params.number("limit", 50, MAX_PAGE)?;
    query.offset = match params.get("offset") {
        None => 0,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= 10_000_000 => n,
            _ => {
                errors.push(FieldError::new(
                    None,
                    "offset",
                    "must be a whole number from 0 to 10000000",
                ));
                0
            }
        },
    };
    adjust(&mut query);
    let mut tx = state.store.begin_read(state.org).await?;
    match resolve_owner(&mut tx, &owner, caller.user.id.as_uuid()).await? {
        Ok(o) => query.owner = o,
        Err(e) => errors.push(e),
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let offset = query.offset;
    let found = insights::portfolio(&mut tx, query).await?;
    tx.rollback().await?;
    let p = found.ok_or_else(no_run)?;
    Ok(axum::Json(p.to_json(offset)).into_response())
}

async fn latest(state: &AppState, raw: Option<&str>) -> Result<(ScoreRun, Insights), Problem> {
    Params::parse(raw)?.only(|_| false)?;
    let mut tx = state.store.begin_read(state.org).await?;
    let run = insights::latest_run(&mut tx).await?;
    tx.rollback().await?;
    let run = run.ok_or_else(no_run)?;
    let found = report::of_run(&run).ok_or_else(|| {
        Problem::not_found(format!(
            "the score run of {} holds no insights: run `rapport score` again",
            run.as_of
        ))
    })?;
    Ok((run, found))
}

/// `GET /api/v1/insights/segments`.
pub async fn segments(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let (run, i) = latest(&state, raw.as_deref()).await?;
    Ok(axum::Json(report::segments_json(&run, &i)).into_response())
}

/// `GET /api/v1/insights/acquisition`.
pub async fn acquisition(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let (run, i) = latest(&state, raw.as_deref()).await?;
    Ok(axum::Json(report::acquisition_json(&run, &i)).into_response())
}

/// `GET /api/v1/insights/acquisition.csv`: one row per group, for sales and advertising.
pub async fn acquisition_csv(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let (run, i) = latest(&state, raw.as_deref()).await?;
    Ok(csv_response(&run, &i))
}

/// The acquisition CSV as a download named after the run's day.
pub fn csv_response(run: &ScoreRun, i: &Insights) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"acquisition-{}.csv\"", run.as_of),
            ),
        ],
        report::acquisition_csv(i),
    )
        .into_response()
}
