//! The RFM summary of a transaction log, with the conventions of the customer-base-analysis
//! literature (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing
//! Science 24(2); Fader & Hardie, "Creating an RFM Summary Using Excel", 2008):
//!
//! - several transactions of one customer on the same day are one purchase (amounts summed);
//! - frequency `x` = number of *repeat* purchase days in the calibration period (the first
//!   purchase is not counted);
//! - recency `t_x` = last minus first purchase day in the calibration period, in time units;
//! - age `T` = calibration end minus first purchase day, in time units;
//! - monetary value = mean amount of the repeat purchase days (the first purchase is left out),
//!   0 without repeats;
//! - customers whose first purchase is after the calibration end are left out and counted;
//! - holdout: purchase days and spend in (calibration end, holdout end].
//!
//! The caller maps customer ids to `u64` and dates to day numbers (see [`crate::calendar`]).
//! The compressed form ([`CompressedRfm`]) and RFM scores/segments live in submodules.

mod compressed;
mod scores;

pub use compressed::{CompressedRfm, RfmTriple};
pub use scores::{RfmScore, Segment, quintile_scores, rfm_scores};

use crate::{AnalyticsError, Result};

/// One line of a transaction log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transaction {
    pub customer: u64,
    /// Day number on any epoch (see [`crate::calendar::day_number`]).
    pub day: i64,
    /// Any finite amount; returns and zero-value lines are kept as given (the spend model
    /// rejects non-positive mean spends, the caller decides what returns mean).
    pub amount: f64,
}

/// The unit in which recency, age and model time scales are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    Day,
    /// 7 days (days / 7, not calendar weeks).
    Week,
    /// 30.4375 days (the mean Gregorian month).
    Month,
}

impl TimeUnit {
    /// Length of the unit in days.
    pub fn days(self) -> f64 {
        match self {
            Self::Day => 1.0,
            Self::Week => 7.0,
            Self::Month => 30.4375,
        }
    }
}

/// How to cut the log into calibration and holdout periods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmOptions {
    /// Last day of the calibration period (inclusive).
    pub calibration_end: i64,
    /// Last day of the holdout period (inclusive), if there is one.
    pub holdout_end: Option<i64>,
    pub unit: TimeUnit,
}

impl RfmOptions {
    /// Length of the holdout period in time units, if there is one.
    pub fn holdout_length(&self) -> Option<f64> {
        self.holdout_end
            .map(|end| span(self.calibration_end, end) / self.unit.days())
    }
}

/// Purchases of one customer in the holdout period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holdout {
    /// Number of purchase days in (calibration end, holdout end].
    pub purchases: u32,
    /// Sum of the amounts of those days.
    pub spend: f64,
}

/// The RFM summary of one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRfm {
    pub customer: u64,
    /// Day of the first purchase.
    pub first_day: i64,
    /// Day of the last purchase in the calibration period.
    pub last_day: i64,
    /// `x`: repeat purchase days in the calibration period.
    pub frequency: u32,
    /// `t_x`: last minus first purchase day, in time units.
    pub recency: f64,
    /// `T`: calibration end minus first purchase day, in time units.
    pub age: f64,
    /// Mean amount of the repeat purchase days; 0 without repeats.
    pub monetary: f64,
    /// Total amount of all calibration purchase days, the first included.
    pub calibration_spend: f64,
    /// Present when the options have a holdout end.
    pub holdout: Option<Holdout>,
}

impl CustomerRfm {
    /// The `(x, t_x, T)` triple the purchase models use.
    pub fn triple(&self) -> RfmTriple {
        RfmTriple::from_parts_unchecked(self.frequency, self.recency, self.age)
    }
}

/// The RFM summary of a transaction log.
#[derive(Debug, Clone, PartialEq)]
pub struct RfmSummary {
    pub options: RfmOptions,
    /// One entry per customer with a first purchase on or before the calibration end, in
    /// ascending customer id.
    pub customers: Vec<CustomerRfm>,
    /// Customers left out because their first purchase is after the calibration end.
    pub excluded_late_customers: usize,
    /// Transactions after the holdout end (or after the calibration end without a holdout),
    /// which were ignored.
    pub ignored_transactions: usize,
}

