//! Buyer's remorse in the UI: withdrawal rates by signing-to-delivery gap, product and channel
//! (`/retention/remorse`), and the people to call today: contracts in their withdrawal period
//! with no contact since signing (`/retention/calls`).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rapport_app::insights;
use rapport_app::retention::{self, Rate, RemorseQuery, product_choices};
use rapport_store::UncontactedContract;

use super::chart::{ChartOptions, Series, bar_chart};
use super::locale::{self, Lang};
use super::page::{Page, render};
use super::retention::{errors_text, getter, me, money_minor, pairs};
use super::{encode_path, failure};
use crate::api::insights::{Owner, resolve_owner};
use crate::api::retention::read_period;
use crate::state::AppState;

const PAGE_SIZE: usize = 50;

/// A withdrawal-rate table: its element id, heading and lines.
pub struct RateTable {
    pub id: &'static str,
    pub heading: &'static str,
    pub rows: Vec<RateRow>,
}

/// One line of a withdrawal-rate table.
pub struct RateRow {
    pub name: String,
    pub contracts: String,
    pub withdrawn: String,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "retention_remorse.html")]
struct RemorsePage<'a> {
    page: &'a Page,
    from: String,
    to: String,
    product: String,
    products: Vec<(String, String)>,
    errors: Vec<String>,
    summary: String,
    chart: String,
    tables: Vec<RateTable>,
}

fn rate_row(lang: Lang, name: String, r: Rate) -> RateRow {
    RateRow {
        name,
        contracts: locale::format_int(lang, r.contracts),
        withdrawn: locale::format_int(lang, r.withdrawn),
        rate: r
            .rate()
            .map_or_else(|| "–".into(), |v| locale::format_percent(lang, v, 1)),
    }
}

/// `GET /retention/remorse`: withdrawal rates by signing-to-delivery gap, product and channel.
pub async fn remorse(
    State(state): State<AppState>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = pairs(raw);
    let get = getter(&pairs);
    let now = Utc::now();
    let mut field_errors = Vec::new();
    let (from, to) = read_period(&get, now.date_naive(), &mut field_errors);
    let mut errors = errors_text(&field_errors);
    let q = RemorseQuery {
        from,
        to,
        product: get("product"),
        now,
    };
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let products = product_choices(&mut tx).await?;
        let found = retention::remorse(&mut tx, &q).await;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>((products, found))
    }
    .await;
    let (products, found) = match result {
        Ok(found) => found,
        Err(e) => return failure(&page, e.into()),
    };
    let r = match found {
        Ok(r) => Some(r),
        Err(rapport_app::records::RecordError::Invalid(e)) => {
            errors.extend(e.iter().map(|e| e.to_string()));
            None
        }
        Err(e) => return failure(&page, e),
    };
    let lang = page.lang;
    let gap_name = |code: &str| match code {
        "unknown" => page.t("retention.gap_unknown").to_string(),
        c => page.t("retention.gap_days").replace("{days}", c),
    };
    let (summary, chart, gaps, by_product, by_channel) = match &r {
        None => Default::default(),
        Some(r) => {
            let summary = page
                .t("retention.remorse_summary")
                .replace(
                    "{withdrawn}",
                    &locale::format_int(lang, r.overall.withdrawn),
                )
                .replace(
                    "{contracts}",
                    &locale::format_int(lang, r.overall.contracts),
                )
                .replace(
                    "{rate}",
                    &r.overall
                        .rate()
                        .map_or_else(|| "–".into(), |v| locale::format_percent(lang, v, 1)),
                )
                .replace("{open}", &locale::format_int(lang, r.open));
            let known: Vec<_> = r
                .by_gap
                .iter()
                .filter(|(g, x)| g.code() != "unknown" || x.contracts > 0)
                .collect();
            let chart = bar_chart(
                page.t("retention.remorse_chart"),
                &Series::new(
                    page.t("retention.rate"),
                    known
                        .iter()
                        .map(|(g, x)| (gap_name(g.code()), x.rate().unwrap_or(0.0)))
                        .collect(),
                ),
                &ChartOptions {
                    id: "remorse-gaps".into(),
                    height: 300,
                    empty_text: page.t("retention.none").into(),
                    value_format: Box::new(move |v| locale::format_percent(lang, v, 0)),
                    ..ChartOptions::default()
                },
            );
            let gaps = r
                .by_gap
                .iter()
                .map(|(g, x)| rate_row(lang, gap_name(g.code()), *x))
                .collect();
            let by_product = r
                .by_product
                .iter()
                .map(|p| {
                    let name = match (&p.name, &p.sku) {
                        (Some(n), Some(s)) => format!("{n} ({s})"),
                        _ => page.t("retention.no_product").to_string(),
                    };
                    rate_row(lang, name, p.rate)
                })
                .collect();
            let by_channel = r
                .by_channel
                .iter()
                .map(|(c, x)| {
                    let name = c.as_deref().map_or_else(
                        || page.t("retention.unknown_channel").to_string(),
                        insights::report::group_label,
                    );
                    rate_row(lang, name, *x)
                })
                .collect();
            (summary, chart, gaps, by_product, by_channel)
        }
    };
    let body = RemorsePage {
        page: &page,
        from: from.to_string(),
        to: to.to_string(),
        product: q.product.clone().unwrap_or_default(),
        products: products
            .iter()
            .map(|p| (p.sku.clone(), format!("{} ({})", p.name, p.sku)))
            .collect(),
        errors,
        summary,
        chart,
        tables: vec![
            RateTable {
                id: "remorse-gaps",
                heading: page.t("retention.by_gap"),
                rows: gaps,
            },
            RateTable {
                id: "remorse-products",
                heading: page.t("retention.by_product"),
                rows: by_product,
            },
            RateTable {
                id: "remorse-channels",
                heading: page.t("retention.by_channel"),
                rows: by_channel,
            },
        ],
    }
    .render();
    render(StatusCode::OK, &page, body)
}

