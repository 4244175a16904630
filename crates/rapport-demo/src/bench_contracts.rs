//! The retention benchmark's files: a catalogue of cancellation reasons, a range of contract
//! products (mobile, insurance, energy, broadband), `customers` persons `C0000001`,
//! `C0000002`… and `contracts` contracts over them (customer drawn uniformly), in the import
//! formats, streamed through one buffer per row.
//!
//! Each contract first draws its status with the planted shares (about 65% active, 8%
//! renewed, 5% expired, 18% cancelled, 4% withdrawn), then a signing day in the three years
//! before [`bench_as_of`] on which that status can have come about: a renewed or expired
//! contract has run at least one term, a cancelled one was delivered and past its withdrawal
//! deadline a day before the as-of date. An active contract still in its withdrawal period or
//! not yet delivered on the as-of date is `signed`. Reasons of cancellations and withdrawals
//! are skewed: the top three of the twelve reasons make up over 60% of each (Pareto).

use std::io::{self, Write};

use chrono::{Months, NaiveDate, TimeDelta};

use crate::calendar::{Stamp, add_days, at_minute, days_between, end_of_day, push_stamp};
use crate::csv::{push_escaped, push_money};
use crate::names::person_name;
use crate::places::{country, flavour};
use crate::rng::{Rng, Stream};

/// The day the benchmark data is as of: every signing, delivery and cancellation happens
/// before it.
pub fn bench_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
}

/// How many years of signings lie before the as-of date.
const YEARS: u32 = 3;

/// The external id of benchmark customer `n` (1-based).
pub fn bench_customer_id(n: u64) -> String {
    format!("C{n:07}")
}

/// A reason of the catalogue, with its weight among cancellations after delivery and among
/// withdrawals in the cooling-off period.
struct Reason {
    code: &'static str,
    label: &'static str,
    category: &'static str,
    remedy: &'static str,
    cancel_weight: f64,
    withdraw_weight: f64,
}

#[rustfmt::skip]
const REASONS: [Reason; 12] = [
    Reason { code: "price_too_high", label: "Price too high", category: "price", remedy: "Offer a loyalty discount before the renewal date", cancel_weight: 30.0, withdraw_weight: 14.0 },
    Reason { code: "competitor_offer", label: "Better offer from a competitor", category: "competitor", remedy: "Price-match review for customers holding a competing quote", cancel_weight: 18.0, withdraw_weight: 18.0 },
    Reason { code: "upgrade_wish", label: "Wants a newer device or a bigger plan", category: "upgrade_wish", remedy: "Offer an upgrade path before the term ends", cancel_weight: 12.0, withdraw_weight: 2.0 },
    Reason { code: "poor_service", label: "Poor service experience", category: "service", remedy: "Call back within 24 hours after every complaint", cancel_weight: 9.0, withdraw_weight: 3.0 },
    Reason { code: "relocation", label: "Moving out of the area", category: "relocation", remedy: "Move the contract to the new address", cancel_weight: 7.0, withdraw_weight: 2.0 },
    Reason { code: "payment_trouble", label: "Cannot keep up the payments", category: "payment", remedy: "Offer a payment holiday or instalments", cancel_weight: 5.0, withdraw_weight: 4.0 },
    Reason { code: "coverage_gaps", label: "Coverage does not fit the need", category: "product", remedy: "Modular add-ons instead of fixed packages", cancel_weight: 4.0, withdraw_weight: 5.0 },
    Reason { code: "outages", label: "Outages or poor network coverage", category: "product", remedy: "Coverage check before signing; credit for every outage", cancel_weight: 3.0, withdraw_weight: 2.0 },
    Reason { code: "no_longer_needed", label: "No longer needed", category: "other", remedy: "Offer to pause the contract instead", cancel_weight: 3.0, withdraw_weight: 4.0 },
    Reason { code: "billing_dispute", label: "Disputed a bill", category: "payment", remedy: "Explain the first bill by phone", cancel_weight: 2.0, withdraw_weight: 1.0 },
    Reason { code: "delivery_delay", label: "Waited too long for delivery", category: "service", remedy: "Give firm delivery dates and keep in touch while customers wait", cancel_weight: 2.0, withdraw_weight: 10.0 },
    Reason { code: "changed_mind", label: "Changed mind after signing", category: "other", remedy: "Repeat the reasons to buy between signing and delivery", cancel_weight: 0.0, withdraw_weight: 30.0 },
];

/// A contract product: what a contract's value is made of, its term and how long delivery
/// takes.
struct Product {
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    /// The list price in cents (monthly for plans and tariffs, yearly for insurance).
    price_cents: i64,
    /// The contract value in list prices (24 for a monthly plan sold for two years...).
    value_in_prices: i64,
    term_months: u32,
    /// How often it is sold, relative to the others.
    weight: f64,
}

