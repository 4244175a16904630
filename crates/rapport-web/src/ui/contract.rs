//! A contract's page: where it stands in its life cycle, and a form to record what happened
//! (delivered, withdrawn within the cooling-off period, cancelled, renewed, expired) with the
//! reason from the catalogue.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::import::ImportKind;
use rapport_app::records::{self, RecordError, StoredRecord, Writing};
use rapport_app::retention::{catalogue, contracts};
use rapport_domain::lifecycle::ContractEvent;
use serde_json::json;

use super::page::{Page, render};
use super::{encode_path, failure, form};
use crate::api::lifecycle::read_event;
use crate::auth::{Caller, form_pairs};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "contract.html")]
struct ContractPage<'a> {
    page: &'a Page,
    key_path: String,
    external_id: String,
    party_path: String,
    party: String,
    facts: Vec<(&'static str, String)>,
    live: bool,
    events: Vec<(&'static str, &'static str)>,
    reasons: Vec<(String, String)>,
    now: String,
    errors: Vec<String>,
    notice: Option<&'static str>,
}

fn field(r: &StoredRecord, name: &str) -> String {
    ImportKind::Contracts
        .fields()
        .iter()
        .position(|f| f.name == name)
        .and_then(|i| r.fields.get(i).cloned())
        .unwrap_or_default()
}

async fn show_with(
    state: &AppState,
    page: &Page,
    key: &str,
    status: StatusCode,
    errors: Vec<String>,
    notice: Option<&'static str>,
) -> Response {
    let found = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let c = records::get(&mut tx, ImportKind::Contracts, key).await?;
        let reasons = catalogue(&mut tx).await?;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>((c, reasons))
    }
    .await;
    let (c, reasons) = match found {
        Ok((Some(c), r)) => (c, r),
        Ok((None, _)) => return super::not_found_page(page),
        Err(e) => return failure(page, e.into()),
    };
    let g = |f: &str| field(&c, f);
    let status_code = g("status");
    let mut facts = vec![
        (
            page.t("contract.status"),
            page.code("contract_status", &status_code),
        ),
        (page.t("contract.product"), g("sku")),
        (
            page.t("contract.value"),
            page.money(&g("value"), &g("currency")),
        ),
        (page.t("contract.signed"), page.day(&g("signed_at"))),
        (
            page.t("retention.deadline"),
            page.day(&g("withdrawal_deadline")),
        ),
        (page.t("retention.delivery"), page.day(&g("delivered_at"))),
        (page.t("contract.ends"), page.day(&g("ends_at"))),
    ];
    if !g("cancellation_reason").is_empty() {
        let code = g("cancellation_reason");
        let label = reasons
            .iter()
            .find(|r| r.code == code)
            .map_or(code.clone(), |r| r.label(page.lang.code()).to_string());
        facts.push((page.t("retention.ended_on"), page.day(&g("cancelled_at"))));
        facts.push((page.t("retention.reason"), label));
        facts.push((page.t("retention.note"), g("cancellation_note")));
    }
    facts.retain(|(_, v)| !v.is_empty());
    let body = ContractPage {
        page,
        key_path: encode_path(&g("external_id")),
        external_id: g("external_id"),
        party_path: encode_path(&g("party_external_id")),
        party: g("party_external_id"),
        facts,
        live: matches!(status_code.as_str(), "signed" | "active" | "renewed"),
        events: ContractEvent::CODES
            .iter()
            .map(|e| (*e, page.t(&format!("contract.event.{e}"))))
            .collect(),
        reasons: reasons
            .iter()
            .map(|r| (r.code.clone(), r.label(page.lang.code()).to_string()))
            .collect(),
        now: Utc::now().format("%Y-%m-%dT%H:%M").to_string(),
        errors,
        notice,
    }
    .render();
    render(status, page, body)
}

/// `GET /contracts/{key}`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let notice = (form::value(&pairs, "done") == "1").then(|| page.t("contract.recorded"));
    show_with(&state, &page, &key, StatusCode::OK, Vec::new(), notice).await
}

/// `POST /contracts/{key}/events`: records what happened.
pub async fn record(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let v = |k: &str| form::value(&f, k).trim().to_string();
    let now = Utc::now();
    let event = v("event");
    let mut body = json!({"event": event});
    if !v("at").is_empty() {
        // A datetime-local field: minutes, no zone (UTC).
        body["at"] = json!(format!("{}:00Z", v("at")));
    }
    if matches!(event.as_str(), "withdraw" | "cancel") {
        body["reason"] = json!(v("reason"));
        if !v("note").is_empty() {
            body["note"] = json!(v("note"));
        }
    }
    if event == "withdraw" && v("override") == "1" {
        body["override_deadline"] = json!(true);
    }
    let parsed = read_event(&body, now);
    let result = match parsed {
        Err(errors) => Err(errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect::<Vec<_>>()),
        Ok(e) => {
            let who = Writing {
                actor: Some(caller.actor()),
                source: "ui".into(),
                now,
            };
            match contracts::record_event(&state.store, state.org, &key, &e, &who).await {
                Ok(_) => Ok(()),
                Err(RecordError::Invalid(errors)) => {
                    Err(errors.iter().map(|e| e.to_string()).collect())
                }
                Err(e) => return failure(&page, e),
            }
        }
    };
    match result {
        Ok(()) => Redirect::to(&format!("/contracts/{}?done=1", encode_path(&key))).into_response(),
        Err(errors) => {
            show_with(
                &state,
                &page,
                &key,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                None,
            )
            .await
        }
    }
}
