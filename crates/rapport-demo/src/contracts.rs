//! Contracts and their life cycle: signing, the cooling-off (withdrawal) period, delivery,
//! renewals, expiry and cancellation. Buyer's remorse grows with the wait between signing and
//! delivery: the chance of a withdrawal rises from about 3% for a delivery within a week to
//! about 30% for one three to six months away (the car-dealer and insurance examples of the
//! seeds). Cancellations after delivery follow the customer's fate, and their reasons are
//! skewed: a few reasons make up most cancellations (Pareto).

use chrono::{Months, NaiveDate, TimeDelta};

use crate::calendar::{Stamp, add_days, end_of_day, office_time};
use crate::catalog::{CHANNELS, ContractTerms, Fits, PRODUCTS, REASONS, Reason};
use crate::csv::CsvFile;
use crate::customers::{Customer, Fate};
use crate::rng::{Rng, Stream};

/// Where a contract stands on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Signed,
    Withdrawn,
    Active,
    Renewed,
    Cancelled,
    Expired,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Signed => "signed",
            Status::Withdrawn => "withdrawn",
            Status::Active => "active",
            Status::Renewed => "renewed",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
        }
    }

    /// Whether the contract still binds the customer.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Signed | Status::Active | Status::Renewed)
    }
}

/// One contract.
#[derive(Debug, Clone)]
pub struct Contract {
    pub customer: usize,
    pub product: usize,
    pub value_cents: i64,
    pub signed_at: Stamp,
    pub withdrawal_deadline: Stamp,
    pub delivery_due_at: Stamp,
    pub delivered_at: Option<Stamp>,
    pub ends_at: Option<Stamp>,
    pub status: Status,
    pub cancelled_at: Option<Stamp>,
    /// Index into [`REASONS`].
    pub reason: Option<usize>,
    pub note: Option<&'static str>,
}

/// Terms for a product the catalogue does not sell as a contract (contracts are only made for
/// contract products, so this is a safe default rather than a path taken).
const STANDARD_TERMS: ContractTerms = ContractTerms {
    withdrawal_days: 14,
    term_months: 12,
    value_in_prices: 1,
    gap_weights: [0.25; 4],
    mobile: false,
};

/// The signing-to-delivery gap buckets, in days.
const GAP_BUCKETS: [(i64, i64); 4] = [(0, 7), (8, 30), (31, 90), (91, 180)];

const NOTES: &[&str] = &[
    "Customer called, decision final",
    "Said: \"found it cheaper elsewhere\"",
    "Letter received, no reason given beyond the form",
    "Tried a retention offer, declined",
    "Partner informed, commission reversed",
];

/// Contracts for about 40% of the customers (none for planted duplicates), 1–2 each.
pub fn generate(customers: &[Customer], seed: u64, last_day: NaiveDate) -> Vec<Contract> {
    let mut out = Vec::new();
    for (i, customer) in customers.iter().enumerate() {
        let mut rng = Rng::stream(seed, Stream::Contracts, i as u64);
        let share = if customer.is_business() { 0.5 } else { 0.36 };
        if customer.duplicate_of.is_some() || !rng.chance(share) {
            continue;
        }
        let count = if rng.chance(0.3) { 2 } else { 1 };
        let mut taken = Vec::new();
        for k in 0..count {
            let (signed_at, product) = match customer.history.contract_buys.get(k) {
                Some(&bought) if rng.chance(0.8) => bought,
                _ => (
                    rng.pick(&customer.history.purchases),
                    contract_product(&mut rng, customer),
                ),
            };
            if taken.contains(&product) {
                continue;
            }
            taken.push(product);
            out.push(contract(
                &mut rng, customer, i, product, signed_at, last_day,
            ));
        }
    }
    out
}

fn contract_product(rng: &mut Rng, customer: &Customer) -> usize {
    let weights: Vec<f64> = PRODUCTS
        .iter()
        .map(|p| match (&p.contract, customer.is_business()) {
            (None, _) => 0.0,
            (Some(_), true) => p.business_weight,
            (Some(_), false) => p.person_weight,
        })
        .collect();
    rng.weighted(&weights)
}

fn add_months(at: Stamp, months: u32) -> Stamp {
    at.checked_add_months(Months::new(months))
        .unwrap_or(at + TimeDelta::days(i64::from(months) * 30))
}

/// The probability of withdrawing when delivery is `gap` days after signing.
pub fn withdrawal_probability(gap: i64) -> f64 {
    0.03 + 0.0017 * gap.clamp(0, 180) as f64
}

