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
//! The holdout diagnostics are the "conditional expectations" plot of Fader, Hardie & Lee
//! (2005, Marketing Science): customers grouped by calibration frequency 0, 1, ..., 6
//! and 7+, with the actual and the predicted number of repeat purchases in the holdout period.

use crate::rfm::{RfmSummary, RfmTriple};
use crate::{AnalyticsError, Result, finite};

/// A model of repeat purchasing that predicts from a customer's `(x, t_x, T)` history.
/// Implemented by BG/NBD and MBG/NBD; Pareto/NBD (Schmittlein, Morrison & Colombo 1987) and
/// similar models fit the same shape.
pub trait PurchaseModel {
    /// Short display name ("BG/NBD").
    fn name(&self) -> &'static str;

    /// Probability that the customer is still active at the end of the calibration period.
    fn p_alive(&self, history: &RfmTriple) -> Result<f64>;

    /// Expected number of purchases in (T, T + t], in the model's time unit.
    fn conditional_expected_purchases(&self, t: f64, history: &RfmTriple) -> Result<f64>;
}

/// Horizon and discounting of a CLV computation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// Number of time units after the calibration end.
    pub horizon: u32,
    /// Discount rate per time unit (0.01 = 1 % per unit); must be > −1.
    pub discount_rate: f64,
}

/// Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k: the discounted expected purchases of one
/// history. Multiply by an expected spend per purchase for CLV; with the compressed summary
/// this is computed once per distinct triple.
pub fn discounted_expected_purchases(
    model: &dyn PurchaseModel,
    history: &RfmTriple,
    options: &ClvOptions,
) -> Result<f64> {
    let d = options.discount_rate;
    if !(d.is_finite() && d > -1.0) {
        return Err(AnalyticsError::InvalidInput(format!(
            "discount rate must be > -1, got {d}"
        )));
    }
    let factor = 1.0 / (1.0 + d);
    let mut discount = 1.0;
    let mut previous = 0.0;
    let mut total = 0.0;
    for k in 1..=options.horizon {
        let cumulative = model.conditional_expected_purchases(f64::from(k), history)?;
        discount *= factor;
        total += (cumulative - previous) * discount;
        previous = cumulative;
    }
    finite("discounted expected purchases", total)
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
        fn conditional_expected_purchases(&self, t: f64, _: &RfmTriple) -> Result<f64> {
            Ok(t)
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
