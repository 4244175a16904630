//! The cancellation-reason pages: the top ten cancellation reasons with their Pareto chart,
//! trend and what they cost (`/retention/reasons`), and the customers behind one reason
//! (`/retention/reasons/{code}`); and what the retention pages share (query parsing, money).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use rapport_app::insights;
use rapport_app::retention::{self, ProductChoice, Reason, TopQuery, product_choices};
use rapport_store::EndedContract;

use super::chart::{ChartOptions, pareto_chart};
use super::health::{decimal, money};
use super::insights::segment_label;
use super::locale::{self, Lang};
use super::page::{Page, render};
use super::{encode_path, failure, form};
use crate::api::insights::{Owner, resolve_owner};
use crate::api::retention::read_top_query;
use crate::auth::{encode_component, form_pairs};
use crate::problem::FieldError;
use crate::state::AppState;

const PAGE_SIZE: usize = 50;

/// The query string of a page, as name/value pairs, and a getter of its non-empty values.
pub(super) fn pairs(raw: Option<String>) -> Vec<(String, String)> {
    form_pairs(raw.unwrap_or_default().as_bytes()).unwrap_or_default()
}

pub(super) fn getter(pairs: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    |k: &str| {
        let v = form::value(pairs, k).trim();
        (!v.is_empty()).then(|| v.chars().take(200).collect())
    }
}

pub(super) fn errors_text(errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect()
}

pub(super) fn me(page: &Page) -> uuid::Uuid {
    page.user
        .as_ref()
        .map(|u| u.id.as_uuid())
        .unwrap_or_default()
}

/// The label of a reason category in `lang`.
fn category_label(page: &Page, code: &str) -> &'static str {
    page.t(match code {
        "price" => "retention.category.price",
        "service" => "retention.category.service",
        "product" => "retention.category.product",
        "competitor" => "retention.category.competitor",
        "upgrade_wish" => "retention.category.upgrade_wish",
        "relocation" => "retention.category.relocation",
        "payment" => "retention.category.payment",
        _ => "retention.category.other",
    })
}

fn remedy_status_label(page: &Page, code: &str) -> &'static str {
    page.t(match code {
        "planned" => "retention.remedy.planned",
        "in_progress" => "retention.remedy.in_progress",
        "done" => "retention.remedy.done",
        "rejected" => "retention.remedy.rejected",
        _ => "retention.remedy.open",
    })
}

pub(super) fn money_minor(lang: Lang, minor: i64, currency: Option<&str>) -> String {
    match currency {
        Some(c) => {
            let digits = rapport_domain::Currency::parse(c).map_or(2, |c| c.minor_digits());
            locale::format_money(lang, minor, c, digits)
        }
        None => locale::format_int(lang, minor),
    }
}

/// The filter form of the cancellation pages.
pub struct SliceForm {
    pub from: String,
    pub to: String,
    pub ended: String,
    pub product: String,
    pub category: String,
    pub channel: String,
    pub segment: String,
    pub mine: bool,
}

impl SliceForm {
    /// The query string that repeats this slice.
    fn query(&self) -> String {
        let mut out = format!("from={}&to={}", self.from, self.to);
        for (k, v) in [
            ("ended", &self.ended),
            ("product", &self.product),
            ("category", &self.category),
            ("channel", &self.channel),
            ("segment", &self.segment),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("&{k}={}", encode_component(v)));
            }
        }
        if self.mine {
            out.push_str("&mine=1");
        }
        out
    }
}

