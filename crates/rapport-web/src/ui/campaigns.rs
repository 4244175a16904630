//! The campaign board: the win-back campaigns with a form to start one on a list, and each
//! campaign's page: its honest result against the control group, by reason and offer, and the
//! customers to call with a form to record each attempt.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use rapport_app::records::{RecordError, Writing};
use rapport_app::retention::campaigns::{self, Attempt, Campaign, GroupResult, OUTCOMES};
use rapport_domain::Currency;
use rapport_store::MemberQuery;
use rapport_store::schema::CAMPAIGN_MEMBERS;
use serde_json::json;

use super::locale::{self, Lang};
use super::page::{Page, render};
use super::{encode_path, failure, form};
use crate::auth::{Caller, form_pairs};
use crate::state::AppState;

const PAGE_SIZE: usize = 50;

/// The start form's values.
#[derive(Default)]
pub struct NewForm {
    pub name: String,
    pub list: String,
    pub filter: String,
    pub control_share: String,
    pub offer: String,
    pub offers: String,
    pub cost: String,
    pub due_days: String,
}

pub struct CampaignRow {
    pub link: String,
    pub name: String,
    pub list: &'static str,
    pub status: &'static str,
    pub started: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct Board<'a> {
    page: &'a Page,
    rows: Vec<CampaignRow>,
    form: NewForm,
    errors: Vec<String>,
}

fn list_label(page: &Page, list: &str) -> &'static str {
    page.t(if list == "churned" {
        "winback.churned_title"
    } else {
        "winback.at_risk_title"
    })
}

fn status_label(page: &Page, status: &str) -> &'static str {
    page.t(if status == "closed" {
        "campaign.closed"
    } else {
        "campaign.running"
    })
}

async fn board(
    state: &AppState,
    page: &Page,
    form: NewForm,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let found = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let all = campaigns::all(&mut tx).await;
        tx.rollback().await?;
        all
    }
    .await;
    let all = match found {
        Ok(a) => a,
        Err(e) => return failure(page, e.into()),
    };
    let body = Board {
        page,
        rows: all
            .iter()
            .map(|c| CampaignRow {
                link: format!("/campaigns/{}", c.id),
                name: c.name.clone(),
                list: list_label(page, &c.list),
                status: status_label(page, &c.status),
                started: locale::format_date(page.lang, c.created_at.date_naive()),
            })
            .collect(),
        form,
        errors,
    }
    .render();
    render(status, page, body)
}

/// `GET /campaigns`: the board; `?list=…&…` fills the start form from a list page.
pub async fn show_board(
    State(state): State<AppState>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let list = form::value(&pairs, "list").replace('-', "_");
    let filter: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| {
            matches!(k.as_str(), "reason" | "min_value" | "q" | "mine") && !v.is_empty()
        })
        .map(|(k, v)| {
            if k == "mine" {
                "owner=me".to_string()
            } else {
                format!("{k}={}", crate::auth::encode_component(v))
            }
        })
        .collect();
    let form = NewForm {
        list: if list.is_empty() {
            "churned".into()
        } else {
            list
        },
        filter: filter.join("&"),
        control_share: "0.2".into(),
        due_days: "14".into(),
        ..NewForm::default()
    };
    board(&state, &page, form, Vec::new(), StatusCode::OK).await
}

