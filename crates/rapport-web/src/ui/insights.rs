//! The portfolio pages over the latest score run: the portfolio (filter and sort by health,
//! class, segment, CLV and P(alive), per relationship manager), "needs attention", the segment
//! overview with the RFM grid, and the acquisition insights with the top-decile profile and
//! their CSV download.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_app::insights::{
    self, DEFAULT_MIN_DROP, Dimension, Insights, OTHER, Portfolio, PortfolioEntry, UNKNOWN, report,
};
use rapport_store::{PortfolioSort, ScoreRun};

use super::chart::{ChartOptions, Series, bar_chart, heatmap};
use super::health::decimal;
use super::locale::{self, Lang};
use super::page::{Page, render};
use super::{encode_path, explain, failure, form, message};
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

fn no_run(page: &Page) -> Response {
    message(
        page,
        StatusCode::OK,
        page.t("insights.no_run_title"),
        page.t("insights.no_run"),
    )
}

fn run_text(page: &Page, run: &ScoreRun) -> String {
    format!(
        "{} {} · {} {}",
        page.t("insights.run"),
        locale::format_date(page.lang, run.as_of),
        page.number(run.customers),
        page.t("insights.customers")
    )
}

#[derive(Template)]
#[template(path = "segments.html")]
struct SegmentsPage<'a> {
    page: &'a Page,
    run_text: String,
    rows: Vec<SegmentRow>,
    bars: String,
    grid: String,
}

pub struct SegmentRow {
    pub code: String,
    pub name: String,
    pub hint: &'static str,
    pub customers: String,
    pub share: String,
    pub health: String,
    pub p_alive: String,
    pub mean_clv: String,
    pub total_clv: String,
    pub clv_share: String,
}

/// `GET /insights/segments`.
pub async fn segments(State(state): State<AppState>, page: Page) -> Response {
    let (run, i) = match latest(&state, &page).await {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    let lang = page.lang;
    let currency = run.currency.as_deref();
    let opt_pct =
        |v: Option<f64>| v.map_or_else(|| "–".into(), |v| locale::format_percent(lang, v, 0));
    let opt_money = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| money(lang, v, currency));
    let rows = i
        .segments
        .iter()
        .map(|s| SegmentRow {
            code: s.segment.clone(),
            name: segment_label(lang, &s.segment),
            hint: explain::segment_hint(lang, &s.segment).unwrap_or(""),
            customers: locale::format_int(lang, s.customers as i64),
            share: locale::format_percent(lang, s.share, 1),
            health: s
                .mean_health
                .map_or_else(|| "–".into(), |h| decimal(lang, h, 0)),
            p_alive: opt_pct(s.mean_p_alive),
            mean_clv: opt_money(s.mean_clv),
            total_clv: opt_money(s.total_clv),
            clv_share: opt_pct(s.clv_share),
        })
        .collect();
    let bars = bar_chart(
        page.t("segments.chart"),
        &Series::new(
            page.t("insights.customers"),
            i.segments
                .iter()
                .map(|s| (segment_label(lang, &s.segment), s.customers as f64))
                .collect(),
        ),
        &ChartOptions {
            id: "segments-bars".into(),
            height: 300,
            empty_text: page.t("insights.no_data").into(),
            value_format: Box::new(move |v| decimal(lang, v, 0)),
            ..ChartOptions::default()
        },
    );
    // Rows from the most recent (R5) down, columns from the least frequent (F1) up.
    let rows_r: Vec<String> = (1..=5).rev().map(|r| format!("R{r}")).collect();
    let cols_f: Vec<String> = (1..=5).map(|f| format!("F{f}")).collect();
    let cell = |r: u8, f: u8| i.grid.iter().find(|c| c.r == r && c.f == f);
    let values: Vec<Vec<f64>> = (1..=5u8)
        .rev()
        .map(|r| {
            (1..=5u8)
                .map(|f| cell(r, f).map_or(0.0, |c| c.customers as f64))
                .collect()
        })
        .collect();
    let clv_word = page.t("segments.mean_clv");
    let health_word = page.t("segments.health");
    let grid = heatmap(
        page.t("segments.grid"),
        (page.t("segments.recency"), &rows_r),
        (page.t("segments.frequency"), &cols_f),
        &values,
        &|row, col| {
            let Some(c) = cell(5 - row as u8, col as u8 + 1) else {
                return String::new();
            };
            let mut parts = Vec::new();
            if let Some(v) = c.mean_clv {
                parts.push(format!("{clv_word}: {}", money(lang, v, currency)));
            }
            if let Some(h) = c.mean_health {
                parts.push(format!("{health_word}: {}", decimal(lang, h, 0)));
            }
            parts.join(", ")
        },
        &ChartOptions {
            id: "rfm-grid".into(),
            width: 520,
            height: 320,
            empty_text: page.t("insights.no_data").into(),
            value_format: Box::new(move |v| locale::format_int(lang, v.round() as i64)),
            ..ChartOptions::default()
        },
    );
    let body = SegmentsPage {
        page: &page,
        run_text: run_text(&page, &run),
        rows,
        bars,
        grid,
    }
    .render();
    render(StatusCode::OK, &page, body)
}

