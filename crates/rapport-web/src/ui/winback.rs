//! The win-back lists in the UI: who is at risk of leaving and who has left, with the reasons
//! in words and the value at stake or lost, filtered (mine, reason, minimum value, search),
//! paged, exported as CSV, and the user's saved filters.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::retention::lists::{self, AT_RISK, CHURNED, SIGNALS};
use rapport_app::retention::{Reason, catalogue, filters};
use serde_json::{Value, json};

use super::locale;
use super::page::{Page, render};
use super::{encode_path, failure, form};
use crate::api::insights::{Owner, resolve_owner};
use crate::api::winback::{MAX_EXPORT, csv_download, read_list_query};
use crate::auth::{Caller, encode_component, form_pairs};
use crate::state::AppState;

const PAGE_SIZE: usize = 50;

/// One customer of a list page.
pub struct ListRow {
    pub key_path: String,
    pub name: String,
    pub external_id: String,
    pub value: String,
    pub reasons: Vec<String>,
    pub since: String,
    pub phone: String,
}

/// A saved filter as the page shows it.
pub struct SavedView {
    pub id: String,
    pub name: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "retention_list.html")]
struct ListPage<'a> {
    page: &'a Page,
    list: &'static str,
    title: &'static str,
    intro: &'static str,
    q: String,
    reason: String,
    min_value: String,
    mine: bool,
    reasons: Vec<(String, String)>,
    errors: Vec<String>,
    total: String,
    refreshed: String,
    rows: Vec<ListRow>,
    query: String,
    can_export: bool,
    saved: Vec<SavedView>,
    prev_link: Option<String>,
    next_link: Option<String>,
}

/// A signal or reason of an entry, in words.
fn reason_text(page: &Page, r: &Value, catalogue: &[Reason]) -> String {
    let code = r["code"].as_str().unwrap_or_default();
    let p = &r["params"];
    let num = |k: &str| p[k].as_f64().unwrap_or(0.0);
    let lang = page.lang;
    let reason_label = |k: &str| {
        let c = p[k].as_str().unwrap_or_default();
        catalogue
            .iter()
            .find(|x| x.code == c)
            .map_or_else(|| c.to_string(), |x| x.label(lang.code()).to_string())
    };
    let t = |key: &str| page.t(key).to_string();
    match code {
        "p_alive_low" => {
            t("winback.p_alive_low").replace("{p}", &locale::format_percent(lang, num("p"), 0))
        }
        "health_drop" => t("winback.health_drop")
            .replace("{from}", &locale::format_int(lang, num("from") as i64))
            .replace("{to}", &locale::format_int(lang, num("to") as i64)),
        "purchase_rate_falling" => t("winback.purchase_rate_falling")
            .replace("{ratio}", &locale::format_percent(lang, num("ratio"), 0)),
        "open_complaints" => t("winback.open_complaints")
            .replace("{count}", &locale::format_int(lang, num("count") as i64)),
        "contract_ending" => t("winback.contract_ending")
            .replace("{days}", &locale::format_int(lang, num("days") as i64)),
        "detractor" => t("winback.detractor")
            .replace("{score}", &locale::format_int(lang, num("score") as i64)),
        "cancelled" => t("winback.cancelled").replace("{reason}", &reason_label("reason")),
        "withdrawn" => t("winback.withdrawn").replace("{reason}", &reason_label("reason")),
        "dormant" => {
            t("winback.dormant").replace("{days}", &locale::format_int(lang, num("days") as i64))
        }
        other => other.to_string(),
    }
}

fn list_of(path_list: &str) -> Option<&'static str> {
    match path_list {
        "at-risk" => Some(AT_RISK),
        "churned" => Some(CHURNED),
        _ => None,
    }
}

