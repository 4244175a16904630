//! The retention settings: the cancellation-reason catalogue (labels in the four languages,
//! category, remedy with its owner and status), edited by managers and admins; and the
//! withdrawal periods per product and category, set by admins.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::records::{self, Mode, RecordError, Writing};
use rapport_app::retention::rules::{self, WithdrawalRules};
use rapport_app::retention::{catalogue, lists};
use rapport_domain::{ReasonCategory, RemedyStatus};
use serde_json::json;

use super::page::{Page, render};
use super::{encode_path, failure, form};
use crate::auth::{Caller, form_pairs};
use crate::state::AppState;

/// One reason's editable row.
pub struct ReasonRow {
    pub code: String,
    pub path: String,
    pub labels: [String; 4],
    pub category: String,
    pub remedy: String,
    pub owner: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage<'a> {
    page: &'a Page,
    rows: Vec<ReasonRow>,
    categories: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    default_days: String,
    categories_text: String,
    products_text: String,
    /// The win-back thresholds: field name, label, value.
    thresholds: Vec<(&'static str, &'static str, String)>,
    errors: Vec<String>,
    notice: Option<&'static str>,
}

fn lines(map: &BTreeMap<String, i64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn show_with(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    errors: Vec<String>,
    notice: Option<&'static str>,
) -> Response {
    let found = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let reasons = catalogue(&mut tx).await?;
        let users = tx.list_users().await?;
        let (r, _) = rules::withdrawal_rules(&mut tx).await?;
        let (t, _) = lists::thresholds(&mut tx).await?;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>((reasons, users, r, t))
    }
    .await;
    let (reasons, users, r, t) = match found {
        Ok(f) => f,
        Err(e) => return failure(page, e.into()),
    };
    let email = |id: Option<uuid::Uuid>| {
        id.and_then(|id| users.iter().find(|u| u.id.as_uuid() == id))
            .map(|u| u.email.as_str().to_string())
            .unwrap_or_default()
    };
    let body = CataloguePage {
        page,
        rows: reasons
            .iter()
            .map(|x| ReasonRow {
                code: x.code.clone(),
                path: encode_path(&x.code),
                labels: x.labels.clone(),
                category: x.category.clone(),
                remedy: x.remedy.clone().unwrap_or_default(),
                owner: email(x.remedy_owner),
                status: x.remedy_status.clone(),
            })
            .collect(),
        categories: ReasonCategory::CODES
            .iter()
            .map(|c| (*c, page.t(&format!("retention.category.{c}"))))
            .collect(),
        statuses: RemedyStatus::CODES
            .iter()
            .map(|c| (*c, page.t(&format!("retention.remedy.{c}"))))
            .collect(),
        default_days: r.default_days.to_string(),
        categories_text: lines(&r.categories),
        products_text: lines(&r.products),
        thresholds: {
            let j = t.to_json();
            [
                ("p_alive", "catalogue.th.p_alive"),
                ("health_drop", "catalogue.th.health_drop"),
                ("contract_end_days", "catalogue.th.contract_end_days"),
                ("quiet_days", "catalogue.th.quiet_days"),
                ("detractor_days", "catalogue.th.detractor_days"),
                ("churn_days", "catalogue.th.churn_days"),
                ("dormant_days", "catalogue.th.dormant_days"),
            ]
            .iter()
            .map(|(k, label)| (*k, page.t(label), j[*k].to_string()))
            .collect()
        },
        errors,
        notice,
    }
    .render();
    render(status, page, body)
}

/// `GET /admin/retention`.
pub async fn show(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let notice = (form::value(&pairs, "done") == "1").then(|| page.t("catalogue.saved"));
    show_with(&state, &page, StatusCode::OK, Vec::new(), notice).await
}

fn reason_fields(f: &[(String, String)], with_code: bool) -> (Vec<String>, Vec<String>) {
    let mut names: Vec<&str> = vec![
        "label",
        "label_de",
        "label_fr",
        "label_el",
        "category",
        "remedy",
        "remedy_owner_email",
        "remedy_status",
    ];
    if with_code {
        names.insert(0, "code");
    }
    let values = names
        .iter()
        .map(|n| form::value(f, n).trim().to_string())
        .collect();
    (names.iter().map(|n| n.to_string()).collect(), values)
}