fn contract(
    rng: &mut Rng,
    customer: &Customer,
    index: usize,
    product: usize,
    signed_at: Stamp,
    last_day: NaiveDate,
) -> Contract {
    let spec = &PRODUCTS[product];
    let terms = spec.contract.as_ref().unwrap_or(&STANDARD_TERMS);
    let horizon = end_of_day(last_day);
    let units = if spec.bulk && customer.is_business() {
        1 + rng.poisson(2.0) as i64
    } else {
        1
    };
    let risk = rng.uniform(0.85, 1.35);
    let value_cents = ((spec.price_cents * terms.value_in_prices * units) as f64 * risk / 10.0)
        .round() as i64
        * 10;
    let (lo, hi) = GAP_BUCKETS[rng.weighted(&terms.gap_weights)];
    let gap = rng.range(lo, hi);
    let withdrawal_deadline = end_of_day(add_days(signed_at.date(), terms.withdrawal_days));
    let delivery_due_at = signed_at + TimeDelta::days(gap);
    let slip = rng
        .normal(1.0 + gap as f64 * 0.03, 2.0)
        .round()
        .clamp(-2.0, 20.0) as i64;
    let delivered_at = Some(
        office_time(rng, add_days(delivery_due_at.date(), slip))
            .max(signed_at + TimeDelta::hours(2)),
    )
    .filter(|at| *at <= horizon);
    let mut c = Contract {
        customer: index,
        product,
        value_cents,
        signed_at,
        withdrawal_deadline,
        delivery_due_at,
        delivered_at,
        ends_at: None,
        status: Status::Signed,
        cancelled_at: None,
        reason: None,
        note: None,
    };

    let remorse = if customer.history.dropped { 1.3 } else { 1.0 };
    let p_withdraw =
        (withdrawal_probability(gap) * CHANNELS[customer.channel].withdrawal * remorse).min(0.6);
    if rng.chance(p_withdraw) {
        let window = (withdrawal_deadline - signed_at).num_minutes().max(1);
        let at = signed_at + TimeDelta::minutes((rng.f64().powf(0.8) * window as f64) as i64);
        if at <= horizon {
            c.status = Status::Withdrawn;
            c.cancelled_at = Some(at);
            c.delivered_at = c.delivered_at.filter(|d| *d < at);
            c.reason = Some(reason(rng, terms.mobile, |r| {
                r.withdraw_weight
                    * if r.code == "delivery_delay" {
                        1.0 + gap as f64 / 30.0
                    } else {
                        1.0
                    }
            }));
            c.note = rng.chance(0.25).then(|| rng.pick(NOTES));
            return c;
        }
    }
    let Some(delivered) = c.delivered_at else {
        return c;
    };
    let earliest_cancel = add_days(delivered.date().max(withdrawal_deadline.date()), 1);
    run_terms(
        rng,
        customer,
        terms,
        earliest_cancel,
        horizon,
        last_day,
        &mut c,
    );
    c
}

/// After delivery: cancelled (not before `earliest_cancel`, the day after both delivery and the
/// cooling-off period) at the customer's moment of leaving or by a small hazard, or renewed
/// term after term, or expired.
fn run_terms(
    rng: &mut Rng,
    customer: &Customer,
    terms: &ContractTerms,
    earliest_cancel: NaiveDate,
    horizon: Stamp,
    last_day: NaiveDate,
    c: &mut Contract,
) {
    let Some(delivered) = c.delivered_at else {
        return;
    };
    let fate = customer.fate(last_day);
    let cancel_day = if customer.history.dropped && rng.chance(0.6) {
        add_days(customer.last_purchase(), rng.range(0, 90))
    } else {
        let hazard = match fate {
            Fate::Loyal => 0.03,
            Fate::Steady => 0.07,
            Fate::Fading | Fate::Gone => 0.2,
        } + if customer.complains { 0.08 } else { 0.0 };
        add_days(
            delivered.date(),
            rng.exponential(365.0 / hazard).min(36_500.0) as i64,
        )
    }
    .max(earliest_cancel);
    let cancel_at = office_time(rng, cancel_day);
    let renew = match fate {
        Fate::Loyal => 0.93,
        Fate::Steady => 0.85,
        Fate::Fading => 0.55,
        Fate::Gone => 0.3,
    };
    let mut period_end = add_months(delivered, terms.term_months);
    let mut renewed = false;
    loop {
        if cancel_at <= horizon && cancel_at < period_end {
            c.status = Status::Cancelled;
            c.cancelled_at = Some(cancel_at);
            c.ends_at = Some(period_end);
            let service = if customer.complains { 4.0 } else { 1.0 };
            c.reason = Some(reason(rng, terms.mobile, |r| {
                r.cancel_weight
                    * if r.category == "service" {
                        service
                    } else {
                        1.0
                    }
            }));
            c.note = rng.chance(0.2).then(|| rng.pick(NOTES));
            return;
        }
        if period_end > horizon {
            c.status = if renewed {
                Status::Renewed
            } else {
                Status::Active
            };
            c.ends_at = Some(period_end);
            return;
        }
        if !rng.chance(renew) {
            c.status = Status::Expired;
            c.ends_at = Some(period_end);
            return;
        }
        renewed = true;
        period_end = add_months(period_end, terms.term_months);
    }
}

/// A reason that fits the contract, chosen by `weight`.
fn reason(rng: &mut Rng, mobile: bool, weight: impl Fn(&Reason) -> f64) -> usize {
    let weights: Vec<f64> = REASONS
        .iter()
        .map(|r| match (r.fits, mobile) {
            (Fits::Mobile, false) | (Fits::Insurance, true) => 0.0,
            _ => weight(r),
        })
        .collect();
    rng.weighted(&weights)
}

pub const HEADER: &[&str] = &[
    "external_id",
    "party_external_id",
    "sku",
    "value",
    "currency",
    "signed_at",
    "withdrawal_deadline",
    "delivery_due_at",
    "delivered_at",
    "ends_at",
    "status",
    "cancelled_at",
    "cancellation_reason",
    "cancellation_note",
];

/// The contracts file.
pub fn write(contracts: &[Contract], customers: &[Customer]) -> CsvFile {
    let mut file = CsvFile::new(HEADER);
    for (n, c) in contracts.iter().enumerate() {
        file.text(&format!("CT{:06}", n + 1))
            .text(&customers[c.customer].id)
            .text(PRODUCTS[c.product].sku)
            .money(c.value_cents)
            .text("EUR")
            .stamp(c.signed_at)
            .stamp(c.withdrawal_deadline)
            .stamp(c.delivery_due_at)
            .opt_stamp(c.delivered_at)
            .opt_stamp(c.ends_at)
            .text(c.status.code())
            .opt_stamp(c.cancelled_at)
            .opt_text(c.reason.map(|r| REASONS[r].code))
            .opt_text(c.note);
        file.end_row();
    }
    file
}