/// `POST /campaigns`: starts a campaign.
pub async fn start(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let v = |k: &str| form::value(&f, k).trim().to_string();
    let mut offers = serde_json::Map::new();
    if !v("offer").is_empty() {
        offers.insert("*".into(), json!(v("offer")));
    }
    for line in v("offers").lines() {
        if let Some((code, offer)) = line.split_once('=') {
            offers.insert(code.trim().to_string(), json!(offer.trim()));
        }
    }
    let share: Option<f64> = v("control_share").parse().ok();
    let days: Option<u64> = v("due_days").parse().ok();
    let body = json!({
        "name": v("name"), "list": v("list"), "query": v("filter"),
        "control_share": share.map_or(json!("not a number"), |s| json!(s)),
        "offers": offers, "cost": if v("cost").is_empty() { "0".into() } else { v("cost") },
        "due_days": days.map_or(json!("not a number"), |d| json!(d)),
    });
    let who = Writing {
        actor: Some(caller.actor()),
        source: "ui".into(),
        now: Utc::now(),
    };
    let created = match campaigns::parse_new(&body) {
        Ok(new) => campaigns::create(&state.store, state.org, &new, &who).await,
        Err(e) => Err(e),
    };
    // The form as submitted, to show again with what was wrong.
    let submitted = || NewForm {
        name: v("name"),
        list: v("list"),
        filter: v("filter"),
        control_share: v("control_share"),
        offer: v("offer"),
        offers: v("offers"),
        cost: v("cost"),
        due_days: v("due_days"),
    };
    match created {
        Ok((c, _, _)) => Redirect::to(&format!("/campaigns/{}", c.id)).into_response(),
        Err(RecordError::Invalid(errors)) => {
            let form = submitted();
            let errors = errors.iter().map(|e| e.to_string()).collect();
            board(
                &state,
                &page,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(RecordError::Conflict(m)) => {
            let form = submitted();
            board(&state, &page, form, vec![m], StatusCode::CONFLICT).await
        }
        Err(e) => failure(&page, e),
    }
}

/// A group's line of the result tables.
pub struct GroupRow {
    pub name: String,
    pub treated: String,
    pub treated_rate: String,
    pub control: String,
    pub control_rate: String,
    pub won_back: String,
    pub revenue: String,
}

/// A result table: its element id, heading and lines.
pub struct GroupTable {
    pub id: &'static str,
    pub heading: &'static str,
    pub rows: Vec<GroupRow>,
}

/// A member line.
pub struct MemberLine {
    pub key: String,
    pub key_path: String,
    pub name: String,
    pub phone: String,
    pub control: bool,
    pub reason: String,
    pub offer: String,
    pub due: String,
    pub outcome: String,
    pub open: bool,
    pub attempts: String,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage<'a> {
    page: &'a Page,
    c: Campaign,
    id: String,
    list: &'static str,
    status: &'static str,
    running: bool,
    summary: Vec<(&'static str, String)>,
    verdict: String,
    tables: Vec<GroupTable>,
    members: Vec<MemberLine>,
    outcomes: Vec<(&'static str, &'static str)>,
    mine: bool,
    notice: Option<String>,
    prev_link: Option<String>,
    next_link: Option<String>,
}

fn pct(lang: Lang, v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| locale::format_percent(lang, v, 1))
}

fn money(lang: Lang, minor: i64, currency: &str) -> String {
    let digits = Currency::parse(currency).map_or(2, |c| c.minor_digits());
    locale::format_money(lang, minor, currency, digits)
}

fn group_row(page: &Page, g: &GroupResult, currency: &str, none: &str) -> GroupRow {
    let lang = page.lang;
    let rate = |x: u64, n: u64| (n > 0).then(|| x as f64 / n as f64);
    GroupRow {
        name: g.key.clone().unwrap_or_else(|| none.to_string()),
        treated: locale::format_int(lang, g.treated as i64),
        treated_rate: pct(lang, rate(g.returned_treated, g.treated)),
        control: locale::format_int(lang, g.control as i64),
        control_rate: pct(lang, rate(g.returned_control, g.control)),
        won_back: locale::format_int(lang, g.won_back as i64),
        revenue: money(lang, g.revenue_treated_minor, currency),
    }
}

/// `GET /campaigns/{id}`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let mine = form::value(&pairs, "mine") == "1";
    let offset = form::value(&pairs, "offset")
        .parse::<usize>()
        .unwrap_or(0)
        .min(10_000_000);
    let me = page.user.as_ref().map(|u| u.id.as_uuid());
    let found = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let r = campaigns::results(&mut tx, &key).await;
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                tx.rollback().await?;
                return Ok(Err(e));
            }
        };
        let q = MemberQuery {
            campaign: r.campaign.id,
            assignee: if mine { me } else { None },
            offset,
            limit: PAGE_SIZE + 1,
            ..MemberQuery::default()
        };
        let (rows, _) = campaigns::members(&mut tx, &q).await?;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>(Ok((r, rows)))
    }
    .await;
    let (r, mut rows) = match found {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return failure(&page, e),
        Err(e) => return failure(&page, e.into()),
    };
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let lang = page.lang;
    let c = r.campaign.clone();
    let o = &r.overall;
    let (per, per_inc) = r.cost_per_returned_minor();
    let rate = |x: u64, n: u64| (n > 0).then(|| x as f64 / n as f64);
    let summary = vec![
        (
            page.t("campaign.contacted"),
            locale::format_int(lang, o.treated as i64),
        ),
        (
            page.t("campaign.held_out"),
            locale::format_int(lang, o.control as i64),
        ),
        (
            page.t("campaign.rate_treated"),
            pct(lang, rate(o.returned_treated, o.treated)),
        ),
        (
            page.t("campaign.rate_control"),
            pct(lang, rate(o.returned_control, o.control)),
        ),
        (
            page.t("campaign.won_back_recorded"),
            locale::format_int(lang, o.won_back as i64),
        ),
        (
            page.t("campaign.revenue"),
            money(lang, o.revenue_treated_minor, &c.currency),
        ),
        (
            page.t("campaign.incremental"),
            o.incremental_revenue_minor()
                .map_or_else(|| "–".into(), |v| money(lang, v, &c.currency)),
        ),
        (
            page.t("campaign.cost"),
            money(lang, c.cost_minor, &c.currency),
        ),
        (
            page.t("campaign.cost_per_returned"),
            per.map_or_else(|| "–".into(), |v| money(lang, v, &c.currency)),
        ),
        (
            page.t("campaign.cost_per_incremental"),
            per_inc.map_or_else(|| "–".into(), |v| money(lang, v, &c.currency)),
        ),
    ];
    let points = |v: f64| format!("{:+.1}", v * 100.0);
    let verdict = match o.difference {
        None => page.t("campaign.no_control").to_string(),
        Some(d) => page
            .t(if d.low > 0.0 {
                "campaign.verdict_better"
            } else if d.high < 0.0 {
                "campaign.verdict_worse"
            } else {
                "campaign.verdict_unclear"
            })
            .replace("{diff}", &points(d.difference))
            .replace("{low}", &points(d.low))
            .replace("{high}", &points(d.high)),
    };
    let none = page.t("campaign.none");
    let t = &CAMPAIGN_MEMBERS;
    let members = rows
        .iter()
        .map(|m| {
            let r = &m.member;
            let outcome = r[t.col("outcome")].as_str().unwrap_or_default().to_string();
            MemberLine {
                key: m.external_id.clone(),
                key_path: encode_path(&m.external_id),
                name: m.name.clone(),
                phone: m.phone.clone().unwrap_or_default(),
                control: r[t.col("arm")].as_str() == Some("control"),
                reason: r[t.col("reason_code")]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                offer: r[t.col("offer")].as_str().unwrap_or_default().to_string(),
                due: match &r[t.col("due_on")] {
                    rapport_store::Value::Date(d) => locale::format_date(lang, *d),
                    _ => String::new(),
                },
                open: outcome.is_empty(),
                outcome: if outcome.is_empty() {
                    String::new()
                } else {
                    page.t(&format!("campaign.outcome.{outcome}")).to_string()
                },
                attempts: locale::format_int(lang, r[t.col("attempts")].as_int().unwrap_or(0)),
            }
        })
        .collect();
    let base = format!("/campaigns/{}?mine={}", c.id, u8::from(mine));
    let body = CampaignPage {
        page: &page,
        id: c.id.to_string(),
        list: list_label(&page, &c.list),
        status: status_label(&page, &c.status),
        running: c.status == "running",
        summary,
        verdict,
        tables: vec![
            GroupTable {
                id: "campaign-reasons",
                heading: page.t("campaign.by_reason"),
                rows: r
                    .by_reason
                    .iter()
                    .map(|g| group_row(&page, g, &c.currency, none))
                    .collect(),
            },
            GroupTable {
                id: "campaign-offers",
                heading: page.t("campaign.by_offer"),
                rows: r
                    .by_offer
                    .iter()
                    .map(|g| group_row(&page, g, &c.currency, none))
                    .collect(),
            },
        ],
        members,
        outcomes: OUTCOMES
            .iter()
            .map(|o| (*o, page.t(&format!("campaign.outcome.{o}"))))
            .collect(),
        mine,
        notice: match form::value(&pairs, "done") {
            "recorded" => Some(page.t("campaign.recorded").to_string()),
            _ => None,
        },
        prev_link: (offset > 0)
            .then(|| format!("{base}&offset={}", offset.saturating_sub(PAGE_SIZE))),
        next_link: more.then(|| format!("{base}&offset={}", offset + PAGE_SIZE)),
        c,
    }
    .render();
    render(StatusCode::OK, &page, body)
}

/// `POST /campaigns/{id}/attempts`: records one attempt from the member table.
pub async fn attempt(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let f = form::read(&body).unwrap_or_default();
    let now = Utc::now();
    let a = Attempt {
        party: form::value(&f, "party").trim().to_string(),
        outcome: form::value(&f, "outcome").trim().to_string(),
        at: now,
        note: Some(form::value(&f, "note").trim().to_string()).filter(|n| !n.is_empty()),
    };
    let who = Writing {
        actor: Some(caller.actor()),
        source: "ui".into(),
        now,
    };
    match campaigns::record_attempt(&state.store, state.org, &key, &a, &who).await {
        Ok(()) => {
            Redirect::to(&format!("/campaigns/{}?done=recorded", encode_path(&key))).into_response()
        }
        Err(e) => failure(&page, e),
    }
}

/// `POST /campaigns/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    page: Page,
    Path(key): Path<String>,
) -> Response {
    let who = Writing {
        actor: Some(caller.actor()),
        source: "ui".into(),
        now: Utc::now(),
    };
    match campaigns::close(&state.store, state.org, &key, &who).await {
        Ok(c) => Redirect::to(&format!("/campaigns/{}", c.id)).into_response(),
        Err(e) => failure(&page, e),
    }
}