#[derive(Template)]
#[template(path = "acquisition.html")]
struct AcquisitionPage<'a> {
    page: &'a Page,
    run_text: String,
    top_intro: String,
    profile: Vec<(&'static str, String, String)>,
    over: Vec<(&'static str, String)>,
    dimensions: Vec<DimensionView>,
    chart: String,
}

pub struct DimensionView {
    pub code: String,
    pub heading: &'static str,
    pub rows: Vec<GroupRow>,
}

pub struct GroupRow {
    pub name: String,
    pub customers: String,
    pub share: String,
    pub repeat: String,
    pub p_alive: String,
    pub churned: String,
    pub health: String,
    pub mean_clv: String,
    pub lift: String,
    pub over: bool,
}

/// `GET /insights/acquisition`.
pub async fn acquisition(State(state): State<AppState>, page: Page) -> Response {
    let (run, i) = match latest(&state, &page).await {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    let lang = page.lang;
    let currency = run.currency.as_deref();
    let pct = |v: f64| locale::format_percent(lang, v, 0);
    let opt_pct = |v: Option<f64>| v.map_or_else(|| "–".into(), pct);
    let t = &i.top_decile;
    let by_clv = i.value_measure == "clv";
    let top_intro = page
        .t(if by_clv {
            "acquisition.top_intro_clv"
        } else {
            "acquisition.top_intro_spend"
        })
        .replace("{customers}", &locale::format_int(lang, t.customers as i64))
        .replace("{threshold}", &money(lang, t.threshold, currency))
        .replace("{share}", &pct(t.value_share));
    let profile = vec![
        (
            page.t("acquisition.mean_value"),
            money(lang, t.top.mean_value, currency),
            money(lang, t.all.mean_value, currency),
        ),
        (
            page.t("acquisition.mean_frequency"),
            decimal(lang, t.top.mean_frequency, 1),
            decimal(lang, t.all.mean_frequency, 1),
        ),
        (
            page.t("acquisition.mean_spend"),
            money(lang, t.top.mean_spend, currency),
            money(lang, t.all.mean_spend, currency),
        ),
        (
            page.t("acquisition.tenure"),
            decimal(lang, t.top.mean_tenure_weeks, 0),
            decimal(lang, t.all.mean_tenure_weeks, 0),
        ),
        (
            page.t("acquisition.health"),
            decimal(lang, t.top.mean_health, 0),
            decimal(lang, t.all.mean_health, 0),
        ),
        (
            page.t("acquisition.p_alive"),
            opt_pct(t.top.mean_p_alive),
            opt_pct(t.all.mean_p_alive),
        ),
        (
            page.t("acquisition.repeat"),
            pct(t.top.repeat_rate),
            pct(t.all.repeat_rate),
        ),
    ];
    let over = i
        .acquisition
        .iter()
        .filter_map(|d| {
            let groups: Vec<String> = report::over_represented(d)
                .iter()
                .map(|g| {
                    format!(
                        "{} (×{})",
                        group_name(lang, &d.dimension, &g.value),
                        decimal(lang, g.lift, 1)
                    )
                })
                .collect();
            (!groups.is_empty()).then(|| (dimension_heading(lang, &d.dimension), groups.join(", ")))
        })
        .collect();
    let dimensions = i
        .acquisition
        .iter()
        .map(|d| dimension_view(lang, d, currency))
        .collect();
    let chart = channel_chart(&page, &i, currency);
    let body = AcquisitionPage {
        page: &page,
        run_text: run_text(&page, &run),
        top_intro,
        profile,
        over,
        dimensions,
        chart,
    }
    .render();
    render(StatusCode::OK, &page, body)
}

fn dimension_view(lang: Lang, d: &Dimension, currency: Option<&str>) -> DimensionView {
    let pct = |v: f64| locale::format_percent(lang, v, 0);
    DimensionView {
        code: d.dimension.clone(),
        heading: dimension_heading(lang, &d.dimension),
        rows: d
            .groups
            .iter()
            .map(|g| GroupRow {
                name: group_name(lang, &d.dimension, &g.value),
                customers: locale::format_int(lang, g.customers as i64),
                share: locale::format_percent(lang, g.share, 1),
                repeat: pct(g.repeat_rate),
                p_alive: g.mean_p_alive.map_or_else(|| "–".into(), pct),
                churned: pct(g.churned_share),
                health: decimal(lang, g.mean_health, 0),
                mean_clv: g
                    .mean_clv
                    .map_or_else(|| "–".into(), |v| money(lang, v, currency)),
                lift: decimal(lang, g.lift, 2),
                over: g.lift > 1.1,
            })
            .collect(),
    }
}

/// Mean CLV (or, without a purchase model, customers) by acquisition channel.
fn channel_chart(page: &Page, i: &Insights, currency: Option<&str>) -> String {
    let lang = page.lang;
    let by_clv = i.value_measure == "clv";
    let points: Vec<(String, f64)> = i
        .acquisition
        .first()
        .map(|d| {
            d.groups
                .iter()
                .map(|g| {
                    let v = if by_clv {
                        g.mean_clv.unwrap_or(0.0)
                    } else {
                        g.customers as f64
                    };
                    (group_name(lang, &d.dimension, &g.value), v)
                })
                .collect()
        })
        .unwrap_or_default();
    let title = page.t(if by_clv {
        "acquisition.chart_clv"
    } else {
        "acquisition.chart_customers"
    });
    let currency = currency.map(str::to_string);
    bar_chart(
        title,
        &Series::new(title, points),
        &ChartOptions {
            id: "acquisition-channels".into(),
            height: 280,
            empty_text: page.t("insights.no_data").into(),
            value_format: Box::new(move |v| match (&currency, by_clv) {
                (Some(c), true) => money(lang, v, Some(c)),
                _ => decimal(lang, v, 0),
            }),
            ..ChartOptions::default()
        },
    )
}

/// `GET /insights/acquisition.csv`.
pub async fn acquisition_csv(State(state): State<AppState>, page: Page) -> Response {
    match latest(&state, &page).await {
        Ok((run, i)) => crate::api::insights::csv_response(&run, &i),
        Err(resp) => resp,
    }
}

async fn latest(state: &AppState, page: &Page) -> Result<(ScoreRun, Insights), Response> {
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let run = insights::latest_run(&mut tx).await;
        tx.rollback().await?;
        run
    }
    .await;
    match result {
        Ok(Some(run)) => match report::of_run(&run) {
            Some(i) => Ok((run, i)),
            None => Err(no_run(page)),
        },
        Ok(None) => Err(no_run(page)),
        Err(e) => Err(failure(page, e.into())),
    }
}

fn class_label(lang: Lang, code: &str) -> String {
    rapport_analytics::Class::ALL
        .iter()
        .find(|c| c.code() == code)
        .map_or_else(
            || code.to_string(),
            |c| explain::class_name(lang, *c).to_string(),
        )
}

fn segment_label(lang: Lang, code: &str) -> String {
    explain::segment_name(lang, code).map_or_else(|| code.to_string(), str::to_string)
}

fn dimension_heading(lang: Lang, dimension: &str) -> &'static str {
    super::i18n::text(lang, &format!("acquisition.by_{dimension}"))
}

/// A group's value in the reader's words.
fn group_name(lang: Lang, dimension: &str, value: &str) -> String {
    match value {
        UNKNOWN => super::i18n::text(lang, "insights.unknown").to_string(),
        OTHER => super::i18n::text(lang, "insights.other").to_string(),
        v => match dimension {
            "segment" => segment_label(lang, v),
            "channel" => super::i18n::lookup(lang, &format!("acquisition.channel.{v}"))
                .map_or_else(|| v.replace('_', " "), str::to_string),
            _ => v.to_string(),
        },
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

/// Money in the run's currency, or a plain number when the run has none.
fn money(lang: Lang, v: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) => super::health::money(lang, v, c),
        None => decimal(lang, v, 2),
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
