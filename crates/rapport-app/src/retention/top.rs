//! The top ten cancellation reasons of a period: for the contracts cancelled or withdrawn in
//! it (in a slice: product, category, acquisition channel, segment, relationship manager), each
//! reason's count, share and cumulative share (the Pareto view), revenue lost, the CLV of the
//! customers behind it, and its count in the previous period of equal length; and the
//! customers behind one reason (the drill-down).

use chrono::{Days, NaiveDate, NaiveTime};
use rapport_store::schema::PRODUCTS;
use rapport_store::{EndedContract, EndedQuery, ScoreRun, StoreError, Tx, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::invalid;
use super::reasons::{Reason, catalogue};
use crate::insights::{self, latest_run};
use crate::records::RecordError;

/// How many reasons the report lists; the rest are summed.
pub const TOP: usize = 10;

/// Which ended contracts a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ended {
    /// Cancellations and withdrawals.
    #[default]
    Both,
    Cancellations,
    Withdrawals,
}

impl Ended {
    pub const CODES: &'static [&'static str] = &["all", "cancellations", "withdrawals"];

    pub fn parse(s: &str) -> Option<Ended> {
        match s.trim() {
            "all" | "both" => Some(Ended::Both),
            "cancellations" | "cancelled" => Some(Ended::Cancellations),
            "withdrawals" | "withdrawn" => Some(Ended::Withdrawals),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Ended::Both => "all",
            Ended::Cancellations => "cancellations",
            Ended::Withdrawals => "withdrawals",
        }
    }

    fn status(self) -> Option<String> {
        match self {
            Ended::Both => None,
            Ended::Cancellations => Some("cancelled".into()),
            Ended::Withdrawals => Some("withdrawn".into()),
        }
    }
}

/// A period (both days included) and a slice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub ended: Ended,
    /// A product's SKU.
    pub product: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// An RFM segment code of the latest score run.
    pub segment: Option<String>,
    /// A relationship manager's user id.
    pub owner: Option<Uuid>,
}

/// One reason's line.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonLine {
    pub reason: Reason,
    pub count: i64,
    pub share: f64,
    pub cumulative_share: f64,
    /// Distinct customers behind the count.
    pub customers: i64,
    /// The ended contracts' value in the report's currency.
    pub revenue_lost_minor: i64,
    /// The CLV the latest score run gave those customers (`None` without a run).
    pub clv_at_stake: Option<f64>,
    pub previous_count: i64,
}

/// Ended contracts in a currency other than the report's.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyTotal {
    pub currency: String,
    pub contracts: i64,
    pub value_minor: i64,
}

/// The report.
#[derive(Debug, Clone, PartialEq)]
pub struct TopReasons {
    pub query: TopQuery,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    /// The currency revenue is summed in: the one most ended contracts are in.
    pub currency: Option<String>,
    pub contracts: i64,
    pub previous_contracts: i64,
    pub revenue_lost_minor: i64,
    /// Every reason counted in either period, most frequent first.
    pub reasons: Vec<ReasonLine>,
    pub other_currencies: Vec<CurrencyTotal>,
    /// The score run the CLV figures come from.
    pub run: Option<ScoreRun>,
}

impl TopReasons {
    /// The first ten reasons.
    pub fn top(&self) -> &[ReasonLine] {
        &self.reasons[..self.reasons.len().min(TOP)]
    }

    /// The reasons past the first ten: how many, their count and revenue lost.
    pub fn rest(&self) -> (usize, i64, i64) {
        let rest = &self.reasons[self.top().len()..];
        (
            rest.len(),
            rest.iter().map(|l| l.count).sum(),
            rest.iter().map(|l| l.revenue_lost_minor).sum(),
        )
    }