impl RfmSummary {
    /// Distinct `(x, t_x, T)` triples with their counts, for fast likelihoods.
    pub fn compressed(&self) -> CompressedRfm {
        CompressedRfm::from_triples(self.customers.iter().map(CustomerRfm::triple))
    }

    /// The compressed form and, per customer (in the order of `customers`), the position of
    /// its triple in [`CompressedRfm::rows`]: one sort instead of a search per customer.
    pub fn compressed_with_positions(&self) -> (CompressedRfm, Vec<u32>) {
        // Sorting the keys with their customer's index (rather than indices by a key looked
        // up elsewhere) keeps the sort in cache.
        let mut keyed: Vec<((u32, u64, u64), u32)> = self
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.triple().key(), i as u32))
            .collect();
        keyed.sort_unstable();
        let mut positions = vec![0u32; keyed.len()];
        let mut rows: Vec<(RfmTriple, u64)> = Vec::new();
        for &(key, i) in &keyed {
            match rows.last_mut() {
                Some(last) if last.0.key() == key => last.1 += 1,
                _ => rows.push((self.customers[i as usize].triple(), 1)),
            }
            positions[i as usize] = rows.len() as u32 - 1;
        }
        (CompressedRfm::group(rows), positions)
    }

    /// Number of customers with at least one repeat purchase in the calibration period.
    pub fn repeat_customers(&self) -> usize {
        self.customers.iter().filter(|c| c.frequency > 0).count()
    }
}

/// `to − from` in days, without overflow for any pair of day numbers.
fn span(from: i64, to: i64) -> f64 {
    (i128::from(to) - i128::from(from)) as f64
}

/// Builds the RFM summary of `transactions` (in any order). An empty log gives an empty
/// summary; a non-finite amount or a holdout end before the calibration end is an error.
pub fn summarize(transactions: &[Transaction], options: &RfmOptions) -> Result<RfmSummary> {
    summarize_owned(transactions.to_vec(), options)
}

/// [`summarize`] of a log the caller hands over: sorted in place, so a log of millions of
/// transactions is not held twice.
pub fn summarize_owned(mut log: Vec<Transaction>, options: &RfmOptions) -> Result<RfmSummary> {
    let mut builder = RfmBuilder::new(options)?;
    // Sorting on the amount too makes same-day sums independent of the input order.
    log.sort_unstable_by(|a, b| {
        a.customer
            .cmp(&b.customer)
            .then(a.day.cmp(&b.day))
            .then(a.amount.total_cmp(&b.amount))
    });
    let mut lines = Vec::new();
    let mut start = 0;
    while start < log.len() {
        let id = log[start].customer;
        let end = start + log[start..].iter().take_while(|t| t.customer == id).count();
        lines.clear();
        lines.extend(log[start..end].iter().map(|t| (t.day, t.amount)));
        builder.push(id, &lines)?;
        start = end;
    }
    Ok(builder.finish())
}

/// Builds an RFM summary one customer at a time from each customer's lines, for callers that
/// already hold the log grouped by customer (a reader can group while it reads, and several
/// builders can work on parts of the customers and be joined with [`RfmBuilder::append`]).
/// Gives the same summary as [`summarize`] on the same lines.
#[derive(Debug, Clone)]
pub struct RfmBuilder {
    summary: RfmSummary,
    window_end: i64,
}

impl RfmBuilder {
    /// A builder for `options`; a holdout end before the calibration end is an error.
    pub fn new(options: &RfmOptions) -> Result<Self> {
        if let Some(end) = options.holdout_end
            && end < options.calibration_end
        {
            return Err(AnalyticsError::InvalidInput(format!(
                "holdout end (day {end}) is before calibration end (day {})",
                options.calibration_end
            )));
        }
        Ok(Self {
            summary: RfmSummary {
                options: *options,
                customers: Vec::new(),
                excluded_late_customers: 0,
                ignored_transactions: 0,
            },
            window_end: options.holdout_end.unwrap_or(options.calibration_end),
        })
    }