/// The slice of a cancellation page's query, the form that shows it, and what was wrong.
async fn slice(
    state: &AppState,
    page: &Page,
    pairs: &[(String, String)],
) -> Result<(TopQuery, SliceForm, Vec<String>, Vec<ProductChoice>), Response> {
    let get = getter(pairs);
    let mine = get("mine").as_deref() == Some("1");
    let (mut q, _, field_errors) = read_top_query(
        &|k| match k {
            "owner" => None,
            k => get(k),
        },
        Utc::now().date_naive(),
    );
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        if mine && let Ok(owner) = resolve_owner(&mut tx, &Owner::Me, me(page)).await? {
            q.owner = owner;
        }
        let products = product_choices(&mut tx).await;
        tx.rollback().await?;
        products
    }
    .await;
    let products = result.map_err(|e| failure(page, e.into()))?;
    let form = SliceForm {
        from: q.from.to_string(),
        to: q.to.to_string(),
        ended: q.ended.code().to_string(),
        product: q.product.clone().unwrap_or_default(),
        category: q.category.clone().unwrap_or_default(),
        channel: q.channel.clone().unwrap_or_default(),
        segment: q.segment.clone().unwrap_or_default(),
        mine,
    };
    Ok((q, form, errors_text(&field_errors), products))
}

/// One reason's row of the top-ten table.
pub struct ReasonRow {
    pub rank: usize,
    pub code: String,
    pub link: String,
    pub label: String,
    pub category: &'static str,
    pub count: String,
    pub share: String,
    pub cumulative: String,
    pub previous: String,
    /// "+5", "−3", "±0".
    pub change: String,
    /// `up`, `down` or `same`: more cancellations are bad news.
    pub trend: &'static str,
    pub revenue: String,
    pub clv: String,
    pub remedy: String,
    pub remedy_status: &'static str,
}

#[derive(Template)]
#[template(path = "retention_reasons.html")]
struct ReasonsPage<'a> {
    page: &'a Page,
    form: SliceForm,
    endings: Vec<(&'static str, &'static str)>,
    products: Vec<(String, String)>,
    categories: Vec<String>,
    segments: Vec<(String, String)>,
    errors: Vec<String>,
    summary: String,
    previous: String,
    clv_note: String,
    chart: String,
    rows: Vec<ReasonRow>,
    rest: Option<(String, String, String)>,
    others: Vec<String>,
}

fn change_text(lang: Lang, now: i64, before: i64) -> (String, &'static str) {
    let d = now - before;
    let n = locale::format_int(lang, d.abs());
    match d {
        d if d > 0 => (format!("+{n}"), "up"),
        d if d < 0 => (format!("−{n}"), "down"),
        _ => ("±0".into(), "same"),
    }
}