    /// The report as JSON, labels in `lang`.
    pub fn to_json(&self, lang: &str) -> Json {
        let share = |count: i64| ratio(count, self.contracts);
        let (rest_reasons, rest_count, rest_revenue) = self.rest();
        json!({
            "from": self.query.from.to_string(),
            "to": self.query.to.to_string(),
            "previous": {
                "from": self.previous_from.to_string(),
                "to": self.previous_to.to_string(),
                "count": self.previous_contracts,
            },
            "ended": self.query.ended.code(),
            "slice": {
                "product": self.query.product,
                "category": self.query.category,
                "channel": self.query.channel,
                "segment": self.query.segment,
                "owner": self.query.owner,
            },
            "currency": self.currency,
            "count": self.contracts,
            "revenue_lost_minor": self.revenue_lost_minor,
            "score_run": self.run.as_ref().map(|r| json!({"id": r.id, "as_of": r.as_of.to_string()})),
            "reasons": self.top().iter().map(|l| json!({
                "code": l.reason.code,
                "label": l.reason.label(lang),
                "category": l.reason.category,
                "remedy": l.reason.remedy,
                "remedy_status": l.reason.remedy_status,
                "count": l.count,
                "share": l.share,
                "cumulative_share": l.cumulative_share,
                "customers": l.customers,
                "revenue_lost_minor": l.revenue_lost_minor,
                "clv_at_stake": l.clv_at_stake,
                "previous_count": l.previous_count,
                "change": l.count - l.previous_count,
            })).collect::<Vec<_>>(),
            "rest": {
                "reasons": rest_reasons,
                "count": rest_count,
                "share": share(rest_count),
                "revenue_lost_minor": rest_revenue,
            },
            "other_currencies": self.other_currencies.iter().map(|c| json!({
                "currency": c.currency,
                "count": c.contracts,
                "value_minor": c.value_minor,
            })).collect::<Vec<_>>(),
        })
    }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

/// The period's first instant and the instant after its last day.
fn span(
    from: NaiveDate,
    to: NaiveDate,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let start = from.and_time(NaiveTime::MIN).and_utc();
    let end = to
        .checked_add_days(Days::new(1))?
        .and_time(NaiveTime::MIN)
        .and_utc();
    Some((start, end))
}

/// The store's query for `q` over `[from, to]`, with the product's id and the run's segment.
async fn ended_query(
    tx: &mut Tx,
    q: &TopQuery,
    run: Option<&ScoreRun>,
) -> Result<EndedQuery, RecordError> {
    let (from, to) = check_period(q.from, q.to)?;
    let product = match &q.product {
        None => None,
        Some(sku) => Some(product_id(tx, sku).await?),
    };
    let segment = match &q.segment {
        None => None,
        Some(s) => {
            if !insights::SEGMENTS.contains(&s.as_str()) {
                return Err(invalid(
                    "segment",
                    Some(s),
                    format!("must be one of {}", insights::SEGMENTS.join(", ")),
                ));
            }
            let Some(run) = run else {
                return Err(invalid(
                    "segment",
                    Some(s),
                    "segments come from a score run, and there is none yet: run `rapport score` first",
                ));
            };
            Some((run.id, s.clone()))
        }
    };
    Ok(EndedQuery {
        from,
        to,
        status: q.ended.status(),
        product,
        category: q.category.clone(),
        channel: q.channel.clone(),
        owner: q.owner,
        segment,
        reason: None,
    })
}

/// The instants of `[from, to]`, or why the period is wrong.
pub(super) fn check_period(
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), RecordError> {
    if to < from {
        return Err(invalid(
            "to",
            Some(&to.to_string()),
            format!("lies before from ({from})"),
        ));
    }
    span(from, to).ok_or_else(|| invalid("to", Some(&to.to_string()), "is out of range"))
}

/// The id of the product with `sku`, or a field error naming it.
pub(super) async fn product_id(tx: &mut Tx, sku: &str) -> Result<Uuid, RecordError> {
    let rows = tx
        .fetch_in(&PRODUCTS, "sku", &[Value::text(sku.trim())])
        .await?;
    rows.first()
        .and_then(|r| r[PRODUCTS.col("id")].as_uuid())
        .ok_or_else(|| invalid("product", Some(sku), "no product has this SKU"))
}

/// The top reasons for `q`.
pub async fn top_reasons(tx: &mut Tx, q: &TopQuery) -> Result<TopReasons, RecordError> {
    let run = latest_run(tx).await?;
    let current = ended_query(tx, q, run.as_ref()).await?;
    let days = (q.to - q.from).num_days() as u64 + 1;
    let out_of_range = || invalid("from", Some(&q.from.to_string()), "is out of range");
    let previous_to = q
        .from
        .checked_sub_days(Days::new(1))
        .ok_or_else(out_of_range)?;
    let previous_from = q
        .from
        .checked_sub_days(Days::new(days))
        .ok_or_else(out_of_range)?;
    let (pf, pt) = span(previous_from, previous_to).ok_or_else(out_of_range)?;
    let previous = EndedQuery {
        from: pf,
        to: pt,
        ..current.clone()
    };

    let totals = tx.ended_by_reason(&current).await?;
    let before = tx.ended_by_reason(&previous).await?;
    let customers = tx
        .ended_customers_by_reason(&current, run.as_ref().map(|r| r.id))
        .await?;
    let reasons = catalogue(tx).await?;

    // The report's currency: the one most ended contracts are in (ties: alphabetical).
    let mut per_currency: Vec<CurrencyTotal> = Vec::new();
    for t in &totals {
        match per_currency.iter_mut().find(|c| c.currency == t.currency) {
            Some(c) => {
                c.contracts += t.contracts;
                c.value_minor += t.value_minor;
            }
            None => per_currency.push(CurrencyTotal {
                currency: t.currency.clone(),
                contracts: t.contracts,
                value_minor: t.value_minor,
            }),
        }
    }
    per_currency.sort_by(|a, b| {
        b.contracts
            .cmp(&a.contracts)
            .then_with(|| a.currency.cmp(&b.currency))
    });
    let currency = per_currency.first().map(|c| c.currency.clone());

    let mut codes: Vec<&str> = totals
        .iter()
        .chain(before.iter())
        .map(|t| t.code.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let contracts: i64 = totals.iter().map(|t| t.contracts).sum();
    let mut lines: Vec<ReasonLine> = codes
        .iter()
        .map(|&code| {
            let of = |list: &[rapport_store::ReasonTotal]| -> i64 {
                list.iter()
                    .filter(|t| t.code == code)
                    .map(|t| t.contracts)
                    .sum()
            };
            let count = of(&totals);
            let who = customers.iter().find(|c| c.code == code);
            ReasonLine {
                reason: reasons
                    .iter()
                    .find(|r| r.code == code)
                    .cloned()
                    .unwrap_or_else(|| Reason::unknown(code)),
                count,
                share: ratio(count, contracts),
                cumulative_share: 0.0,
                customers: who.map_or(0, |c| c.customers),
                revenue_lost_minor: totals
                    .iter()
                    .filter(|t| t.code == code && Some(&t.currency) == currency.as_ref())
                    .map(|t| t.value_minor)
                    .sum(),
                clv_at_stake: run.as_ref().map(|_| who.map_or(0.0, |c| c.clv)),
                previous_count: of(&before),
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| b.revenue_lost_minor.cmp(&a.revenue_lost_minor))
            .then_with(|| b.previous_count.cmp(&a.previous_count))
            .then_with(|| a.reason.code.cmp(&b.reason.code))
    });
    let mut running = 0;
    for l in &mut lines {
        running += l.count;
        l.cumulative_share = ratio(running, contracts);
    }
    Ok(TopReasons {
        query: q.clone(),
        previous_from,
        previous_to,
        revenue_lost_minor: per_currency.first().map_or(0, |c| c.value_minor),
        other_currencies: per_currency.into_iter().skip(1).collect(),
        currency,
        contracts,
        previous_contracts: before.iter().map(|t| t.contracts).sum(),
        reasons: lines,
        run,
    })
}

/// A page of the contracts ended for `code` in `q`'s period and slice, the most valuable
/// first, with their customers and CLV.
pub async fn reason_contracts(
    tx: &mut Tx,
    q: &TopQuery,
    code: &str,
    offset: usize,
    limit: usize,
) -> Result<(Reason, Vec<EndedContract>), RecordError> {
    let reasons = catalogue(tx).await?;
    let Some(reason) = reasons.into_iter().find(|r| r.code == code) else {
        return Err(invalid(
            "reason",
            Some(code),
            "is not a reason of the catalogue",
        ));
    };
    let run = latest_run(tx).await?;
    let mut query = ended_query(tx, q, run.as_ref()).await?;
    query.reason = Some(code.to_string());
    let rows = tx
        .ended_contracts(&query, run.as_ref().map(|r| r.id), offset, limit)
        .await?;
    Ok((reason, rows))
}

/// A product a report can be sliced by.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductChoice {
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
}

/// The org's products, by SKU, for the slice pickers.
pub async fn product_choices(tx: &mut Tx) -> Result<Vec<ProductChoice>, StoreError> {
    let rows = tx.fetch_page(&PRODUCTS, None, 100_000).await?;
    let mut out: Vec<ProductChoice> = rows
        .iter()
        .filter_map(|r| {
            Some(ProductChoice {
                sku: r[PRODUCTS.col("sku")].as_str()?.to_string(),
                name: r[PRODUCTS.col("name")].as_str()?.to_string(),
                category: r[PRODUCTS.col("category")].as_str().map(str::to_string),
            })
        })
        .collect();
    out.sort_by(|a, b| a.sku.cmp(&b.sku));
    Ok(out)
}
