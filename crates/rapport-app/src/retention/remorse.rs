//! Buyer's remorse: of the contracts signed in a period, how many were withdrawn within their
//! cooling-off period, by the wait between signing and delivery (the longer the wait, the more
//! withdrawals: the seeds' insurance and car-dealer cases), by product and by the customers'
//! acquisition channel; and the contracts inside their withdrawal period whose customer has
//! heard nothing from the company since signing: the people to call today.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rapport_store::schema::PRODUCTS;
use rapport_store::{Tx, UncontactedContract};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::top::{check_period, product_id};
use crate::records::RecordError;

/// The wait between signing and delivery (or the due date, before delivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gap {
    UpToWeek,
    UpToMonth,
    UpToQuarter,
    Longer,
    /// No delivery date known.
    Unknown,
}

impl Gap {
    pub const ALL: [Gap; 5] = [
        Gap::UpToWeek,
        Gap::UpToMonth,
        Gap::UpToQuarter,
        Gap::Longer,
        Gap::Unknown,
    ];

    /// The bucket of a gap of `days` whole days.
    pub fn of(days: Option<i64>) -> Gap {
        match days {
            None => Gap::Unknown,
            Some(d) if d <= 7 => Gap::UpToWeek,
            Some(d) if d <= 30 => Gap::UpToMonth,
            Some(d) if d <= 90 => Gap::UpToQuarter,
            Some(_) => Gap::Longer,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Gap::UpToWeek => "0-7",
            Gap::UpToMonth => "8-30",
            Gap::UpToQuarter => "31-90",
            Gap::Longer => "91+",
            Gap::Unknown => "unknown",
        }
    }
}

/// Contracts whose withdrawal period is over (or which were withdrawn), and the withdrawals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    pub contracts: i64,
    pub withdrawn: i64,
}

impl Rate {
    /// The share withdrawn; `None` for no contracts.
    pub fn rate(self) -> Option<f64> {
        (self.contracts > 0).then(|| self.withdrawn as f64 / self.contracts as f64)
    }

    fn add(&mut self, withdrawn: bool) {
        self.contracts += 1;
        self.withdrawn += i64::from(withdrawn);
    }

    fn to_json(self) -> Json {
        json!({"contracts": self.contracts, "withdrawn": self.withdrawn, "rate": self.rate()})
    }
}

/// Contracts signed in `[from, to]` (both days included), of a product if given, judged at
/// `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemorseQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// A product's SKU.
    pub product: Option<String>,
    pub now: DateTime<Utc>,
}

/// A product's line.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRate {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub rate: Rate,
}

/// The withdrawal rates.
#[derive(Debug, Clone, PartialEq)]
pub struct Remorse {
    pub query: RemorseQuery,
    pub overall: Rate,
    /// Contracts still inside their withdrawal period: their outcome is not known yet, so
    /// they are left out of every rate.
    pub open: i64,
    /// Every bucket, in order.
    pub by_gap: Vec<(Gap, Rate)>,
    /// Most contracts first.
    pub by_product: Vec<ProductRate>,
    /// Most contracts first; `None` for customers without a known channel.
    pub by_channel: Vec<(Option<String>, Rate)>,
}

impl Remorse {
    pub fn to_json(&self) -> Json {
        json!({
            "from": self.query.from.to_string(),
            "to": self.query.to.to_string(),
            "product": self.query.product,
            "as_of": self.query.now.to_rfc3339(),
            "overall": self.overall.to_json(),
            "still_in_withdrawal_period": self.open,
            "by_gap": self.by_gap.iter().map(|(g, r)| {
                let mut v = r.to_json();
                v["gap_days"] = json!(g.code());
                v
            }).collect::<Vec<_>>(),
            "by_product": self.by_product.iter().map(|p| {
                let mut v = p.rate.to_json();
                v["sku"] = json!(p.sku);
                v["name"] = json!(p.name);
                v
            }).collect::<Vec<_>>(),
            "by_channel": self.by_channel.iter().map(|(c, r)| {
                let mut v = r.to_json();
                v["channel"] = json!(c);
                v
            }).collect::<Vec<_>>(),
        })
    }
}

