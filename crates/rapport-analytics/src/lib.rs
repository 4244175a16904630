//! Rapport's customer analytics: the statistics behind scores, forecasts and customer value.
//!
//! What lives here:
//! - [`rfm`]: the recency/frequency/monetary summary of a transaction log, with the conventions
//!   of the customer-base-analysis literature, its compressed form (distinct `(x, t_x, T)`
//!   triples with counts), RFM quintile scores and the 11-segment map;
//! - [`bgnbd`]: the BG/NBD model (Fader, Hardie & Lee 2005) and its MBG/NBD variant (Batislam,
//!   Denizel & Filiztekin 2007): likelihood, analytic gradient, maximum-likelihood fit,
//!   P(alive) and expected purchases;
//! - [`pareto_nbd`]: the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; the
//!   expressions of Fader, Hardie & Lee 2005): likelihood with analytic gradient through a
//!   transformed hypergeometric series or quadrature, maximum-likelihood fit, P(alive),
//!   expected purchases;
//! - [`bgbb`]: the BG/BB model of transactions at discrete opportunities (Fader, Hardie & Shang
//!   2010): likelihood with analytic gradient, fit over grouped histories, P(alive), expected
//!   and conditional expected transactions, the distribution of transactions;
//! - [`gamma_gamma`]: the Gamma-Gamma model of average spend (Fader, Hardie & Lee 2005; Fader &
//!   Hardie 2013);
//! - [`clv`](mod@clv): customer lifetime value over a horizon for any [`clv::PurchaseModel`]
//!   (one customer, or every row of a compressed summary sharing the work between rows), and
//!   holdout diagnostics (predicted vs actual purchases by calibration frequency);
//! - [`health`](mod@health): the explainable health score 0–100 of a relationship (vitality,
//!   value, engagement, satisfaction, friction; per-org weights), with translatable reasons;
//! - [`classify`](mod@classify): grow / maintain / repair / at risk / churned, with the reasons;
//! - [`optimize`]: the maximum-likelihood engine (BFGS on log-parameters, Wolfe line search,
//!   standard errors from the observed information);
//! - [`special`]: ln Γ, digamma, trigamma, ln B and log-space helpers;
//! - [`calendar`]: civil date to day number, for callers that map dates themselves.
//!
//! Conventions:
//! - Pure functions only: no IO, no clock, no random numbers, no dependencies beyond `std`.
//!   Identical input gives bit-identical output (no hash-map iteration order leaks out).
//! - Time is measured in the caller's unit ([`rfm::TimeUnit`]): every `t`, `t_x`, `T` and model
//!   scale parameter (α) is in that unit.
//! - Nothing panics on bad input: fallible functions return [`AnalyticsError`]; no output is
//!   NaN or infinite (a computation that would produce one returns an error instead).
//! - Every model cites its paper, and its tests check it against published values, saying
//!   where each value comes from.

pub mod bgbb;
pub mod bgnbd;
pub mod calendar;
pub mod classify;
pub mod clv;
pub mod gamma_gamma;
pub mod health;
mod hypergeometric;
pub mod optimize;
pub mod pareto_nbd;
pub mod rfm;
pub mod special;
pub mod uplift;

pub use bgbb::{BgBb, BgBbFit, BgBbParams, DiscreteHistory};
pub use bgnbd::{BgNbd, BgNbdFit, BgParams, BgVariant};
pub use calendar::{day_number, day_number_from_yyyymmdd};
pub use classify::{Class, ClassInputs, ClassRules, Classification, classify};
pub use clv::{
    ClvOptions, FrequencyBucket, HoldoutDiagnostics, PurchaseModel, clv,
    discounted_expected_purchases, discounted_expected_purchases_all, holdout_diagnostics,
};
pub use gamma_gamma::{GammaGamma, GammaGammaFit, SpendObservation};
pub use health::{Health, HealthInputs, HealthWeights, Reason, ReasonCode, SurveyAnswer, health};
pub use optimize::{Fit, OptimizeOptions};
pub use pareto_nbd::{ParetoNbd, ParetoNbdFit, ParetoParams};
pub use rfm::{
    CompressedRfm, CustomerRfm, Holdout, RfmBuilder, RfmOptions, RfmScore, RfmSummary, RfmTriple,
    Segment, TimeUnit, Transaction, quintile_scores, rfm_scores, summarize, summarize_owned,
};
pub use uplift::{RateDifference, rate_difference};

use std::fmt;

/// Why an analytics function could not produce a result. Messages are written for the person
/// who called the function: they say what was wrong and, where it helps, what to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AnalyticsError {
    /// There was nothing to work on (no customers, no observations).
    EmptyInput(&'static str),
    /// An input value is outside its domain (negative time, `t_x > T`, non-finite amount...).
    InvalidInput(String),
    /// A model parameter is not a positive finite number, or outside the range where the
    /// requested quantity exists.
    InvalidParameter {
        name: &'static str,
        value: f64,
        reason: &'static str,
    },
    /// The data cannot identify the model (for example: nobody made a repeat purchase).
    NotIdentified(String),
    /// A numerical routine could not produce a finite, converged value.
    Numerical(String),
}

impl fmt::Display for AnalyticsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyInput(what) => write!(f, "no data: {what}"),
            Self::InvalidInput(msg) => write!(f, "invalid input: {msg}"),
            Self::InvalidParameter {
                name,
                value,
                reason,
            } => {
                write!(f, "invalid parameter {name} = {value}: {reason}")
            }
            Self::NotIdentified(msg) => write!(f, "the model cannot be identified: {msg}"),
            Self::Numerical(msg) => write!(f, "numerical failure: {msg}"),
        }
    }
}

impl std::error::Error for AnalyticsError {}

/// Shorthand used throughout the crate.
pub type Result<T> = std::result::Result<T, AnalyticsError>;

/// Checks that a model parameter is a positive finite number.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(AnalyticsError::InvalidParameter {
            name,
            value,
            reason: "must be a positive finite number",
        })
    }
}

/// Turns a computed value into an output, refusing NaN and infinities.
pub(crate) fn finite(what: &str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(AnalyticsError::Numerical(format!(
            "{what} is not finite ({value})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_sentences() {
        let e = AnalyticsError::InvalidParameter {
            name: "r",
            value: -1.0,
            reason: "must be positive",
        };
        assert_eq!(e.to_string(), "invalid parameter r = -1: must be positive");
        let e = AnalyticsError::NotIdentified("nobody repeated".into());
        assert_eq!(
            e.to_string(),
            "the model cannot be identified: nobody repeated"
        );
    }

    #[test]
    fn helpers_reject_non_finite() {
        assert!(positive("a", 0.0).is_err());
        assert!(positive("a", f64::NAN).is_err());
        assert!(positive("a", f64::INFINITY).is_err());
        assert_eq!(positive("a", 2.0), Ok(2.0));
        assert!(finite("x", f64::NAN).is_err());
        assert_eq!(finite("x", 1.5), Ok(1.5));
    }
}
