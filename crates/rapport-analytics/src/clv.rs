//! Customer lifetime value over a horizon, for any purchase model, and holdout diagnostics.
//!
//! CLV follows the discrete-time form of Fader, Hardie & Lee (2005, JMR, "RFM and CLV", the
//! discounted expected residual transactions times expected spend): with `H` time units and a
//! discount rate `d` per unit,
//!
//! ```text
//! CLV = Σ_{k=1..H} (E[Y(k) | history] − E[Y(k−1) | history]) · spend / (1 + d)^k
//! ```
//!
//! i.e. the purchases expected in unit k, valued at the expected spend per purchase and
//! discounted to the end of the calibration period.
//!
//! Every model here factorises as E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) · E[Y(t) | alive
//! at T, x, T] (given that the customer is alive, the future depends on his history only through
//! x and T), so the discounted sum is P(alive) times a sum that depends only on (x, T). Over a
//! compressed summary ([`discounted_expected_purchases_all`]) that sum is computed once per
//! distinct (x, T) pair, and models evaluate its H windows together
//! ([`PurchaseModel::discounted_purchases_if_alive`]).
//!
//! The holdout diagnostics are the "conditional expectations" plot of Fader, Hardie & Lee
//! (2005, Marketing Science): customers grouped by calibration frequency 0, 1, ..., 6
//! and 7+, with the actual and the predicted number of repeat purchases in the holdout period.

use crate::rfm::{CompressedRfm, RfmSummary, RfmTriple};
use crate::{AnalyticsError, Result, finite};

/// A model of repeat purchasing that predicts from a customer's `(x, t_x, T)` history.
/// Implemented by BG/NBD, MBG/NBD and Pareto/NBD.
pub trait PurchaseModel {
    /// Short display name ("BG/NBD").
    fn name(&self) -> &'static str;

    /// Probability that the customer is still active at the end of the calibration period.
    fn p_alive(&self, history: &RfmTriple) -> Result<f64>;

    /// E[Y(t) | alive at T, x, T]: expected purchases in (T, T + t] of a customer with `x`
    /// repeat purchases in `t_cal` time units who is known to be alive at `t_cal`.
    fn expected_purchases_if_alive(&self, t: f64, x: u32, t_cal: f64) -> Result<f64>;

    /// Expected number of purchases in (T, T + t], in the model's time unit:
    /// P(alive) · E[Y(t) | alive at T, x, T].
    fn conditional_expected_purchases(&self, t: f64, history: &RfmTriple) -> Result<f64> {
        let alive = self.p_alive(history)?;
        let if_alive = self.expected_purchases_if_alive(t, history.x(), history.t_cal())?;
        finite("conditional expected purchases", alive * if_alive)
    }

    /// P(alive) of every row of a compressed summary, in row order. The default asks
    /// [`Self::p_alive`] row by row; models override it to share work between rows.
    fn p_alive_all(&self, data: &CompressedRfm) -> Result<Vec<f64>> {
        data.rows().iter().map(|(h, _)| self.p_alive(h)).collect()
    }

    /// Σ_{k=1..H} (E[Y(k) | alive, x, T] − E[Y(k−1) | alive, x, T]) / (1 + d)^k: the
    /// discounted purchases of a customer known to be alive at `t_cal`. The default evaluates
    /// each window on its own; models override it to share work between the windows.
    fn discounted_purchases_if_alive(
        &self,
        x: u32,
        t_cal: f64,
        options: &ClvOptions,
    ) -> Result<f64> {
        discounted_sum(options, |t| self.expected_purchases_if_alive(t, x, t_cal))
    }
}

/// Horizon and discounting of a CLV computation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// Number of time units after the calibration end.
    pub horizon: u32,
    /// Discount rate per time unit (0.01 = 1 % per unit); must be > −1.
    pub discount_rate: f64,
}

impl ClvOptions {
    /// 1 / (1 + d), or an error for a rate that is not a finite number above −1.
    pub(crate) fn discount_factor(&self) -> Result<f64> {
        let d = self.discount_rate;
        if d.is_finite() && d > -1.0 {
            Ok(1.0 / (1.0 + d))
        } else {
            Err(AnalyticsError::InvalidInput(format!(
                "discount rate must be > -1, got {d}"
            )))
        }
    }
}