/// The withdrawal rates of the contracts `q` names.
pub async fn remorse(tx: &mut Tx, q: &RemorseQuery) -> Result<Remorse, RecordError> {
    let (from, to) = check_period(q.from, q.to)?;
    let product = match &q.product {
        None => None,
        Some(sku) => Some(product_id(tx, sku).await?),
    };
    let (rules, _) = super::rules::withdrawal_rules(tx).await?;
    let default_days = rules.default_days;
    let mut overall = Rate::default();
    let mut open = 0;
    let mut gaps: HashMap<Gap, Rate> = HashMap::new();
    let mut products: HashMap<Option<Uuid>, Rate> = HashMap::new();
    let mut channels: HashMap<Option<String>, Rate> = HashMap::new();
    let now = q.now;
    tx.each_signed_contract(from, to, product, |c| {
        let withdrawn = c.status == "withdrawn";
        let deadline = c
            .withdrawal_deadline
            .unwrap_or_else(|| c.signed_at + TimeDelta::days(default_days));
        if !withdrawn && deadline >= now {
            open += 1;
            return;
        }
        let gap = c.delivery.map(|d| {
            (d.date_naive() - c.signed_at.date_naive())
                .num_days()
                .max(0)
        });
        overall.add(withdrawn);
        gaps.entry(Gap::of(gap)).or_default().add(withdrawn);
        products.entry(c.product).or_default().add(withdrawn);
        channels.entry(c.channel).or_default().add(withdrawn);
    })
    .await?;

    let catalogue = tx.fetch_page(&PRODUCTS, None, 100_000).await?;
    let names: HashMap<Uuid, (String, String)> = catalogue
        .iter()
        .filter_map(|r| {
            Some((
                r[PRODUCTS.col("id")].as_uuid()?,
                (
                    r[PRODUCTS.col("sku")].as_str()?.to_string(),
                    r[PRODUCTS.col("name")].as_str()?.to_string(),
                ),
            ))
        })
        .collect();
    let mut by_product: Vec<ProductRate> = products
        .into_iter()
        .map(|(id, rate)| {
            let found = id.and_then(|id| names.get(&id));
            ProductRate {
                sku: found.map(|f| f.0.clone()),
                name: found.map(|f| f.1.clone()),
                rate,
            }
        })
        .collect();
    by_product.sort_by(|a, b| {
        b.rate
            .contracts
            .cmp(&a.rate.contracts)
            .then_with(|| a.sku.cmp(&b.sku))
    });
    let mut by_channel: Vec<(Option<String>, Rate)> = channels.into_iter().collect();
    by_channel.sort_by(|a, b| {
        b.1.contracts
            .cmp(&a.1.contracts)
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(Remorse {
        query: q.clone(),
        overall,
        open,
        by_gap: Gap::ALL
            .iter()
            .map(|g| (*g, gaps.get(g).copied().unwrap_or_default()))
            .collect(),
        by_product,
        by_channel,
    })
}

/// A page of the contracts inside their withdrawal period at `now` whose customer nobody has
/// contacted since signing (of `owner`'s customers, if given), the nearest deadline first.
pub async fn call_today(
    tx: &mut Tx,
    now: DateTime<Utc>,
    owner: Option<Uuid>,
    offset: usize,
    limit: usize,
) -> Result<Vec<UncontactedContract>, RecordError> {
    Ok(tx
        .uncontacted_in_withdrawal(now, owner, offset, limit)
        .await?)
}

/// The call list as JSON.
pub fn call_list_json(rows: &[UncontactedContract], offset: usize) -> Json {
    json!({
        "offset": offset,
        "contracts": rows.iter().map(|c| json!({
            "contract_id": c.contract,
            "contract_external_id": c.external_id,
            "party_id": c.party,
            "party_external_id": c.party_external_id,
            "name": c.party_name,
            "phone": c.phone,
            "email": c.email,
            "owner_id": c.owner,
            "sku": c.sku,
            "value_minor": c.value_minor,
            "currency": c.currency,
            "signed_at": c.signed_at.to_rfc3339(),
            "withdrawal_deadline": c.withdrawal_deadline.to_rfc3339(),
            "delivery": c.delivery.map(|d| d.to_rfc3339()),
        })).collect::<Vec<_>>(),
    })
}
