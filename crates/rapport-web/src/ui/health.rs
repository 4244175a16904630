//! The relationship-health panel of the party page: the latest run's health (a gauge and its
//! number), the class with what to do and why, each component with its weight, score,
//! contribution and reasons in the reader's language, P(alive), expected purchases, CLV, the
//! RFM segment, and the health over the last runs as a line chart.

use rapport_analytics::health::ComponentKind;
use rapport_app::score::PartyScore;
use serde_json::Value;

use super::chart::{ChartOptions, Series, line_chart};
use super::explain;
use super::locale::{self, Lang};
use super::page::Page;

/// One health component as the panel shows it.
pub struct ComponentRow {
    pub name: &'static str,
    /// 0–100, or `None` without data.
    pub score: Option<f64>,
    pub score_text: String,
    pub weight: String,
    pub contribution: String,
    pub reasons: Vec<String>,
}

pub struct HealthPanel {
    pub health: f64,
    pub health_text: String,
    /// `good`, `fair` or `poor`, for the gauge's colour.
    pub band: &'static str,
    pub as_of: String,
    pub class: String,
    pub class_code: String,
    pub class_hint: &'static str,
    pub class_reasons: Vec<String>,
    pub segment: String,
    pub segment_hint: &'static str,
    pub rfm: String,
    pub facts: Vec<(&'static str, String)>,
    pub components: Vec<ComponentRow>,
    pub overall_reasons: Vec<String>,
    /// The health trend as SVG, when there are at least two runs.
    pub trend: Option<String>,
}

/// The panel for a party's scores (newest first); `None` before the first run.
pub fn panel(page: &Page, scores: &[PartyScore]) -> Option<HealthPanel> {
    let latest = scores.first()?;
    let currency = latest.currency.as_deref();
    let lang = page.lang;
    let class = rapport_analytics::Class::ALL
        .iter()
        .copied()
        .find(|c| c.code() == latest.class);
    let mut facts = Vec::new();
    if let Some(p) = latest.p_alive {
        facts.push((page.t("health.p_alive"), locale::format_percent(lang, p, 0)));
    }
    if let Some(e) = latest.expected_purchases {
        facts.push((page.t("health.expected_purchases"), decimal(lang, e, 1)));
    }
    if let Some(clv) = latest.clv {
        let text = match currency {
            Some(c) => money(lang, clv, c),
            None => decimal(lang, clv, 2),
        };
        facts.push((page.t("health.clv"), text));
    }
    facts.push((
        page.t("health.purchases"),
        locale::format_int(lang, latest.frequency + 1),
    ));
    let components = latest.components["components"]
        .as_array()
        .map(|parts| parts.iter().filter_map(|c| component(lang, c)).collect())
        .unwrap_or_default();
    let trend = (scores.len() >= 2).then(|| {
        let points: Vec<(String, f64)> = scores
            .iter()
            .rev()
            .map(|s| (locale::format_date(lang, s.as_of), s.health))
            .collect();
        line_chart(
            page.t("health.trend"),
            &[Series::new(page.t("health.score"), points)],
            &ChartOptions {
                id: "health-trend".into(),
                height: 180,
                empty_text: String::new(),
                value_format: Box::new(move |v| decimal(lang, v, 0)),
                ..ChartOptions::default()
            },
        )
    });
    Some(HealthPanel {
        health: latest.health,
        health_text: decimal(lang, latest.health, 0),
        band: if latest.health >= 70.0 {
            "good"
        } else if latest.health >= 40.0 {
            "fair"
        } else {
            "poor"
        },
        as_of: locale::format_date(lang, latest.as_of),
        class: class.map_or_else(
            || latest.class.clone(),
            |c| explain::class_name(lang, c).into(),
        ),
        class_code: latest.class.clone(),
        class_hint: class.map_or("", |c| explain::class_hint(lang, c)),
        class_reasons: reasons(lang, &latest.reasons),
        segment: explain::segment_name(lang, &latest.segment)
            .map_or_else(|| latest.segment.clone(), str::to_string),
        segment_hint: explain::segment_hint(lang, &latest.segment).unwrap_or(""),
        rfm: format!("R{} F{} M{}", latest.rfm[0], latest.rfm[1], latest.rfm[2]),
        facts,
        components,
        overall_reasons: reasons(lang, &latest.components["reasons"]),
        trend,
    })
}

fn component(lang: Lang, c: &Value) -> Option<ComponentRow> {
    let code = c["kind"].as_str()?;
    let kind = ComponentKind::ALL
        .iter()
        .copied()
        .find(|k| k.code() == code)?;
    let score = c["score"].as_f64();
    Some(ComponentRow {
        name: explain::component_name(lang, kind),
        score,
        score_text: score.map_or_else(|| "–".to_string(), |s| decimal(lang, s, 0)),
        weight: locale::format_percent(lang, c["weight"].as_f64().unwrap_or(0.0), 0),
        contribution: decimal(lang, c["contribution"].as_f64().unwrap_or(0.0), 1),
        reasons: reasons(lang, &c["reasons"]),
    })
}

/// Stored reasons in `lang`, falling back to their stored English text.
fn reasons(lang: Lang, v: &Value) -> Vec<String> {
    v.as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| {
                    let code = r["code"].as_str()?;
                    let empty = serde_json::Map::new();
                    let params = r["params"].as_object().unwrap_or(&empty);
                    explain::reason_text_from_json(lang, code, params)
                        .or_else(|| r["text"].as_str().map(str::to_string))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `v` with `digits` decimals, as the reader writes numbers.
pub(super) fn decimal(lang: Lang, v: f64, digits: u32) -> String {
    let scale = 10f64.powi(digits as i32);
    locale::format_decimal(lang, (v * scale).round() as i64, digits)
}

/// An amount in major units of `currency`, as the reader writes money.
pub(super) fn money(lang: Lang, v: f64, currency: &str) -> String {
    let digits = rapport_domain::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    let minor = (v * 10f64.powi(digits as i32)).round() as i64;
    locale::format_money(lang, minor, currency, digits)
}
