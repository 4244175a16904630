//! The insight pages over the latest score run: the segment overview with the RFM grid, and
//! the acquisition insights with the top-decile profile and their CSV download; and what the
//! portfolio pages share with them (no run yet, the run's line, labels, money).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rapport_app::insights::{self, Dimension, Insights, OTHER, UNKNOWN, report};
use rapport_store::ScoreRun;

use super::chart::{ChartOptions, Series, bar_chart, heatmap};
use super::health::decimal;
use super::locale::{self, Lang};
use super::page::{Page, render};
use super::{explain, failure, message};
use crate::state::AppState;

pub(super) fn no_run(page: &Page) -> Response {
    message(
        page,
        StatusCode::OK,
        page.t("insights.no_run_title"),
        page.t("insights.no_run"),
    )
}

pub(super) fn run_text(page: &Page, run: &ScoreRun) -> String {
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

pub(super) fn class_label(lang: Lang, code: &str) -> String {
    rapport_analytics::Class::ALL
        .iter()
        .find(|c| c.code() == code)
        .map_or_else(
            || code.to_string(),
            |c| explain::class_name(lang, *c).to_string(),
        )
}

pub(super) fn segment_label(lang: Lang, code: &str) -> String {
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

/// Money in the run's currency, or a plain number when the run has none.
pub(super) fn money(lang: Lang, v: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) => super::health::money(lang, v, c),
        None => decimal(lang, v, 2),
    }
}
