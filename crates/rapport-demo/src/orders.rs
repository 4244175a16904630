//! Purchase histories and the orders file. Each customer buys by a buy-till-you-die process
//! (BG/NBD, Fader, Hardie & Lee 2005): the first purchase on the acquisition day, then waits
//! ~ Exponential(λ) between purchases, and after every purchase a coin with probability p
//! decides whether they silently leave. Baskets start from a product chosen by segment and add
//! its companions with fixed probabilities, so association rules (phone → case, car
//! insurance → roadside assistance) are there to be found.

use chrono::NaiveDate;

use crate::calendar::{Stamp, add_days, leisure_time, office_time};
use crate::catalog::{CHANNELS, ORDER_CHANNELS, PRODUCTS, product_index};
use crate::csv::CsvFile;
use crate::customers::{Customer, History, Segment};
use crate::rng::{Rng, Stream};

/// No customer buys more often than this, whatever their rate.
const MAX_PURCHASES: usize = 300;
/// No order has more lines than this.
const MAX_LINES: usize = 4;

/// One order line.
#[derive(Debug, Clone, Copy)]
struct Line {
    product: usize,
    quantity: u32,
    amount_cents: i64,
}

/// One order, before it gets its external id.
#[derive(Debug)]
struct Order {
    at: Stamp,
    customer: usize,
    channel: usize,
    lines: Vec<Line>,
}

/// Simulates every customer's purchases up to `last_day`, records them in the customers'
/// histories and returns the orders file, numbered in order of time.
pub fn simulate(customers: &mut [Customer], seed: u64, last_day: NaiveDate) -> CsvFile {
    let companions: Vec<Vec<(usize, f64)>> = PRODUCTS
        .iter()
        .map(|p| {
            p.companions
                .iter()
                .filter_map(|(sku, prob)| Some((product_index(sku)?, *prob)))
                .collect()
        })
        .collect();
    let mut orders = Vec::new();
    for (i, customer) in customers.iter_mut().enumerate() {
        let mut rng = Rng::stream(seed, Stream::Orders, i as u64);
        let days = purchase_days(&mut rng, customer, last_day);
        let mut history = History {
            dropped: days.1,
            ..History::default()
        };
        for day in days.0 {
            let order = order(&mut rng, customer, i, day, &companions);
            history.purchases.push(order.at);
            for line in &order.lines {
                history.spend_cents += line.amount_cents;
                if PRODUCTS[line.product].contract.is_some() {
                    history.contract_buys.push((order.at, line.product));
                }
            }
            orders.push(order);
        }
        customer.history = history;
    }
    orders.sort_by_key(|o| (o.at, o.customer));
    write(&orders, customers)
}

/// The purchase days and whether the customer dropped out.
fn purchase_days(
    rng: &mut Rng,
    customer: &Customer,
    last_day: NaiveDate,
) -> (Vec<NaiveDate>, bool) {
    let mut days = vec![customer.acquired_on];
    let mut elapsed = 0.0;
    loop {
        if rng.chance(customer.dropout) {
            return (days, true);
        }
        if customer.rate_per_day <= 0.0 || days.len() >= MAX_PURCHASES {
            return (days, false);
        }
        elapsed += rng.exponential(1.0 / customer.rate_per_day).max(1.0);
        let day = add_days(customer.acquired_on, elapsed as i64);
        if day > last_day {
            return (days, false);
        }
        days.push(day);
    }
}

/// One order of `customer` on `day`.
fn order(
    rng: &mut Rng,
    customer: &Customer,
    index: usize,
    day: NaiveDate,
    companions: &[Vec<(usize, f64)>],
) -> Order {
    let preferred = CHANNELS[customer.channel].buys_via;
    let channel = if rng.chance(0.6) {
        preferred
    } else {
        rng.weighted(&[5.0, 3.0, 2.0, 1.0])
    };
    let at = if channel == 0 {
        leisure_time(rng, day)
    } else {
        office_time(rng, day)
    };
    let business = customer.is_business();
    let anchor = rng.weighted(
        &PRODUCTS
            .iter()
            .map(|p| {
                if business {
                    p.business_weight
                } else {
                    p.person_weight
                }
            })
            .collect::<Vec<_>>(),
    );
    let mut products = vec![anchor];
    for &(companion, probability) in &companions[anchor] {
        if products.len() < MAX_LINES && !products.contains(&companion) && rng.chance(probability) {
            products.push(companion);
        }
    }
    // Now and then something unrelated goes into the basket too.
    if products.len() < MAX_LINES && rng.chance(0.1) {
        let extra = rng.index(PRODUCTS.len());
        if !products.contains(&extra) {
            products.push(extra);
        }
    }
    let fleet = match customer.segment {
        Segment::Private => 0.0,
        Segment::Smb => 1.5,
        Segment::Enterprise => 6.0,
    };
    let discount: i64 = if rng.chance(0.07) {
        rng.pick(&[5, 10, 15, 20])
    } else {
        0
    };
    let lines = products
        .into_iter()
        .enumerate()
        .map(|(n, product)| {
            let spec = &PRODUCTS[product];
            let quantity = if spec.bulk && business {
                1 + rng.poisson(fleet) as u32
            } else if rng.chance(0.06) {
                2
            } else {
                1
            };
            // Companions in a bundle often come a little cheaper.
            let bundle = if n > 0 && rng.chance(0.2) { 10 } else { 0 };
            let off = discount.max(bundle);
            let gross = spec.price_cents * i64::from(quantity);
            Line {
                product,
                quantity,
                amount_cents: gross - (gross * off + 50) / 100,
            }
        })
        .collect();
    Order {
        at,
        customer: index,
        channel,
        lines,
    }
}

pub const HEADER: &[&str] = &[
    "order_id",
    "line",
    "customer_id",
    "ordered_at",
    "sku",
    "quantity",
    "amount",
    "currency",
    "channel",
];

fn write(orders: &[Order], customers: &[Customer]) -> CsvFile {
    let mut file = CsvFile::new(HEADER);
    for (n, order) in orders.iter().enumerate() {
        let id = format!("O{:07}", n + 1);
        for (line_no, line) in order.lines.iter().enumerate() {
            file.text(&id)
                .int(line_no as i64 + 1)
                .text(&customers[order.customer].id)
                .stamp(order.at)
                .text(PRODUCTS[line.product].sku)
                .int(i64::from(line.quantity))
                .money(line.amount_cents)
                .text("EUR")
                .text(ORDER_CHANNELS[order.channel]);
            file.end_row();
        }
    }
    file
}