    /// Adds one customer from all its `(day, amount)` lines, which must be sorted by day and,
    /// within a day, by amount ([`f64::total_cmp`]), so same-day sums do not depend on the
    /// order of the log. Lines after the holdout (or calibration) end are counted as ignored;
    /// a customer whose first purchase is after the calibration end is counted as excluded.
    /// A non-finite amount is an error.
    pub fn push(&mut self, customer: u64, lines: &[(i64, f64)]) -> Result<()> {
        debug_assert!(
            lines.windows(2).all(|w| w[0].0 < w[1].0
                || (w[0].0 == w[1].0 && w[0].1.total_cmp(&w[1].1).is_le())),
            "lines sorted by day and amount"
        );
        if let Some(&(day, amount)) = lines.iter().find(|l| !l.1.is_finite()) {
            return Err(AnalyticsError::InvalidInput(format!(
                "amount {amount} of customer {customer} on day {day} is not a finite number"
            )));
        }
        let kept = lines.partition_point(|l| l.0 <= self.window_end);
        self.summary.ignored_transactions += lines.len() - kept;
        if kept == 0 {
            return Ok(());
        }
        match summarize_customer(customer, &lines[..kept], &self.summary.options)? {
            Some(c) => self.summary.customers.push(c),
            None => self.summary.excluded_late_customers += 1,
        }
        Ok(())
    }

    /// Appends `other`'s customers after this builder's (same options).
    pub fn append(&mut self, other: RfmBuilder) {
        let other = other.summary;
        self.summary.customers.extend(other.customers);
        self.summary.excluded_late_customers += other.excluded_late_customers;
        self.summary.ignored_transactions += other.ignored_transactions;
    }

    pub fn finish(self) -> RfmSummary {
        self.summary
    }
}

