//! What scoring reads from the database: the orders as a transaction log (one currency), and
//! per party the interaction, survey, case and contract facts the health score weighs.

use chrono::{DateTime, Duration, Utc};
use rapport_analytics::{HealthInputs, SurveyAnswer, Transaction};
use rapport_store::{StoreError, Tx};
use rustc_hash::FxHashMap;
use uuid::Uuid;

use super::{Transactions, minor_scale};

/// Days of the "recent" purchase window and of the earlier window it is compared with.
const RECENT_DAYS: i64 = 90;
const EARLIER_DAYS: i64 = 365;

/// The orders as a transaction log: parties numbered from 0, amounts in major units of the
/// currency most orders are in.
pub(super) struct Orders {
    pub transactions: Transactions,
    pub parties: Vec<Uuid>,
    pub currency: Option<String>,
    /// Orders in the recent and in the earlier window, per party number.
    windows: Vec<(u32, u32)>,
    pub notes: Vec<String>,
}

impl Orders {
    /// Recent purchase rate over the earlier rate, per day; `None` without earlier orders.
    pub fn trend(&self, party: usize) -> Option<f64> {
        let (recent, earlier) = *self.windows.get(party)?;
        (earlier > 0).then(|| {
            (f64::from(recent) / RECENT_DAYS as f64) / (f64::from(earlier) / EARLIER_DAYS as f64)
        })
    }
}

pub(super) async fn load_orders(
    tx: &mut Tx,
    before: DateTime<Utc>,
    as_of_day: i64,
) -> Result<Orders, StoreError> {
    let mut index: FxHashMap<Uuid, u32> = FxHashMap::default();
    let mut parties = Vec::new();
    let mut currencies: Vec<(String, u64)> = Vec::new();
    // The log is held once: each order goes in as read, its amount in minor units until the
    // main currency is known, its currency's number beside it.
    let mut transactions: Transactions = Vec::new();
    let mut currency_of: Vec<u16> = Vec::new();
    tx.each_order_total(before, |party, at, currency, amount| {
        let p = *index.entry(party).or_insert_with(|| {
            parties.push(party);
            parties.len() as u32 - 1
        });
        let c = match currencies.iter().position(|(c, _)| c == currency) {
            Some(i) => i,
            None => {
                currencies.push((currency.to_string(), 0));
                currencies.len() - 1
            }
        };
        currencies[c].1 += 1;
        transactions.push(Transaction {
            customer: u64::from(p),
            day: at.timestamp().div_euclid(86_400),
            amount: amount as f64,
        });
        currency_of.push(c as u16);
    })
    .await?;
    drop(index);
    let mut notes = Vec::new();
    let main = currencies
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.1.cmp(&b.1.1).then(b.1.0.cmp(&a.1.0)))
        .map(|(i, _)| i);
    let others: u64 = currencies
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != main)
        .map(|(_, c)| c.1)
        .sum();
    if let (Some(main), true) = (main, others > 0) {
        notes.push(format!(
            "{others} orders in other currencies than {} were left out (no exchange rates)",
            currencies[main].0
        ));
        let mut kept = currency_of.iter();
        transactions.retain(|_| kept.next().map(|c| usize::from(*c)) == Some(main));
    }
    drop(currency_of);
    let scale = main.map_or(100.0, |m| minor_scale(&currencies[m].0));
    let mut windows = vec![(0u32, 0u32); parties.len()];
    for t in &mut transactions {
        // Minor units to major, as `amount / scale` (the same value as before, bit for bit).
        t.amount /= scale;
        let age = as_of_day - t.day;
        let w = &mut windows[t.customer as usize];
        if (0..RECENT_DAYS).contains(&age) {
            w.0 += 1;
        } else if (RECENT_DAYS..RECENT_DAYS + EARLIER_DAYS).contains(&age) {
            w.1 += 1;
        }
    }
    Ok(Orders {
        transactions,
        parties,
        currency: main.map(|m| currencies[m].0.clone()),
        windows,
        notes,
    })
}

/// Per party: interactions, latest surveys, open cases, contracts.
#[derive(Default)]
pub(super) struct Facts {
    as_of: Option<DateTime<Utc>>,
    interactions: FxHashMap<Uuid, rapport_store::InteractionFacts>,
    surveys: FxHashMap<Uuid, Vec<rapport_store::SurveyFact>>,
    open_cases: FxHashMap<Uuid, i64>,
    contracts: FxHashMap<Uuid, rapport_store::ContractFacts>,
}

pub(super) async fn load_facts(tx: &mut Tx, before: DateTime<Utc>) -> Result<Facts, StoreError> {
    let recent = before - Duration::days(RECENT_DAYS);
    let year = before - Duration::days(EARLIER_DAYS);
    let interactions = tx
        .interaction_facts(recent, before)
        .await?
        .into_iter()
        .map(|f| (f.party, f))
        .collect();
    let mut surveys: FxHashMap<Uuid, Vec<rapport_store::SurveyFact>> = FxHashMap::default();
    for s in tx.latest_surveys(before).await? {
        surveys.entry(s.party).or_default().push(s);
    }
    let open_cases = tx.open_cases_by_party(before).await?.into_iter().collect();
    let contracts = tx
        .contract_facts(recent, year, before)
        .await?
        .into_iter()
        .map(|f| (f.party, f))
        .collect();
    Ok(Facts {
        as_of: Some(before),
        interactions,
        surveys,
        open_cases,
        contracts,
    })
}

impl Facts {
    pub fn health_inputs(
        &self,
        party: Uuid,
        p_alive: Option<f64>,
        purchase_trend: Option<f64>,
        clv_percentile: Option<f64>,
    ) -> HealthInputs {
        let now = self.as_of.unwrap_or_default();
        let days =
            |t: DateTime<Utc>| u32::try_from((now - t).num_days().max(0)).unwrap_or(u32::MAX);
        let interactions = self.interactions.get(&party);
        let survey = |kind: &str| {
            self.surveys
                .get(&party)?
                .iter()
                .find(|s| s.kind == kind)
                .map(|s| SurveyAnswer {
                    score: s.score as f64,
                    age_days: days(s.answered_at),
                })
        };
        let contracts = self.contracts.get(&party);
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        HealthInputs {
            p_alive: p_alive.map(|p| p.clamp(0.0, 1.0)),
            purchase_trend,
            clv_percentile,
            days_since_last_interaction: interactions.map(|i| days(i.last_at)),
            interactions_last_90_days: Some(interactions.map_or(0, |i| count(i.recent))),
            mean_sentiment: interactions
                .and_then(|i| i.recent_sentiment)
                .map(|s| (s / 2.0).clamp(-1.0, 1.0)),
            nps: survey("nps"),
            csat: survey("csat"),
            ces: survey("ces"),
            open_complaints: Some(count(self.open_cases.get(&party).copied().unwrap_or(0))),
            late_deliveries_last_90_days: contracts.map(|c| count(c.late_recently)),
            withdrawals_last_365_days: contracts.map(|c| count(c.withdrawn_recently)),
            cancellations_last_365_days: contracts.map(|c| count(c.cancelled_recently)),
        }
    }

    /// Whether the party had contracts and ended every one (cancelled or withdrew).
    pub fn all_contracts_ended(&self, party: Uuid) -> bool {
        self.contracts
            .get(&party)
            .is_some_and(|c| c.contracts > 0 && c.ended_by_customer == c.contracts)
    }
}
