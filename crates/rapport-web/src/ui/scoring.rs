//! The scoring settings an admin changes: the weight of each health component (applied from
//! the next score run), with the defaults one click away.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_analytics::HealthWeights;
use rapport_analytics::health::ComponentKind;
use rapport_app::records::RecordError;
use rapport_app::settings;

use super::form::{self, Field};
use super::locale;
use super::page::{Page, render};
use super::{explain, failure};
use crate::auth::{Caller, form_pairs};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "scoring.html")]
struct ScoringPage<'a> {
    page: &'a Page,
    fields: Vec<Field>,
    custom: bool,
    changed_at: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// One number field per component, in percent.
fn fields(page: &Page, w: &HealthWeights) -> Vec<Field> {
    ComponentKind::ALL
        .iter()
        .map(|&k| {
            let mut f = Field::new(page, k.code(), "scoring.weight", "number")
                .required()
                .value(format!("{}", (w.get(k) * 1000.0).round() / 10.0));
            f.label = explain::component_name(page.lang, k);
            f
        })
        .collect()
}

async fn show_with(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    given: Option<(Vec<Field>, Option<String>)>,
    notice: Option<&'static str>,
) -> Response {
    let found = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let w = settings::health_weights(&mut tx).await;
        tx.rollback().await?;
        w
    }
    .await;
    let (weights, at) = match found {
        Ok(w) => w,
        Err(e) => return failure(page, e.into()),
    };
    let (fields, error) = given.unwrap_or_else(|| (fields(page, &weights), None));
    let body = ScoringPage {
        page,
        fields,
        custom: at.is_some(),
        changed_at: at
            .map(|t| locale::format_datetime(page.lang, t.naive_utc()))
            .unwrap_or_default(),
        notice,
        error,
    }
    .render();
    render(status, page, body)
}

/// `GET /admin/scoring`.
pub async fn show(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let notice = match form::value(&pairs, "done") {
        "saved" => Some(page.t("scoring.saved")),
        "reset" => Some(page.t("scoring.reset_done")),
        _ => None,
    };
    show_with(&state, &page, StatusCode::OK, None, notice).await
}

/// `POST /admin/scoring`: saves the weights, or (`reset`) goes back to the defaults.
pub async fn save(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let reset = form::value(&f, "action") == "reset";
    let weights = if reset {
        None
    } else {
        match settings::parse_weights(&|k| Some(form::value(&f, k).to_string())) {
            Ok(w) => Some(w),
            Err(RecordError::Invalid(errors)) => {
                let mut given = fields(&page, &HealthWeights::default());
                form::fill(&mut given, &f);
                let rest = form::attach(&page, &mut given, errors);
                return show_with(
                    &state,
                    &page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some((given, rest)),
                    None,
                )
                .await;
            }
            Err(e) => return failure(&page, e),
        }
    };
    match settings::set_health_weights(
        &state.store,
        state.org,
        weights.as_ref(),
        Some(caller.user.id),
        "ui",
        Utc::now(),
    )
    .await
    {
        Ok(_) => Redirect::to(if reset {
            "/admin/scoring?done=reset"
        } else {
            "/admin/scoring?done=saved"
        })
        .into_response(),
        Err(e) => failure(&page, e),
    }
}