/// One customer's lines, sorted by day; `None` when the first purchase is after calibration.
fn summarize_customer(
    customer: u64,
    lines: &[(i64, f64)],
    options: &RfmOptions,
) -> Result<Option<CustomerRfm>> {
    let first_day = lines[0].0;
    if first_day > options.calibration_end {
        return Ok(None);
    }
    let unit = options.unit.days();
    let mut days = 0u64; // calibration purchase days, first included
    let mut last_day = first_day;
    let mut first_amount = 0.0;
    let mut calibration_spend = 0.0;
    let mut holdout = Holdout {
        purchases: 0,
        spend: 0.0,
    };
    let mut i = 0;
    while i < lines.len() {
        let day = lines[i].0;
        let mut amount = 0.0;
        while i < lines.len() && lines[i].0 == day {
            amount += lines[i].1;
            i += 1;
        }
        if day <= options.calibration_end {
            if days == 0 {
                first_amount = amount;
            }
            days += 1;
            last_day = day;
            calibration_spend += amount;
        } else {
            holdout.purchases = holdout.purchases.saturating_add(1);
            holdout.spend += amount;
        }
    }
    let frequency = u32::try_from(days - 1).map_err(|_| {
        AnalyticsError::InvalidInput(format!("customer {customer} has too many purchase days"))
    })?;
    let repeat_spend = calibration_spend - first_amount;
    let monetary = if frequency > 0 {
        repeat_spend / f64::from(frequency)
    } else {
        0.0
    };
    let customer_rfm = CustomerRfm {
        customer,
        first_day,
        last_day,
        frequency,
        recency: span(first_day, last_day) / unit,
        age: span(first_day, options.calibration_end) / unit,
        monetary,
        calibration_spend,
        holdout: options.holdout_end.map(|_| holdout),
    };
    if !(customer_rfm.monetary.is_finite()
        && customer_rfm.calibration_spend.is_finite()
        && holdout.spend.is_finite())
    {
        return Err(AnalyticsError::InvalidInput(format!(
            "the amounts of customer {customer} overflow when summed"
        )));
    }
    Ok(Some(customer_rfm))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(customer: u64, day: i64, amount: f64) -> Transaction {
        Transaction {
            customer,
            day,
            amount,
        }
    }

    fn options(unit: TimeUnit) -> RfmOptions {
        RfmOptions {
            calibration_end: 100,
            holdout_end: Some(200),
            unit,
        }
    }

    #[test]
    fn builders_over_grouped_lines_give_the_summary_of_the_log() {
        let log = [
            tx(3, 120, 9.0), // holdout only: ignored without a holdout, counted with one
            tx(1, 5, 2.0),
            tx(2, 150, 4.0), // first purchase after calibration: excluded
            tx(1, 5, 1.0),
            tx(1, 40, 3.5),
            tx(3, 20, 1.0),
            tx(1, 250, 7.0), // after the holdout: ignored
            tx(3, 90, -2.0),
        ];
        let grouped = |c: u64| {
            let mut lines: Vec<(i64, f64)> = log
                .iter()
                .filter(|t| t.customer == c)
                .map(|t| (t.day, t.amount))
                .collect();
            lines.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            lines
        };
        for opts in [
            options(TimeUnit::Day),
            RfmOptions {
                holdout_end: None,
                ..options(TimeUnit::Week)
            },
        ] {
            let whole = summarize(&log, &opts).unwrap();
            let mut first = RfmBuilder::new(&opts).unwrap();
            first.push(1, &grouped(1)).unwrap();
            let mut second = RfmBuilder::new(&opts).unwrap();
            second.push(2, &grouped(2)).unwrap();
            second.push(3, &grouped(3)).unwrap();
            first.append(second);
            let built = first.finish();
            assert_eq!(built.customers, whole.customers);
            assert_eq!(
                built.excluded_late_customers,
                usize::from(opts.holdout_end.is_some())
            );
            assert_eq!(
                (built.ignored_transactions, built.excluded_late_customers),
                (whole.ignored_transactions, whole.excluded_late_customers)
            );
        }
        let mut b = RfmBuilder::new(&options(TimeUnit::Day)).unwrap();
        assert!(b.push(9, &[(1, 1.0), (2, f64::NAN)]).is_err());
        let bad = RfmOptions {
            holdout_end: Some(50),
            ..options(TimeUnit::Day)
        };
        assert!(RfmBuilder::new(&bad).is_err());
    }

    #[test]
    fn follows_the_literature_conventions() {
        let log = [
            tx(7, 10, 20.0),
            tx(7, 10, 5.0), // same day: one purchase of 25
            tx(7, 24, 30.0),
            tx(7, 52, 10.0),
            tx(7, 52, 10.0),
            tx(7, 150, 40.0), // holdout
            tx(7, 150, 2.0),
            tx(7, 180, 8.0),
            tx(7, 250, 99.0), // after holdout: ignored
        ];
        let s = summarize(&log, &options(TimeUnit::Week)).unwrap();
        assert_eq!(s.customers.len(), 1);
        let c = &s.customers[0];
        assert_eq!(c.frequency, 2);
        assert_eq!(c.first_day, 10);
        assert_eq!(c.last_day, 52);
        assert!((c.recency - 42.0 / 7.0).abs() < 1e-15);
        assert!((c.age - 90.0 / 7.0).abs() < 1e-15);
        assert!((c.monetary - 25.0).abs() < 1e-12); // (30 + 20) / 2
        assert!((c.calibration_spend - 75.0).abs() < 1e-12);
        assert_eq!(
            c.holdout,
            Some(Holdout {
                purchases: 2,
                spend: 50.0
            })
        );
        assert_eq!(s.ignored_transactions, 1);
    }

    #[test]
    fn positions_point_at_each_customers_triple() {
        let log: Vec<Transaction> = (0..60u64)
            .flat_map(|c| (0..=(c % 4)).map(move |k| tx(c, (c % 5) as i64 + 7 * k as i64, 1.0)))
            .collect();
        let s = summarize(&log, &options(TimeUnit::Week)).unwrap();
        let (compressed, positions) = s.compressed_with_positions();
        assert_eq!(compressed, s.compressed());
        assert!(compressed.len() < s.customers.len());
        for (c, &p) in s.customers.iter().zip(&positions) {
            assert_eq!(compressed.position(&c.triple()), Some(p as usize));
        }
    }

    #[test]
    fn one_time_buyers_and_late_customers() {
        let log = [
            tx(1, 100, 9.0),
            tx(2, 101, 5.0),
            tx(2, 120, 5.0),
            tx(3, 0, 1.0),
        ];
        let s = summarize(&log, &options(TimeUnit::Day)).unwrap();
        assert_eq!(s.excluded_late_customers, 1);
        assert_eq!(
            s.customers.iter().map(|c| c.customer).collect::<Vec<_>>(),
            vec![1, 3]
        );
        let c = &s.customers[0];
        assert_eq!(
            (c.frequency, c.recency, c.age, c.monetary),
            (0, 0.0, 0.0, 0.0)
        );
        assert_eq!(s.customers[1].age, 100.0);
    }

    #[test]
    fn units_scale_recency_and_age() {
        let log = [tx(1, 0, 1.0), tx(1, 61, 1.0)];
        let s = summarize(&log, &options(TimeUnit::Month)).unwrap();
        assert!((s.customers[0].recency - 61.0 / 30.4375).abs() < 1e-15);
        assert!((s.customers[0].age - 100.0 / 30.4375).abs() < 1e-15);
    }

    #[test]
    fn input_order_does_not_matter() {
        let log = vec![
            tx(2, 5, 0.1),
            tx(1, 3, 0.2),
            tx(2, 5, 0.7),
            tx(1, 9, 1e-17),
            tx(2, 5, 1e17),
        ];
        let mut reversed = log.clone();
        reversed.reverse();
        let opts = options(TimeUnit::Day);
        assert_eq!(
            summarize(&log, &opts).unwrap(),
            summarize(&reversed, &opts).unwrap()
        );
    }

    #[test]
    fn empty_log_is_an_empty_summary() {
        let s = summarize(&[], &options(TimeUnit::Week)).unwrap();
        assert!(s.customers.is_empty());
        assert_eq!(s.compressed().customers(), 0);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let bad = [tx(1, 0, f64::NAN)];
        assert!(matches!(
            summarize(&bad, &options(TimeUnit::Day)),
            Err(AnalyticsError::InvalidInput(_))
        ));
        let opts = RfmOptions {
            calibration_end: 10,
            holdout_end: Some(5),
            unit: TimeUnit::Day,
        };
        assert!(summarize(&[tx(1, 0, 1.0)], &opts).is_err());
        let huge = [tx(1, 0, 1.0), tx(1, 1, f64::MAX), tx(1, 2, f64::MAX)];
        assert!(summarize(&huge, &options(TimeUnit::Day)).is_err());
    }

    #[test]
    fn extreme_day_numbers_do_not_overflow() {
        let opts = RfmOptions {
            calibration_end: i64::MAX,
            holdout_end: None,
            unit: TimeUnit::Day,
        };
        let s = summarize(&[tx(1, i64::MIN, 1.0), tx(1, 0, 1.0)], &opts).unwrap();
        assert!(s.customers[0].age.is_finite() && s.customers[0].age > 1e19);
    }

    #[test]
    fn zero_and_negative_amounts_are_kept_as_given() {
        let log = [tx(1, 0, 10.0), tx(1, 5, 0.0), tx(1, 6, -4.0)];
        let c = &summarize(&log, &options(TimeUnit::Day)).unwrap().customers[0];
        assert_eq!(c.frequency, 2);
        assert_eq!(c.monetary, -2.0);
    }

    #[test]
    fn no_holdout_means_no_holdout_fields() {
        let opts = RfmOptions {
            calibration_end: 100,
            holdout_end: None,
            unit: TimeUnit::Day,
        };
        let s = summarize(&[tx(1, 0, 1.0), tx(1, 150, 1.0)], &opts).unwrap();
        assert_eq!(s.customers[0].holdout, None);
        assert_eq!(s.ignored_transactions, 1);
        assert_eq!(opts.holdout_length(), None);
        assert_eq!(options(TimeUnit::Day).holdout_length(), Some(100.0));
    }

    #[test]
    fn many_purchases_of_one_customer() {
        let log: Vec<_> = (0..10_000).map(|d| tx(1, d, 1.0)).collect();
        let opts = RfmOptions {
            calibration_end: 20_000,
            holdout_end: None,
            unit: TimeUnit::Day,
        };
        let c = &summarize(&log, &opts).unwrap().customers[0];
        assert_eq!(c.frequency, 9_999);
        assert_eq!(c.recency, 9_999.0);
        assert_eq!(c.monetary, 1.0);
    }
}