#[rustfmt::skip]
const PRODUCTS: [Product; 20] = [
    Product { sku: "SKU-MOB-PLAN-S", name: "Mobile plan S", category: "mobile", price_cents: 1500, value_in_prices: 24, term_months: 24, weight: 10.0 },
    Product { sku: "SKU-MOB-PLAN-M", name: "Mobile plan M", category: "mobile", price_cents: 2500, value_in_prices: 24, term_months: 24, weight: 12.0 },
    Product { sku: "SKU-MOB-PLAN-L", name: "Mobile plan L", category: "mobile", price_cents: 3500, value_in_prices: 24, term_months: 24, weight: 7.0 },
    Product { sku: "SKU-MOB-PLAN-XL", name: "Mobile plan XL", category: "mobile", price_cents: 5500, value_in_prices: 24, term_months: 24, weight: 3.0 },
    Product { sku: "SKU-MOB-DATA", name: "Mobile data plan", category: "mobile", price_cents: 1000, value_in_prices: 12, term_months: 12, weight: 4.0 },
    Product { sku: "SKU-INS-CAR", name: "Car insurance", category: "insurance", price_cents: 42000, value_in_prices: 1, term_months: 12, weight: 8.0 },
    Product { sku: "SKU-INS-HOME", name: "Home insurance", category: "insurance", price_cents: 18000, value_in_prices: 1, term_months: 12, weight: 6.0 },
    Product { sku: "SKU-INS-LEGAL", name: "Legal protection insurance", category: "insurance", price_cents: 15000, value_in_prices: 1, term_months: 12, weight: 3.0 },
    Product { sku: "SKU-INS-DEVICE", name: "Device insurance", category: "insurance", price_cents: 9600, value_in_prices: 1, term_months: 12, weight: 5.0 },
    Product { sku: "SKU-INS-TRAVEL", name: "Annual travel insurance", category: "insurance", price_cents: 8900, value_in_prices: 1, term_months: 12, weight: 3.0 },
    Product { sku: "SKU-NRG-POWER", name: "Electricity tariff", category: "energy", price_cents: 8000, value_in_prices: 12, term_months: 12, weight: 8.0 },
    Product { sku: "SKU-NRG-POWER-GREEN", name: "Green electricity tariff", category: "energy", price_cents: 9000, value_in_prices: 12, term_months: 12, weight: 5.0 },
    Product { sku: "SKU-NRG-GAS", name: "Gas tariff", category: "energy", price_cents: 7000, value_in_prices: 12, term_months: 12, weight: 5.0 },
    Product { sku: "SKU-NRG-HEAT", name: "Heat pump tariff", category: "energy", price_cents: 6000, value_in_prices: 12, term_months: 24, weight: 2.0 },
    Product { sku: "SKU-NRG-SOLAR", name: "Solar feed-in contract", category: "energy", price_cents: 2000, value_in_prices: 12, term_months: 24, weight: 1.0 },
    Product { sku: "SKU-BB-DSL-50", name: "DSL 50", category: "broadband", price_cents: 3000, value_in_prices: 24, term_months: 24, weight: 5.0 },
    Product { sku: "SKU-BB-DSL-100", name: "DSL 100", category: "broadband", price_cents: 3500, value_in_prices: 24, term_months: 24, weight: 6.0 },
    Product { sku: "SKU-BB-FIBER-300", name: "Fibre 300", category: "broadband", price_cents: 4500, value_in_prices: 24, term_months: 24, weight: 4.0 },
    Product { sku: "SKU-BB-FIBER-1000", name: "Fibre 1000", category: "broadband", price_cents: 7000, value_in_prices: 24, term_months: 24, weight: 2.0 },
    Product { sku: "SKU-BB-CABLE", name: "Cable internet 250", category: "broadband", price_cents: 4000, value_in_prices: 24, term_months: 12, weight: 3.0 },
];

/// The signing-to-delivery gap of a category, in days (the first bill, the insurance start,
/// the supplier switch, the line activation).
fn delivery_gap(category: &str) -> (i64, i64) {
    match category {
        "mobile" => (0, 7),
        "insurance" => (0, 30),
        "energy" => (14, 60),
        _ => (7, 45),
    }
}

/// The cooling-off period of a category in days.
fn withdrawal_days(category: &str) -> i64 {
    if category == "insurance" { 30 } else { 14 }
}

const CHANNELS: [(&str, f64); 6] = [
    ("shop", 25.0),
    ("organic_search", 20.0),
    ("paid_search", 20.0),
    ("partner", 15.0),
    ("social", 12.0),
    ("referral", 8.0),
];