/// Σ_{k=1..H} (f(k) − f(k−1)) / (1 + d)^k with f(0) = 0, for a cumulative expectation f.
pub(crate) fn discounted_sum(
    options: &ClvOptions,
    mut cumulative: impl FnMut(f64) -> Result<f64>,
) -> Result<f64> {
    let factor = options.discount_factor()?;
    let mut discount = 1.0;
    let mut previous = 0.0;
    let mut total = 0.0;
    for k in 1..=options.horizon {
        let value = cumulative(f64::from(k))?;
        discount *= factor;
        total += (value - previous) * discount;
        previous = value;
    }
    finite("discounted expected purchases", total)
}

/// Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k: the discounted expected purchases of one
/// history. Multiply by an expected spend per purchase for CLV. For many customers use
/// [`discounted_expected_purchases_all`], which shares the work between them.
pub fn discounted_expected_purchases(
    model: &dyn PurchaseModel,
    history: &RfmTriple,
    options: &ClvOptions,
) -> Result<f64> {
    options.discount_factor()?;
    let if_alive = model.discounted_purchases_if_alive(history.x(), history.t_cal(), options)?;
    finite(
        "discounted expected purchases",
        model.p_alive(history)? * if_alive,
    )
}

/// [`discounted_expected_purchases`] of every row of a compressed summary, in row order.
/// Rows with the same (x, T) share the part that does not depend on t_x, so the cost grows
/// with the number of distinct (x, T) pairs times the horizon, plus P(alive) of every row
/// ([`PurchaseModel::p_alive_all`]).
pub fn discounted_expected_purchases_all(
    model: &dyn PurchaseModel,
    data: &CompressedRfm,
    options: &ClvOptions,
) -> Result<Vec<f64>> {
    options.discount_factor()?;
    let rows = data.rows();
    // Row positions ordered by (x, T); the rows themselves are ordered by (x, t_x, T).
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_unstable_by_key(|&i| {
        let h = &rows[i as usize].0;
        (h.x(), h.t_cal().to_bits(), i)
    });
    let mut out = model.p_alive_all(data)?;
    if out.len() != rows.len() {
        return Err(AnalyticsError::Numerical(
            "P(alive) was not computed for every row".into(),
        ));
    }
    let mut start = 0;
    while start < order.len() {
        let key = &rows[order[start] as usize].0;
        let (x, t_cal) = (key.x(), key.t_cal());
        let group = order[start..]
            .iter()
            .take_while(|&&i| {
                let h = &rows[i as usize].0;
                h.x() == x && h.t_cal().to_bits() == t_cal.to_bits()
            })
            .count();
        let if_alive = model.discounted_purchases_if_alive(x, t_cal, options)?;
        for &i in &order[start..start + group] {
            let slot = &mut out[i as usize];
            *slot = finite("discounted expected purchases", *slot * if_alive)?;
        }
        start += group;
    }
    Ok(out)
}

/// CLV of one customer: [`discounted_expected_purchases`] times `expected_spend` (the spend per
/// purchase, e.g. from [`crate::gamma_gamma::GammaGamma::conditional_expected_spend`]).
pub fn clv(
    model: &dyn PurchaseModel,
    history: &RfmTriple,
    expected_spend: f64,
    options: &ClvOptions,
) -> Result<f64> {
    if !expected_spend.is_finite() {
        return Err(AnalyticsError::InvalidInput(format!(
            "expected spend must be finite, got {expected_spend}"
        )));
    }
    finite(
        "CLV",
        discounted_expected_purchases(model, history, options)? * expected_spend,
    )
}

/// One calibration-frequency group of the holdout check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrequencyBucket {
    /// Calibration repeat purchases; the last bucket (7) holds 7 and more.
    pub frequency: u32,
    pub customers: u64,
    /// Total repeat purchases in the holdout period.
    pub actual: f64,
    /// Total predicted by the model.
    pub predicted: f64,
}

impl FrequencyBucket {
    /// "0" ... "6", "7+".
    pub fn label(&self) -> String {
        if self.frequency >= LAST_BUCKET {
            format!("{LAST_BUCKET}+")
        } else {
            self.frequency.to_string()
        }
    }