async fn save(state: &AppState, page: &Page, result: Result<(), RecordError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/admin/retention?done=1").into_response(),
        Err(RecordError::Invalid(errors)) => {
            let errors = errors.iter().map(|e| e.to_string()).collect();
            show_with(state, page, StatusCode::UNPROCESSABLE_ENTITY, errors, None).await
        }
        Err(RecordError::Conflict(m)) => {
            show_with(state, page, StatusCode::CONFLICT, vec![m], None).await
        }
        Err(e) => failure(page, e),
    }
}

fn writing(caller: &Caller) -> Writing {
    Writing {
        actor: Some(caller.actor()),
        source: "ui".into(),
        now: Utc::now(),
    }
}

/// `POST /admin/reasons/{code}`: changes a reason.
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let (names, values) = reason_fields(&f, false);
    // Empty optional fields are cleared; an empty owner means none.
    let changes: Vec<(String, String)> = names.into_iter().zip(values).collect();
    let result = records::update(
        &state.store,
        state.org,
        ImportKind::CancellationReasons,
        &code,
        &changes,
        &writing(&caller),
    )
    .await
    .map(|_| ());
    save(&state, &page, result).await
}

/// `POST /admin/reasons`: adds a reason.
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let (names, values) = reason_fields(&f, true);
    let result = records::write(
        &state.store,
        state.org,
        ImportKind::CancellationReasons,
        Mode::Create,
        &names,
        vec![values],
        &writing(&caller),
    )
    .await
    .map(|_| ());
    save(&state, &page, result).await
}

/// Reads `name = days` lines into a JSON object (a bad line is passed on as text so the rules'
/// own check names it).
fn day_map(text: &str) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (k, v) = line.split_once('=').unwrap_or((line, ""));
        let v = v.trim();
        m.insert(
            k.trim().to_string(),
            v.parse::<i64>().map_or_else(|_| json!(v), |d| json!(d)),
        );
    }
    serde_json::Value::Object(m)
}

/// `POST /admin/withdrawal-rules`: sets the withdrawal periods (or `reset`s them).
pub async fn save_rules(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let rules_given = if form::value(&f, "action") == "reset" {
        None
    } else {
        let days = form::value(&f, "default_days").trim().to_string();
        let body = json!({
            "default_days": days.parse::<i64>().map_or_else(|_| json!(days), |d| json!(d)),
            "categories": day_map(form::value(&f, "categories")),
            "products": day_map(form::value(&f, "products")),
        });
        match WithdrawalRules::from_json(&body) {
            Ok(r) => Some(r),
            Err(e) => return save(&state, &page, Err(e)).await,
        }
    };
    let result = rules::set_withdrawal_rules(
        &state.store,
        state.org,
        rules_given.as_ref(),
        Some(caller.user.id),
        "ui",
        Utc::now(),
    )
    .await
    .map(|_| ());
    save(&state, &page, result).await
}

/// `POST /admin/winback-thresholds`: sets the win-back lists' thresholds (or `reset`s them)
/// and rebuilds the lists.
pub async fn save_thresholds(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let given = if form::value(&f, "action") == "reset" {
        None
    } else {
        let mut m = serde_json::Map::new();
        for k in [
            "p_alive",
            "health_drop",
            "contract_end_days",
            "quiet_days",
            "detractor_days",
            "churn_days",
            "dormant_days",
        ] {
            let v = form::value(&f, k).trim().to_string();
            m.insert(
                k.into(),
                v.parse::<f64>().map_or_else(|_| json!(v), |x| json!(x)),
            );
        }
        match lists::Thresholds::from_json(&serde_json::Value::Object(m)) {
            Ok(t) => Some(t),
            Err(e) => return save(&state, &page, Err(e)).await,
        }
    };
    let now = Utc::now();
    let result = async {
        lists::set_thresholds(
            &state.store,
            state.org,
            given.as_ref(),
            Some(caller.user.id),
            "ui",
            now,
        )
        .await?;
        lists::refresh(&state.store, state.org, now).await?;
        Ok(())
    }
    .await;
    save(&state, &page, result).await
}