const NOTES: [&str; 5] = [
    "Customer called, decision final",
    "Said: \"found it cheaper elsewhere\"",
    "Letter received, no reason given beyond the form",
    "Tried a retention offer, declined",
    "Complained twice before, see cases",
];

/// Where a contract stands, with the planted share of each status (`signed` is carved out of
/// `active`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    Renewed,
    Expired,
    Cancelled,
    Withdrawn,
}

const STATUS_SHARES: [(Status, f64); 5] = [
    (Status::Active, 65.0),
    (Status::Renewed, 8.0),
    (Status::Expired, 5.0),
    (Status::Cancelled, 18.0),
    (Status::Withdrawn, 4.0),
];

/// Writes the reason catalogue in the `cancellation-reasons` format.
pub fn write_bench_reasons<W: Write>(w: &mut W) -> io::Result<()> {
    writeln!(w, "code,label,category,remedy")?;
    let mut line = String::with_capacity(160);
    for r in &REASONS {
        line.clear();
        for (i, field) in [r.code, r.label, r.category, r.remedy].iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_escaped(&mut line, field);
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes the contract products in the `products` format.
pub fn write_bench_products<W: Write>(w: &mut W) -> io::Result<()> {
    writeln!(w, "sku,name,category,list_price,currency")?;
    let mut line = String::with_capacity(96);
    for p in &PRODUCTS {
        line.clear();
        line.push_str(&format!("{},{},{},", p.sku, p.name, p.category));
        push_money(&mut line, p.price_cents);
        line.push_str(",EUR\n");
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes `customers` persons in the `parties` format.
pub fn write_bench_customers<W: Write>(w: &mut W, customers: u64, seed: u64) -> io::Result<()> {
    writeln!(
        w,
        "external_id,kind,first_name,last_name,roles,acquisition_channel,country"
    )?;
    let mut rng = Rng::stream(seed, Stream::Customer, 1);
    let mut line = String::with_capacity(96);
    for n in 1..=customers {
        line.clear();
        let country = country(&mut rng);
        let flavour = flavour(&mut rng, country);
        let (first, last) = person_name(&mut rng, flavour);
        let channel = rng.weighted_by(&CHANNELS, |c| c.1).0;
        line.push_str(&bench_customer_id(n));
        line.push_str(",person,");
        push_escaped(&mut line, first);
        line.push(',');
        push_escaped(&mut line, last);
        line.push_str(&format!(",customer,{channel},{}\n", country.code));
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// The weights of the draws, gathered once.
struct Weights {
    products: Vec<f64>,
    cancellations: Vec<f64>,
    withdrawals: Vec<f64>,
}

impl Weights {
    fn new() -> Self {
        Self {
            products: PRODUCTS.iter().map(|p| p.weight).collect(),
            cancellations: REASONS.iter().map(|r| r.cancel_weight).collect(),
            withdrawals: REASONS.iter().map(|r| r.withdraw_weight).collect(),
        }
    }
}

/// One contract's life, as written.
struct Contract {
    signed_at: Stamp,
    withdrawal_deadline: Stamp,
    delivery_due_at: Stamp,
    delivered_at: Option<Stamp>,
    ends_at: Option<Stamp>,
    status: &'static str,
    cancelled_at: Option<Stamp>,
    reason: Option<&'static str>,
}

/// Writes `contracts` contracts over `customers` customers in the `contracts` format.
pub fn write_bench_contracts<W: Write>(
    w: &mut W,
    contracts: u64,
    customers: u64,
    seed: u64,
) -> io::Result<()> {
    if contracts > 0 && customers == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "contracts need at least one customer",
        ));
    }
    writeln!(
        w,
        "external_id,party_external_id,sku,value,currency,signed_at,withdrawal_deadline,\
         delivery_due_at,delivered_at,ends_at,status,cancelled_at,cancellation_reason,\
         cancellation_note"
    )?;
    let mut rng = Rng::stream(seed, Stream::Contracts, 0);
    let weights = Weights::new();
    let as_of = bench_as_of();
    let first_day = as_of
        .checked_sub_months(Months::new(12 * YEARS))
        .unwrap_or(as_of);
    let mut line = String::with_capacity(256);
    for n in 1..=contracts {
        line.clear();
        let customer = 1 + rng.below(customers);
        let product = &PRODUCTS[rng.weighted(&weights.products)];
        let value = (product.price_cents * product.value_in_prices) as f64 * rng.uniform(0.9, 1.1);
        let c = contract(&mut rng, &weights, product, first_day, as_of);
        line.push_str(&format!(
            "CT{n:08},{},{},",
            bench_customer_id(customer),
            product.sku
        ));
        push_money(&mut line, (value / 10.0).round() as i64 * 10);
        line.push_str(",EUR,");
        for stamp in [
            Some(c.signed_at),
            Some(c.withdrawal_deadline),
            Some(c.delivery_due_at),
            c.delivered_at,
            c.ends_at,
        ] {
            if let Some(stamp) = stamp {
                push_stamp(&mut line, stamp);
            }
            line.push(',');
        }
        line.push_str(c.status);
        line.push(',');
        if let Some(stamp) = c.cancelled_at {
            push_stamp(&mut line, stamp);
        }
        line.push(',');
        if let Some(reason) = c.reason {
            line.push_str(reason);
            line.push(',');
            if rng.chance(0.2) {
                push_escaped(&mut line, rng.pick(&NOTES));
            }
        } else {
            line.push(',');
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// A contract of `product` whose status is drawn first and whose signing day is then drawn
/// from the days on which that status can have come about by `as_of`.
fn contract(
    rng: &mut Rng,
    weights: &Weights,
    product: &Product,
    first_day: NaiveDate,
    as_of: NaiveDate,
) -> Contract {
    let horizon = at_minute(as_of, 0);
    let last_day = add_days(as_of, -1);
    let status = rng.weighted_by(&STATUS_SHARES, |s| s.1).0;
    let (lo, hi) = delivery_gap(product.category);
    let gap = rng.range(lo, hi);
    let slip = rng.range(-1, 4);
    let delivered_after = (gap + slip).max(0);
    let cooling = withdrawal_days(product.category);
    let term = Months::new(product.term_months);
    // The last signing day that leaves room for the status.
    let latest = match status {
        Status::Renewed | Status::Expired => as_of
            .checked_sub_months(term)
            .map_or(first_day, |d| add_days(d, -delivered_after - 2)),
        Status::Cancelled => add_days(as_of, -delivered_after.max(cooling) - 2),
        Status::Active | Status::Withdrawn => last_day,
    }
    .max(first_day);
    let signed_day = add_days(first_day, rng.range(0, days_between(first_day, latest)));
    let signed_at = at_minute(signed_day, 8 * 60 + rng.range(0, 12 * 60 - 1));
    let withdrawal_deadline = end_of_day(add_days(signed_day, cooling));
    let delivery_due_at = signed_at + TimeDelta::days(gap);
    let delivered = at_minute(
        add_days(signed_day, delivered_after),
        8 * 60 + rng.range(0, 11 * 60),
    )
    .max(signed_at + TimeDelta::hours(2));
    let mut c = Contract {
        signed_at,
        withdrawal_deadline,
        delivery_due_at,
        delivered_at: Some(delivered).filter(|d| *d < horizon),
        ends_at: None,
        status: "active",
        cancelled_at: None,
        reason: None,
    };
    let period_end = |terms: u32| {
        delivered
            .checked_add_months(Months::new(product.term_months * terms))
            .unwrap_or(Stamp::MAX)
    };
    // Terms that ended before the as-of date.
    let mut full_terms = 0;
    while period_end(full_terms + 1) < horizon {
        full_terms += 1;
    }
    match status {
        Status::Withdrawn => {
            let window = (withdrawal_deadline.min(horizon) - signed_at).num_minutes();
            let at = signed_at + TimeDelta::minutes(rng.range(1, window - 1));
            c.status = "withdrawn";
            c.cancelled_at = Some(at);
            c.delivered_at = c.delivered_at.filter(|d| *d < at);
            c.reason = Some(REASONS[rng.weighted(&weights.withdrawals)].code);
        }
        Status::Cancelled if c.delivered_at.is_some() => {
            let earliest = add_days(delivered.date().max(withdrawal_deadline.date()), 1);
            let day = add_days(earliest, rng.range(0, days_between(earliest, last_day)));
            let at = at_minute(day, 8 * 60 + rng.range(0, 11 * 60));
            c.status = "cancelled";
            c.cancelled_at = Some(at);
            c.ends_at = (1..).map(period_end).find(|end| *end >= at);
            c.reason = Some(REASONS[rng.weighted(&weights.cancellations)].code);
        }
        Status::Expired if full_terms > 0 => {
            c.status = "expired";
            c.ends_at = Some(period_end(1 + rng.below(u64::from(full_terms)) as u32));
        }
        _ if c.delivered_at.is_none() || withdrawal_deadline >= horizon => {
            c.status = "signed";
        }
        _ => {
            c.status = if status == Status::Renewed && full_terms > 0 {
                "renewed"
            } else {
                "active"
            };
            c.ends_at = Some(period_end(full_terms + 1));
        }
    }
    c
}