/// `GET /retention/reasons`: the top ten cancellation reasons of a period and slice.
pub async fn reasons(
    State(state): State<AppState>,
    page: Page,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = pairs(raw);
    let (q, form, mut errors, products) = match slice(&state, &page, &pairs).await {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    let lang = page.lang;
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let found = retention::top_reasons(&mut tx, &q).await;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>(found)
    }
    .await;
    let top = match result {
        Ok(Ok(t)) => Some(t),
        Ok(Err(rapport_app::records::RecordError::Invalid(e))) => {
            errors.extend(e.iter().map(|e| e.to_string()));
            None
        }
        Ok(Err(e)) => return failure(&page, e),
        Err(e) => return failure(&page, e.into()),
    };
    let code = lang.code();
    let currency = top.as_ref().and_then(|t| t.currency.clone());
    let cur = currency.as_deref();
    let query = form.query();
    let rows: Vec<ReasonRow> = top
        .iter()
        .flat_map(|t| t.top().iter().enumerate())
        .map(|(i, l)| {
            let (change, trend) = change_text(lang, l.count, l.previous_count);
            ReasonRow {
                rank: i + 1,
                code: l.reason.code.clone(),
                link: format!("/retention/reasons/{}?{query}", encode_path(&l.reason.code)),
                label: l.reason.label(code).to_string(),
                category: category_label(&page, &l.reason.category),
                count: locale::format_int(lang, l.count),
                share: locale::format_percent(lang, l.share, 1),
                cumulative: locale::format_percent(lang, l.cumulative_share, 0),
                previous: locale::format_int(lang, l.previous_count),
                change,
                trend,
                revenue: money_minor(lang, l.revenue_lost_minor, cur),
                clv: l
                    .clv_at_stake
                    .map_or_else(|| "–".into(), |v| money(lang, v, cur.unwrap_or("EUR"))),
                remedy: l.reason.remedy.clone().unwrap_or_default(),
                remedy_status: remedy_status_label(&page, &l.reason.remedy_status),
            }
        })
        .collect();
    let (summary, previous, clv_note, chart, rest, others) = match &top {
        None => Default::default(),
        Some(t) => {
            let (change, _) = change_text(lang, t.contracts, t.previous_contracts);
            let summary = page
                .t("retention.summary")
                .replace("{count}", &locale::format_int(lang, t.contracts))
                .replace("{revenue}", &money_minor(lang, t.revenue_lost_minor, cur));
            let previous = page
                .t("retention.previous")
                .replace("{from}", &locale::format_date(lang, t.previous_from))
                .replace("{to}", &locale::format_date(lang, t.previous_to))
                .replace("{count}", &locale::format_int(lang, t.previous_contracts))
                .replace("{change}", &change);
            let clv_note = match &t.run {
                Some(run) => page
                    .t("retention.clv_from_run")
                    .replace("{date}", &locale::format_date(lang, run.as_of)),
                None => page.t("retention.clv_no_run").to_string(),
            };
            let (n, count, revenue) = t.rest();
            let mut bars: Vec<(String, f64)> = t
                .top()
                .iter()
                .map(|l| (l.reason.label(code).to_string(), l.count as f64))
                .collect();
            if n > 0 {
                bars.push((page.t("retention.other_reasons").to_string(), count as f64));
            }
            let chart = pareto_chart(
                page.t("retention.chart"),
                &bars,
                &ChartOptions {
                    id: "reasons-pareto".into(),
                    height: 340,
                    empty_text: page.t("retention.none").into(),
                    value_format: Box::new(move |v| decimal(lang, v, 0)),
                    percent_format: Box::new(move |v| locale::format_percent(lang, v, 0)),
                    ..ChartOptions::default()
                },
            );
            let rest = (n > 0).then(|| {
                (
                    page.t("retention.more_reasons")
                        .replace("{n}", &locale::format_int(lang, n as i64)),
                    locale::format_int(lang, count),
                    money_minor(lang, revenue, cur),
                )
            });
            let others = t
                .other_currencies
                .iter()
                .map(|c| {
                    page.t("retention.other_currency")
                        .replace("{count}", &locale::format_int(lang, c.contracts))
                        .replace(
                            "{value}",
                            &money_minor(lang, c.value_minor, Some(&c.currency)),
                        )
                })
                .collect();
            (summary, previous, clv_note, chart, rest, others)
        }
    };
    let mut categories: Vec<String> = products.iter().filter_map(|p| p.category.clone()).collect();
    categories.sort();
    categories.dedup();
    let body = ReasonsPage {
        page: &page,
        endings: vec![
            ("all", page.t("retention.ended.all")),
            ("cancellations", page.t("retention.ended.cancellations")),
            ("withdrawals", page.t("retention.ended.withdrawals")),
        ],
        products: products
            .iter()
            .map(|p| (p.sku.clone(), format!("{} ({})", p.name, p.sku)))
            .collect(),
        categories,
        segments: insights::SEGMENTS
            .iter()
            .map(|s| (s.to_string(), segment_label(lang, s)))
            .collect(),
        errors,
        summary,
        previous,
        clv_note,
        chart,
        rows,
        rest,
        others,
        form,
    }
    .render();
    render(StatusCode::OK, &page, body)
}

/// One contract of the drill-down.
pub struct LostRow {
    pub key_path: String,
    pub name: String,
    pub contract: String,
    pub product: String,
    pub status: &'static str,
    pub ended: String,
    pub value: String,
    pub clv: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "retention_reason.html")]
struct ReasonPage<'a> {
    page: &'a Page,
    label: String,
    category: &'static str,
    remedy: String,
    remedy_status: &'static str,
    period: String,
    back: String,
    rows: Vec<LostRow>,
    prev_link: Option<String>,
    next_link: Option<String>,
}

