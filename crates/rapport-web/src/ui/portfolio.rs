//! The portfolio pages over the latest score run: the portfolio (filter and sort by health,
//! class, segment, CLV and P(alive), per relationship manager) and "needs attention".

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_app::insights::{self, DEFAULT_MIN_DROP, Portfolio, PortfolioEntry};
use rapport_store::PortfolioSort;

use super::health::decimal;
use super::insights::{class_label, money, no_run, run_text, segment_label};
use super::locale;
use super::page::{Page, render};
use super::{encode_path, failure, form};
use crate::api::insights::{CLASSES, Owner, read_filters, resolve_owner};
use crate::auth::{encode_component, form_pairs};
use crate::state::AppState;

const PAGE_SIZE: usize = 50;

/// The sorts the form offers, with their labels' keys.
const SORTS: [(&str, &str); 8] = [
    ("health", "portfolio.sort.health"),
    ("-health", "portfolio.sort.health_desc"),
    ("-clv", "portfolio.sort.clv_desc"),
    ("clv", "portfolio.sort.clv"),
    ("p_alive", "portfolio.sort.p_alive"),
    ("-p_alive", "portfolio.sort.p_alive_desc"),
    ("-drop", "portfolio.sort.drop_desc"),
    ("name", "portfolio.sort.name"),
];

/// One customer row of the portfolio tables.
pub struct Row {
    pub key_path: String,
    pub name: String,
    pub external_id: String,
    pub health: String,
    /// `good`, `fair` or `poor`.
    pub band: &'static str,
    /// Health change since the previous run ("−12", "+3"), empty without one.
    pub change: String,
    pub falling: bool,
    pub class_code: String,
    pub class: String,
    pub segment: String,
    pub p_alive: String,
    pub clv: String,
    pub owner: String,
}

/// The filter form's state.
pub struct Filters {
    pub q: String,
    pub class: String,
    pub segment: String,
    pub mine: bool,
    pub min_health: String,
    pub max_health: String,
    pub max_p_alive: String,
    pub min_clv: String,
    pub min_drop: String,
    pub sort: String,
}

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage<'a> {
    page: &'a Page,
    attention: bool,
    filters: Filters,
    classes: Vec<(String, String)>,
    segments: Vec<(String, String)>,
    sorts: Vec<(String, &'static str)>,
    errors: Vec<String>,
    run_text: String,
    total: String,
    rows: Vec<Row>,
    prev_link: Option<String>,
    next_link: Option<String>,
}

/// `GET /portfolio`.
pub async fn portfolio(
    State(state): State<AppState>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    list(&state, &page, raw, false).await
}

/// `GET /attention`: the health drops since the previous run, most valuable first.
pub async fn attention(
    State(state): State<AppState>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    list(&state, &page, raw, true).await
}

async fn list(state: &AppState, page: &Page, raw: Option<String>, attention: bool) -> Response {
    let pairs = form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let get = |k: &str| {
        let v = form::value(&pairs, k).trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    let mine = get("mine").as_deref() == Some("1");
    let (mut query, _, field_errors) = read_filters(&|k| match k {
        "owner" => mine.then(|| "me".to_string()),
        k => get(k),
    });
    if attention {
        query.min_drop = Some(query.min_drop.unwrap_or(DEFAULT_MIN_DROP));
        query.sort = PortfolioSort::ClvDesc;
    }
    let errors: Vec<String> = field_errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect();
    let offset = get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(10_000_000);
    query.offset = offset;
    query.limit = PAGE_SIZE;
    let me = page
        .user
        .as_ref()
        .map(|u| u.id.as_uuid())
        .unwrap_or_default();
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        if let Ok(owner) =
            resolve_owner(&mut tx, if mine { &Owner::Me } else { &Owner::Anyone }, me).await?
        {
            query.owner = owner;
        }
        let found = insights::portfolio(&mut tx, query.clone()).await;
        tx.rollback().await?;
        found
    }
    .await;
    let found = match result {
        Ok(f) => f,
        Err(e) => return failure(page, e.into()),
    };
    let Some(p) = found else {
        return no_run(page);
    };
    let filters = Filters {
        q: get("q").unwrap_or_default(),
        class: query.class.clone().unwrap_or_default(),
        segment: query.segment.clone().unwrap_or_default(),
        mine,
        min_health: get("min_health").unwrap_or_default(),
        max_health: get("max_health").unwrap_or_default(),
        max_p_alive: get("max_p_alive").unwrap_or_default(),
        min_clv: get("min_clv").unwrap_or_default(),
        min_drop: query.min_drop.map(|d| d.to_string()).unwrap_or_default(),
        sort: query.sort.code().to_string(),
    };
    let base = link(
        if attention {
            "/attention"
        } else {
            "/portfolio"
        },
        &filters,
        attention,
    );
    let shown = offset + p.entries.len();
    let body = PortfolioPage {
        page,
        attention,
        classes: CLASSES
            .iter()
            .map(|c| (c.to_string(), class_label(page.lang, c)))
            .collect(),
        segments: insights::SEGMENTS
            .iter()
            .map(|s| (s.to_string(), segment_label(page.lang, s)))
            .collect(),
        sorts: SORTS
            .iter()
            .map(|(code, key)| (code.to_string(), page.t(key)))
            .collect(),
        errors,
        run_text: run_text(page, &p.run),
        total: page.number(p.total),
        rows: p.entries.iter().map(|e| row(page, &p, e)).collect(),
        prev_link: (offset > 0)
            .then(|| format!("{base}&offset={}", offset.saturating_sub(PAGE_SIZE))),
        next_link: ((shown as i64) < p.total).then(|| format!("{base}&offset={shown}")),
        filters,
    }
    .render();
    render(StatusCode::OK, page, body)
}