/// A non-empty value of the page's query string.
fn value(pairs: &[(String, String)], k: &str) -> Option<String> {
    let v = form::value(pairs, k).trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// The list query of a page's query string (its `mine=1` is the caller's own customers,
/// resolved by the caller), whether it asks for "mine", and what was wrong.
fn page_query(
    list: &str,
    pairs: &[(String, String)],
) -> (
    rapport_store::WinbackQuery,
    bool,
    Vec<crate::problem::FieldError>,
) {
    let mine = value(pairs, "mine").as_deref() == Some("1");
    let (q, _, errors) = read_list_query(list, &|k| match k {
        "owner" => mine.then(|| "me".to_string()),
        k => value(pairs, k),
    });
    (q, mine, errors)
}

fn me(page: &Page) -> uuid::Uuid {
    page.user
        .as_ref()
        .map(|u| u.id.as_uuid())
        .unwrap_or_default()
}

/// `GET /retention/lists/{list}`: `at-risk` or `churned`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(which): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(list) = list_of(&which) else {
        return super::not_found_page(&page);
    };
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let get = |k: &str| value(&pairs, k);
    let (mut q, mine, field_errors) = page_query(list, &pairs);
    q.offset = get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(10_000_000);
    q.limit = PAGE_SIZE;
    let user = me(&page);
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        if mine && let Ok(owner) = resolve_owner(&mut tx, &Owner::Me, user).await? {
            q.owner = owner;
        }
        let found = lists::list(&mut tx, q.clone()).await?;
        let reasons = catalogue(&mut tx).await?;
        let saved = tx.saved_filters(user, Some(list)).await?;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>((found, reasons, saved))
    }
    .await;
    let (found, reasons, saved) = match result {
        Ok(f) => f,
        Err(e) => return failure(&page, e.into()),
    };
    let lang = page.lang;
    let mut query = String::new();
    for (k, v) in [
        ("q", get("q")),
        ("reason", q.reason.clone()),
        ("min_value", get("min_value")),
    ] {
        if let Some(v) = v {
            query.push_str(&format!("&{k}={}", encode_component(&v)));
        }
    }
    if mine {
        query.push_str("&mine=1");
    }
    let base = format!("/retention/lists/{which}?x=1{query}");
    let shown = q.offset + found.rows.len();
    let mut reason_choices: Vec<(String, String)> = SIGNALS
        .iter()
        .filter(|s| {
            if list == CHURNED {
                matches!(**s, "cancelled" | "withdrawn" | "dormant")
            } else {
                !matches!(**s, "cancelled" | "withdrawn" | "dormant")
            }
        })
        .map(|s| {
            (
                s.to_string(),
                page.t(&format!("winback.signal.{s}")).to_string(),
            )
        })
        .collect();
    if list == CHURNED {
        reason_choices.extend(
            reasons
                .iter()
                .map(|r| (r.code.clone(), r.label(lang.code()).to_string())),
        );
    }
    let body = ListPage {
        page: &page,
        list: if list == AT_RISK {
            "at-risk"
        } else {
            "churned"
        },
        title: page.t(if list == AT_RISK {
            "winback.at_risk_title"
        } else {
            "winback.churned_title"
        }),
        intro: page.t(if list == AT_RISK {
            "winback.at_risk_intro"
        } else {
            "winback.churned_intro"
        }),
        q: get("q").unwrap_or_default(),
        reason: q.reason.clone().unwrap_or_default(),
        min_value: get("min_value").unwrap_or_default(),
        mine,
        reasons: reason_choices,
        errors: field_errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect(),
        total: page.number(found.total),
        refreshed: found.refreshed_at.map_or_else(
            || page.t("winback.never").to_string(),
            |t| {
                page.t("winback.refreshed")
                    .replace("{date}", &locale::format_date(lang, t.date_naive()))
            },
        ),
        rows: found
            .rows
            .iter()
            .map(|r| ListRow {
                key_path: encode_path(&r.external_id),
                name: r.name.clone(),
                external_id: r.external_id.clone(),
                value: super::health::money(lang, r.entry.value, "EUR"),
                reasons: r
                    .entry
                    .reasons
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|x| reason_text(&page, x, &reasons))
                    .collect(),
                since: r
                    .entry
                    .since
                    .map(|t| locale::format_date(lang, t.date_naive()))
                    .unwrap_or_default(),
                phone: r.phone.clone().unwrap_or_default(),
            })
            .collect(),
        query: query.trim_start_matches('&').to_string(),
        can_export: page.can("export"),
        saved: saved
            .iter()
            .map(|f| SavedView {
                id: f.id.to_string(),
                name: f.name.clone(),
                link: format!("/retention/lists/{which}?{}", saved_link(&f.query)),
            })
            .collect(),
        prev_link: (q.offset > 0)
            .then(|| format!("{base}&offset={}", q.offset.saturating_sub(PAGE_SIZE))),
        next_link: ((shown as i64) < found.total).then(|| format!("{base}&offset={shown}")),
    }
    .render();
    render(StatusCode::OK, &page, body)
}

/// A saved query as the page's own query string (`owner=me` is the page's `mine=1`).
fn saved_link(query: &str) -> String {
    query.replace("owner=me", "mine=1")
}

/// `GET /retention/lists/{list}.csv`… is served as `/retention/lists/{list}/csv`.
pub async fn csv(
    State(state): State<AppState>,
    page: Page,
    Path(which): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(list) = list_of(&which) else {
        return super::not_found_page(&page);
    };
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let (mut q, mine, _) = page_query(list, &pairs);
    q.limit = MAX_EXPORT;
    let user = me(&page);
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        if mine && let Ok(owner) = resolve_owner(&mut tx, &Owner::Me, user).await? {
            q.owner = owner;
        }
        let found = lists::list(&mut tx, q).await;
        tx.rollback().await?;
        found
    }
    .await;
    match result {
        Ok(p) => csv_download(list, &p),
        Err(e) => failure(&page, e.into()),
    }
}

/// `POST /retention/lists/{list}/filters`: saves the current filter under a name, or (with
/// `delete`) removes a saved one.
pub async fn save_filter(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(which): Path<String>,
    body: Bytes,
) -> Response {
    let Some(list) = list_of(&which) else {
        return super::not_found_page(&page);
    };
    let f = form::read(&body).unwrap_or_default();
    let now = Utc::now();
    let done = if let Some(id) = Some(form::value(&f, "delete")).filter(|v| !v.is_empty()) {
        filters::delete(&state.store, state.org, caller.user.id, id, "ui", now).await
    } else {
        let query = form::value(&f, "query").replace("mine=1", "owner=me");
        let body = json!({"list": list, "name": form::value(&f, "name"), "query": query});
        filters::save(&state.store, state.org, caller.user.id, &body, "ui", now)
            .await
            .map(|_| ())
    };
    match done {
        Ok(()) => Redirect::to(&format!("/retention/lists/{which}")).into_response(),
        Err(e) => failure(&page, e),
    }
}