fn lost_row(page: &Page, c: &EndedContract) -> LostRow {
    let lang = page.lang;
    LostRow {
        key_path: encode_path(&c.party_external_id),
        name: c.party_name.clone(),
        contract: c.external_id.clone(),
        product: c.sku.clone().unwrap_or_default(),
        status: page.t(if c.status == "withdrawn" {
            "retention.withdrawn"
        } else {
            "retention.cancelled"
        }),
        ended: locale::format_date(lang, c.cancelled_at.date_naive()),
        value: money_minor(lang, c.value_minor, Some(&c.currency)),
        clv: c
            .clv
            .map_or_else(|| "–".into(), |v| money(lang, v, &c.currency)),
        note: c.note.clone().unwrap_or_default(),
    }
}

/// `GET /retention/reasons/{code}`: the customers who ended a contract for one reason.
pub async fn reason(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = pairs(raw);
    let (q, form, errors, _) = match slice(&state, &page, &pairs).await {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    if !errors.is_empty() {
        return super::message(
            &page,
            StatusCode::BAD_REQUEST,
            page.t("portfolio.bad_filters"),
            &errors.join("; "),
        );
    }
    let offset = getter(&pairs)("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0)
        .min(10_000_000);
    let result = async {
        let mut tx = state.store.begin_read(state.org).await?;
        let found = retention::reason_contracts(&mut tx, &q, &code, offset, PAGE_SIZE + 1).await;
        tx.rollback().await?;
        Ok::<_, rapport_store::StoreError>(found)
    }
    .await;
    let (reason, mut rows): (Reason, Vec<EndedContract>) = match result {
        Ok(Ok(found)) => found,
        Ok(Err(rapport_app::records::RecordError::Invalid(_))) => {
            return super::not_found_page(&page);
        }
        Ok(Err(e)) => return failure(&page, e),
        Err(e) => return failure(&page, e.into()),
    };
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let lang = page.lang;
    let query = form.query();
    let base = format!("/retention/reasons/{}?{query}", encode_path(&code));
    let body = ReasonPage {
        page: &page,
        label: reason.label(lang.code()).to_string(),
        category: category_label(&page, &reason.category),
        remedy: reason.remedy.clone().unwrap_or_default(),
        remedy_status: remedy_status_label(&page, &reason.remedy_status),
        period: format!(
            "{} – {}",
            locale::format_date(lang, q.from),
            locale::format_date(lang, q.to)
        ),
        back: format!("/retention/reasons?{query}"),
        rows: rows.iter().map(|c| lost_row(&page, c)).collect(),
        prev_link: (offset > 0)
            .then(|| format!("{base}&offset={}", offset.saturating_sub(PAGE_SIZE))),
        next_link: more.then(|| format!("{base}&offset={}", offset + PAGE_SIZE)),
    }
    .render();
    render(StatusCode::OK, &page, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_app::retention::Ended;

    #[test]
    fn the_drill_down_link_keeps_the_slice() {
        let f = SliceForm {
            from: "2026-01-01".into(),
            to: "2026-06-30".into(),
            ended: "withdrawals".into(),
            product: "SKU A&B".into(),
            category: String::new(),
            channel: "paid_search".into(),
            segment: String::new(),
            mine: true,
        };
        let q = f.query();
        let pairs = form_pairs(q.as_bytes()).unwrap();
        let (top, _, errors) = read_top_query(
            &|k| {
                let v = form::value(&pairs, k);
                (!v.is_empty()).then(|| v.to_string())
            },
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(top.from.to_string(), "2026-01-01");
        assert_eq!(top.to.to_string(), "2026-06-30");
        assert_eq!(top.ended, Ended::Withdrawals);
        assert_eq!(top.product.as_deref(), Some("SKU A&B"));
        assert_eq!(top.channel.as_deref(), Some("paid_search"));
        assert!(q.ends_with("&mine=1"));
    }
}