/// The list's address with its filters, for the pager.
fn link(path: &str, f: &Filters, attention: bool) -> String {
    let mut out = format!("{path}?q={}", encode_component(&f.q));
    let mut add = |k: &str, v: &str| {
        if !v.is_empty() {
            out.push_str(&format!("&{k}={}", encode_component(v)));
        }
    };
    if attention {
        add("min_drop", &f.min_drop);
    } else {
        add("class", &f.class);
        add("segment", &f.segment);
        add("min_health", &f.min_health);
        add("max_health", &f.max_health);
        add("max_p_alive", &f.max_p_alive);
        add("min_clv", &f.min_clv);
        add("sort", &f.sort);
    }
    if f.mine {
        add("mine", "1");
    }
    out
}

fn row(page: &Page, p: &Portfolio, e: &PortfolioEntry) -> Row {
    let r = &e.row;
    let lang = page.lang;
    let change = r.previous_health.map(|prev| r.health - prev);
    Row {
        key_path: encode_path(&r.external_id),
        name: r.name.clone(),
        external_id: r.external_id.clone(),
        health: decimal(lang, r.health, 0),
        band: band(r.health),
        change: change
            .map(|c| {
                let text = decimal(lang, c.abs(), 0);
                match c {
                    c if c <= -0.5 => format!("−{text}"),
                    c if c >= 0.5 => format!("+{text}"),
                    _ => "±0".to_string(),
                }
            })
            .unwrap_or_default(),
        falling: change.is_some_and(|c| c <= -0.5),
        class_code: r.class.clone(),
        class: class_label(lang, &r.class),
        segment: segment_label(lang, &r.segment),
        p_alive: r
            .p_alive
            .map(|v| locale::format_percent(lang, v, 0))
            .unwrap_or_else(|| "–".into()),
        clv: r
            .clv
            .map(|v| money(lang, v, p.run.currency.as_deref()))
            .unwrap_or_else(|| "–".into()),
        owner: e.owner_email.clone().unwrap_or_default(),
    }
}
fn band(health: f64) -> &'static str {
    if health >= 70.0 {
        "good"
    } else if health >= 40.0 {
        "fair"
    } else {
        "poor"
    }
}

/// The portfolio query of a page's filters, for tests of the pager.
#[cfg(test)]
fn query_of(raw: &str) -> rapport_store::PortfolioQuery {
    let pairs = form_pairs(raw.as_bytes()).unwrap_or_default();
    read_filters(&|k| {
        let v = form::value(&pairs, k).trim();
        (!v.is_empty()).then(|| v.to_string())
    })
    .0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_keeps_the_filters() {
        let f = Filters {
            q: "Müller & Co".into(),
            class: "at_risk".into(),
            segment: String::new(),
            mine: true,
            min_health: String::new(),
            max_health: "40".into(),
            max_p_alive: String::new(),
            min_clv: "100".into(),
            min_drop: String::new(),
            sort: "-clv".into(),
        };
        let l = link("/portfolio", &f, false);
        let q = query_of(l.split_once('?').unwrap().1);
        assert_eq!(q.search.as_deref(), Some("Müller & Co"));
        assert_eq!(q.class.as_deref(), Some("at_risk"));
        assert_eq!(q.max_health, Some(40.0));
        assert_eq!(q.min_clv, Some(100.0));
        assert_eq!(q.sort, PortfolioSort::ClvDesc);
        assert!(l.ends_with("&mine=1"), "{l}");
    }
}