/// One contract of the call list.
pub struct CallRow {
    pub key_path: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub deadline: String,
    pub days_left: String,
    pub product: String,
    pub value: String,
    pub signed: String,
    pub delivery: String,
    pub contract: String,
}

#[derive(Template)]
#[template(path = "retention_calls.html")]
struct CallsPage<'a> {
    page: &'a Page,
    mine: bool,
    rows: Vec<CallRow>,
    prev_link: Option<String>,
    next_link: Option<String>,
}

fn call_row(page: &Page, c: &UncontactedContract, now: chrono::DateTime<Utc>) -> CallRow {
    let lang = page.lang;
    let days = (c.withdrawal_deadline.date_naive() - now.date_naive()).num_days();
    CallRow {
        key_path: encode_path(&c.party_external_id),
        name: c.party_name.clone(),
        phone: c.phone.clone().unwrap_or_default(),
        email: c.email.clone().unwrap_or_default(),
        deadline: locale::format_date(lang, c.withdrawal_deadline.date_naive()),
        days_left: match days {
            d if d <= 0 => page.t("retention.today").to_string(),
            d => page
                .t("retention.days_left")
                .replace("{days}", &locale::format_int(lang, d)),
        },
        product: c.sku.clone().unwrap_or_default(),
        value: money_minor(lang, c.value_minor, Some(&c.currency)),
        signed: locale::format_date(lang, c.signed_at.date_naive()),
        delivery: c
            .delivery
            .map(|d| locale::format_date(lang, d.date_naive()))
            .unwrap_or_else(|| "–".into()),
        contract: c.external_id.clone(),
    }
}

/// `GET /retention/calls`: contracts inside their withdrawal period with no contact since
/// signing, the nearest deadline first.
pub async fn calls(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let pairs = pairs(raw);
    let get = getter(&pairs);
    let mine = get("mine").as_deref() == Some("1");
    let offset = get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(10_000_000);
    let now = Utc::now();
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let owner = if mine {
            resolve_owner(&mut tx, &Owner::Me, me(&page))
                .await?
                .ok()
                .flatten()
        } else {
            None
        };
        let found = retention::call_today(&mut tx, now, owner, offset, PAGE_SIZE + 1).await;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>(found)
    }
    .await;
    let mut rows = match result {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => return failure(&page, e),
        Err(e) => return failure(&page, e.into()),
    };
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let base = if mine {
        "/retention/calls?mine=1"
    } else {
        "/retention/calls?all=1"
    };
    let body = CallsPage {
        page: &page,
        mine,
        rows: rows.iter().map(|c| call_row(&page, c, now)).collect(),
        prev_link: (offset > 0)
            .then(|| format!("{base}&offset={}", offset.saturating_sub(PAGE_SIZE))),
        next_link: more.then(|| format!("{base}&offset={}", offset + PAGE_SIZE)),
    }
    .render();
    render(StatusCode::OK, &page, body)
}