    /// Mean actual holdout purchases per customer (0 for an empty bucket).
    pub fn mean_actual(&self) -> f64 {
        if self.customers == 0 {
            0.0
        } else {
            self.actual / self.customers as f64
        }
    }

    /// Mean predicted holdout purchases per customer (0 for an empty bucket).
    pub fn mean_predicted(&self) -> f64 {
        if self.customers == 0 {
            0.0
        } else {
            self.predicted / self.customers as f64
        }
    }
}

const LAST_BUCKET: u32 = 7;

/// Predicted against actual holdout purchases, by calibration frequency and in total.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutDiagnostics {
    pub model: &'static str,
    /// Length of the holdout period in time units.
    pub holdout_length: f64,
    /// Buckets 0, 1, ..., 6, 7+ (always eight, some possibly empty).
    pub buckets: Vec<FrequencyBucket>,
    pub customers: u64,
    pub actual: f64,
    pub predicted: f64,
}

/// Runs the holdout check of `model` on a summary built with a holdout end.
pub fn holdout_diagnostics(
    model: &dyn PurchaseModel,
    summary: &RfmSummary,
) -> Result<HoldoutDiagnostics> {
    let Some(length) = summary.options.holdout_length() else {
        return Err(AnalyticsError::InvalidInput(
            "the RFM summary has no holdout period (set RfmOptions::holdout_end)".into(),
        ));
    };
    let compressed = summary.compressed();
    let predictions = compressed
        .rows()
        .iter()
        .map(|(h, _)| model.conditional_expected_purchases(length, h))
        .collect::<Result<Vec<f64>>>()?;
    let mut buckets: Vec<FrequencyBucket> = (0..=LAST_BUCKET)
        .map(|frequency| FrequencyBucket {
            frequency,
            customers: 0,
            actual: 0.0,
            predicted: 0.0,
        })
        .collect();
    for c in &summary.customers {
        let triple = c.triple();
        let row = compressed.position(&triple).ok_or_else(|| {
            AnalyticsError::Numerical(
                "a customer's triple is missing from its own compressed summary".into(),
            )
        })?;
        let bucket = &mut buckets[c.frequency.min(LAST_BUCKET) as usize];
        bucket.customers += 1;
        bucket.actual += c.holdout.map_or(0.0, |h| f64::from(h.purchases));
        bucket.predicted += predictions[row];
    }
    Ok(HoldoutDiagnostics {
        model: model.name(),
        holdout_length: length,
        customers: buckets.iter().map(|b| b.customers).sum(),
        actual: buckets.iter().map(|b| b.actual).sum(),
        predicted: buckets.iter().map(|b| b.predicted).sum(),
        buckets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rfm::{RfmOptions, TimeUnit, Transaction, summarize};

    /// A customer alive for sure, buying one purchase per unit forever.
    struct Steady;

    impl PurchaseModel for Steady {
        fn name(&self) -> &'static str {
            "steady"
        }
        fn p_alive(&self, _: &RfmTriple) -> Result<f64> {
            Ok(1.0)
        }
        fn expected_purchases_if_alive(&self, t: f64, _: u32, _: f64) -> Result<f64> {
            Ok(t)
        }
    }

    /// Alive with probability 1/(1 + x), buying x/(1 + T) per unit while alive.
    struct Fading;

    impl PurchaseModel for Fading {
        fn name(&self) -> &'static str {
            "fading"
        }
        fn p_alive(&self, h: &RfmTriple) -> Result<f64> {
            Ok(1.0 / (1.0 + f64::from(h.x()) + h.t_x()))
        }
        fn expected_purchases_if_alive(&self, t: f64, x: u32, t_cal: f64) -> Result<f64> {
            Ok(f64::from(x) * t.sqrt() / (1.0 + t_cal))
        }
    }

    fn history() -> RfmTriple {
        RfmTriple::new(2, 5.0, 9.0).unwrap()
    }

    #[test]
    fn clv_is_a_discounted_sum() {
        let options = ClvOptions {
            horizon: 3,
            discount_rate: 0.1,
        };
        let expected = 10.0 * (1.0 / 1.1 + 1.0 / 1.21 + 1.0 / 1.331);
        let got = clv(&Steady, &history(), 10.0, &options).unwrap();
        assert!((got - expected).abs() < 1e-12);
        let undiscounted = ClvOptions {
            horizon: 52,
            discount_rate: 0.0,
        };
        assert!((clv(&Steady, &history(), 2.0, &undiscounted).unwrap() - 104.0).abs() < 1e-12);
        let none = ClvOptions {
            horizon: 0,
            discount_rate: 0.0,
        };
        assert_eq!(clv(&Steady, &history(), 2.0, &none), Ok(0.0));
    }

    #[test]
    fn the_compressed_path_equals_the_per_customer_path() {
        let t = |x, t_x, t_cal| RfmTriple::new(x, t_x, t_cal).unwrap();
        let data = CompressedRfm::from_counts([
            (t(0, 0.0, 3.0), 4),
            (t(2, 1.0, 5.0), 1),
            (t(2, 4.0, 5.0), 2),
            (t(3, 1.0, 5.0), 1),
            (t(2, 1.0, 3.0), 7),
        ]);
        let options = ClvOptions {
            horizon: 10,
            discount_rate: 0.05,
        };
        let all = discounted_expected_purchases_all(&Fading, &data, &options).unwrap();
        assert_eq!(all.len(), data.len());
        for ((h, _), value) in data.rows().iter().zip(&all) {
            let one = discounted_expected_purchases(&Fading, h, &options).unwrap();
            // Both are P(alive) times the same sum: equal to the last bit.
            assert_eq!(*value, one, "{h:?}");
            let by_window =
                discounted_sum(&options, |k| Fading.conditional_expected_purchases(k, h)).unwrap();
            assert!((one - by_window).abs() <= 1e-15 * by_window.abs(), "{h:?}");
        }
        let bad = ClvOptions {
            horizon: 1,
            discount_rate: f64::NAN,
        };
        assert!(discounted_expected_purchases_all(&Fading, &data, &bad).is_err());
        assert_eq!(
            discounted_expected_purchases_all(&Fading, &CompressedRfm::default(), &options),
            Ok(vec![])
        );
    }

    #[test]
    fn clv_rejects_bad_options() {
        let bad = ClvOptions {
            horizon: 3,
            discount_rate: -1.0,
        };
        assert!(clv(&Steady, &history(), 1.0, &bad).is_err());
        let ok = ClvOptions {
            horizon: 3,
            discount_rate: 0.0,
        };
        assert!(clv(&Steady, &history(), f64::NAN, &ok).is_err());
    }

    #[test]
    fn holdout_buckets_and_totals() {
        let tx = |customer, day, amount| Transaction {
            customer,
            day,
            amount,
        };
        let mut log = vec![tx(1, 0, 1.0), tx(1, 120, 1.0), tx(2, 5, 1.0)];
        log.extend((0..9).map(|d| tx(3, d * 7, 1.0))); // 8 repeats: bucket 7+
        log.extend([tx(3, 101, 1.0), tx(3, 102, 1.0)]);
        let opts = RfmOptions {
            calibration_end: 100,
            holdout_end: Some(114),
            unit: TimeUnit::Week,
        };
        let summary = summarize(&log, &opts).unwrap();
        let d = holdout_diagnostics(&Steady, &summary).unwrap();
        assert_eq!(d.holdout_length, 2.0);
        assert_eq!(d.buckets.len(), 8);
        assert_eq!(d.buckets[0].customers, 2);
        assert_eq!(d.buckets[7].customers, 1);
        assert_eq!(d.buckets[7].label(), "7+");
        assert_eq!(d.buckets[7].actual, 2.0);
        assert_eq!((d.customers, d.actual, d.predicted), (3, 2.0, 6.0));
        assert_eq!(d.buckets[3].mean_actual(), 0.0);
    }

    #[test]
    fn holdout_needs_a_holdout_period() {
        let opts = RfmOptions {
            calibration_end: 100,
            holdout_end: None,
            unit: TimeUnit::Day,
        };
        let summary = summarize(
            &[Transaction {
                customer: 1,
                day: 0,
                amount: 1.0,
            }],
            &opts,
        )
        .unwrap();
        assert!(holdout_diagnostics(&Steady, &summary).is_err());
    }
}
