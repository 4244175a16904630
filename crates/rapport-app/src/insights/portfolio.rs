//! The portfolio lists over the latest score run: every customer filtered and sorted by health,
//! class, segment, CLV and P(alive), per relationship manager; and "needs attention", the
//! largest health drops since the previous run, most valuable first.

use rapport_store::{PortfolioQuery, PortfolioRow, PortfolioSort, ScoreRun, StoreError, Tx};
use rustc_hash::FxHashMap;
use serde_json::{Value, json};
use uuid::Uuid;

/// Health points a party must have lost since the previous run to need attention by default.
pub const DEFAULT_MIN_DROP: f64 = 10.0;

/// A page of the portfolio and what it was taken from.
#[derive(Debug, Clone)]
pub struct Portfolio {
    pub run: ScoreRun,
    /// Customers matching the filters, over all pages.
    pub total: i64,
    pub entries: Vec<PortfolioEntry>,
}

/// One customer of the page, with the e-mail of its owner.
#[derive(Debug, Clone)]
pub struct PortfolioEntry {
    pub row: PortfolioRow,
    pub owner_email: Option<String>,
}

impl PortfolioEntry {
    /// Health points lost since the previous run (negative: gained).
    pub fn drop(&self) -> Option<f64> {
        self.row.previous_health.map(|p| p - self.row.health)
    }

    /// The API's JSON of this entry.
    pub fn to_json(&self) -> Value {
        let r = &self.row;
        json!({
            "party": {
                "id": r.party.to_string(),
                "external_id": r.external_id,
                "name": r.name,
                "owner_email": self.owner_email,
            },
            "health": r.health,
            "previous_health": r.previous_health,
            "health_change": r.previous_health.map(|p| r.health - p),
            "class": r.class,
            "class_reasons": crate::score::json::expand_reasons(&r.reasons),
            "segment": r.segment,
            "rfm": {"r": r.rfm[0], "f": r.rfm[1], "m": r.rfm[2]},
            "p_alive": r.p_alive,
            "expected_purchases_90d": r.expected_purchases,
            "clv_12m": r.clv,
            "frequency": r.frequency,
            "monetary": r.monetary,
        })
    }
}

impl Portfolio {
    /// The API's JSON of this page; `next_offset` when more pages follow.
    pub fn to_json(&self, offset: usize) -> Value {
        let next = offset + self.entries.len();
        json!({
            "run": run_json(&self.run),
            "total": self.total,
            "items": self.entries.iter().map(PortfolioEntry::to_json).collect::<Vec<_>>(),
            "next_offset": ((next as i64) < self.total).then_some(next),
        })
    }
}

/// What the lists say about their run.
pub fn run_json(run: &ScoreRun) -> Value {
    json!({
        "id": run.id.to_string(),
        "as_of": run.as_of.to_string(),
        "currency": run.currency,
        "customers": run.customers,
    })
}

/// The newest score run, if any.
pub async fn latest_run(tx: &mut Tx) -> Result<Option<ScoreRun>, StoreError> {
    Ok(tx.score_runs(1).await?.into_iter().next())
}

/// A page of the latest run's customers matching `query` (its `run` is filled in here);
/// `None` before the first run.
pub async fn portfolio(
    tx: &mut Tx,
    mut query: PortfolioQuery,
) -> Result<Option<Portfolio>, StoreError> {
    let Some(run) = latest_run(tx).await? else {
        return Ok(None);
    };
    query.run = run.id;
    let rows = tx.portfolio(&query).await?;
    let total = if query.offset == 0 && rows.len() < query.limit {
        rows.len() as i64
    } else {
        tx.portfolio_count(&query).await?
    };
    let emails: FxHashMap<Uuid, String> = if rows.iter().any(|r| r.owner.is_some()) {
        tx.list_users()
            .await?
            .into_iter()
            .map(|u| (u.id.as_uuid(), u.email.as_str().to_string()))
            .collect()
    } else {
        FxHashMap::default()
    };
    let entries = rows
        .into_iter()
        .map(|row| PortfolioEntry {
            owner_email: row.owner.and_then(|o| emails.get(&o).cloned()),
            row,
        })
        .collect();
    Ok(Some(Portfolio {
        run,
        total,
        entries,
    }))
}

/// The customers whose health fell by at least `min_drop` points since the previous run, the
/// most valuable (CLV) first; `owner` narrows to one relationship manager's parties.
pub async fn needs_attention(
    tx: &mut Tx,
    min_drop: f64,
    owner: Option<Uuid>,
    offset: usize,
    limit: usize,
) -> Result<Option<Portfolio>, StoreError> {
    portfolio(
        tx,
        PortfolioQuery {
            min_drop: Some(min_drop),
            owner,
            sort: PortfolioSort::ClvDesc,
            offset,
            limit,
            ..PortfolioQuery::default()
        },
    )
    .await
}
