//! The BG/NBD model and its MBG/NBD variant: likelihood with analytic gradient, maximum
//! likelihood fit over the compressed RFM summary, P(alive) and expected purchases.
//!
//! - BG/NBD: P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "'Counting Your Customers' the
//!   Easy Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275–284.
//!   While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
//!   repeat purchase he drops out with probability p ~ Beta(a, b). The paper gives the likelihood,
//!   E[X(t)] and the conditional expectation E[Y(t) | x, t_x, T]; P(alive) is the ratio of the
//!   "still alive" term of the likelihood to the whole.
//! - MBG/NBD: E. P. Batislam, M. Denizel, A. Filiztekin (2007), "Empirical validation and
//!   comparison of models for customer base analysis", *International Journal of Research in
//!   Marketing* 24(3), 201–209. The same story, but the customer may also drop out right after
//!   the first purchase, so a customer with no repeat purchase need not be alive.
//!
//! Everything is evaluated in log space: `ln L = A + ln(1 + e^ℓ)` with the ratio of the two
//! likelihood terms `e^ℓ`, so histories with thousands of purchases or very long `T` neither
//! overflow nor underflow. The expectations use the series of the crate-private
//! `hypergeometric` module.

use crate::clv::{ClvOptions, PurchaseModel, discounted_sum};
use crate::hypergeometric::{BetaMixture, beta_mixture_expectation};
use crate::optimize::{Fit, OptimizeOptions, maximize_likelihood, sum_in_parts};
use crate::rfm::{CompressedRfm, RfmTriple};
use crate::special::{digamma, ln_beta, ln_gamma, logistic, softplus_and_logistic};
use crate::{AnalyticsError, Result, finite, positive};

/// Which member of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BgVariant {
    /// Fader, Hardie & Lee (2005): no dropout before the first repeat purchase.
    BgNbd,
    /// Batislam, Denizel & Filiztekin (2007): dropout possible right after the first purchase.
    MbgNbd,
}

impl BgVariant {
    /// Dropout opportunities beyond the repeat purchases: 0 for BG/NBD, 1 for MBG/NBD.
    fn shift(self) -> f64 {
        match self {
            Self::BgNbd => 0.0,
            Self::MbgNbd => 1.0,
        }
    }
}

/// The four parameters, all positive and finite by construction: λ ~ Gamma(shape r, rate α),
/// p ~ Beta(a, b). α is in the time unit of the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl BgParams {
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        Ok(Self {
            r: positive("r", r)?,
            alpha: positive("alpha", alpha)?,
            a: positive("a", a)?,
            b: positive("b", b)?,
        })
    }

    pub fn r(&self) -> f64 {
        self.r
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    pub fn a(&self) -> f64 {
        self.a
    }

    pub fn b(&self) -> f64 {
        self.b
    }

    /// `[r, alpha, a, b]`.
    pub fn to_array(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }
}

/// A BG/NBD or MBG/NBD model with given parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    pub variant: BgVariant,
    pub params: BgParams,
}

/// A fitted model with the details of its fit (estimates in `[r, alpha, a, b]` order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdFit {
    pub model: BgNbd,
    pub fit: Fit<4>,
}

impl BgNbd {
    pub fn new(variant: BgVariant, params: BgParams) -> Self {
        Self { variant, params }
    }

    /// Maximum-likelihood fit on the compressed summary (each triple weighted by its count).
    /// Needs at least one repeat purchase; a fit that does not converge is returned with
    /// `fit.converged == false`.
    pub fn fit(
        variant: BgVariant,
        data: &CompressedRfm,
        options: &OptimizeOptions,
    ) -> Result<BgNbdFit> {
        let customers = data.customers();
        if customers == 0 {
            return Err(AnalyticsError::EmptyInput(
                "the RFM summary has no customers",
            ));
        }
        if data.repeat_customers() == 0 {
            return Err(AnalyticsError::NotIdentified(
                "no customer made a repeat purchase, so purchase rates and dropout cannot be \
                 estimated"
                    .into(),
            ));
        }
        // Start where the Gamma(1, α) purchase rate has the observed mean rate Σx / ΣT.
        let (sx, st) = data.rows().iter().fold((0.0, 0.0), |(sx, st), (h, n)| {
            (
                sx + f64::from(h.x()) * *n as f64,
                st + h.t_cal() * *n as f64,
            )
        });
        let start = [1.0, (st / sx).clamp(1e-6, 1e6), 1.0, 1.0];
        let objective = |p: &[f64; 4]| {
            let params = BgParams {
                r: p[0],
                alpha: p[1],
                a: p[2],
                b: p[3],
            };
            let (ll, g) = log_likelihood_sum(variant, &params, data)?;
            Some((-ll, g.map(|v| -v)))
        };
        let fit = maximize_likelihood(&objective, start, customers as f64, options)?;
        if let Some(why) = crate::optimize::collapsed_mixing(
            &fit,
            &["r", "alpha", "a", "b"],
            &[(0, 1, "purchase rate"), (2, 3, "dropout probability")],
        ) {
            return Err(AnalyticsError::NotIdentified(why));
        }
        let [r, alpha, a, b] = fit.params;
        Ok(BgNbdFit {
            model: Self::new(variant, BgParams::new(r, alpha, a, b)?),
            fit,
        })
    }

    /// ln L(r, α, a, b | x, t_x, T) of one customer.
    pub fn log_likelihood(&self, history: &RfmTriple) -> Result<f64> {
        self.log_likelihood_gradient(history).map(|(ll, _)| ll)
    }

    /// ln L of one customer and its gradient with respect to `[r, alpha, a, b]`.
    pub fn log_likelihood_gradient(&self, history: &RfmTriple) -> Result<(f64, [f64; 4])> {
        log_likelihood_sum(
            self.variant,
            &self.params,
            &CompressedRfm::from_counts([(*history, 1)]),
        )
        .ok_or_else(|| AnalyticsError::Numerical("log-likelihood is not finite".into()))
    }

    /// Total log-likelihood of a compressed summary.
    pub fn total_log_likelihood(&self, data: &CompressedRfm) -> Result<f64> {
        log_likelihood_sum(self.variant, &self.params, data)
            .map(|(ll, _)| ll)
            .ok_or_else(|| AnalyticsError::Numerical("log-likelihood is not finite".into()))
    }

    /// P(alive at T | x, t_x, T).
    pub fn p_alive(&self, history: &RfmTriple) -> Result<f64> {
        match self.second_term_log_ratio(history) {
            None => Ok(1.0),
            Some(lr) => finite("P(alive)", logistic(-lr)),
        }
    }

    /// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t].
    pub fn conditional_expected_purchases(&self, t: f64, history: &RfmTriple) -> Result<f64> {
        let alive = self.p_alive(history)?;
        let g = self.expected_purchases_if_alive(t, history.x(), history.t_cal())?;
        finite("conditional expected purchases", alive * g)
    }

    /// E[Y(t) | alive at T, x, T]: given that he is alive, the customer's purchase rate is
    /// Gamma(r + x, α + T) and his dropout probability Beta(a, b + x + δ).
    pub fn expected_purchases_if_alive(&self, t: f64, x: u32, t_cal: f64) -> Result<f64> {
        let t = window(t)?;
        let alpha_t = self.params.alpha + age(t_cal)?;
        self.mixture_if_alive(x).evaluator().at(t / alpha_t)
    }

    /// The expectation of a customer alive after x purchases, as a function of t / (α + T).
    fn mixture_if_alive(&self, x: u32) -> BetaMixture {
        let BgParams { r, a, b, .. } = self.params;
        let x = f64::from(x);
        BetaMixture::new(a, b + x + self.variant.shift(), r + x)
    }

    /// E[X(t)]: expected repeat purchases in (0, t] of a new customer.
    pub fn expected_purchases(&self, t: f64) -> Result<f64> {
        let t = window(t)?;
        let BgParams { r, alpha, a, b } = self.params;
        let value = match self.variant {
            BgVariant::BgNbd => beta_mixture_expectation(a, b, r, t / alpha)?,
            BgVariant::MbgNbd => b / (a + b) * beta_mixture_expectation(a, b + 1.0, r, t / alpha)?,
        };
        finite("expected purchases", value)
    }

    /// ℓ = ln of (second likelihood term / first); `None` when there is no second term.
    fn second_term_log_ratio(&self, h: &RfmTriple) -> Option<f64> {
        let BgParams { r, alpha, a, b } = self.params;
        let x = f64::from(h.x());
        let denominator = b + x - 1.0 + self.variant.shift();
        (self.variant == BgVariant::MbgNbd || h.x() > 0).then(|| {
            a.ln() - denominator.ln()
                + (r + x) * ((alpha + h.t_cal()).ln() - (alpha + h.t_x()).ln())
        })
    }
}

impl PurchaseModel for BgNbd {
    fn name(&self) -> &'static str {
        match self.variant {
            BgVariant::BgNbd => "BG/NBD",
            BgVariant::MbgNbd => "MBG/NBD",
        }
    }

    fn p_alive(&self, history: &RfmTriple) -> Result<f64> {
        BgNbd::p_alive(self, history)
    }

    fn expected_purchases_if_alive(&self, t: f64, x: u32, t_cal: f64) -> Result<f64> {
        BgNbd::expected_purchases_if_alive(self, t, x, t_cal)
    }

    fn conditional_expected_purchases(&self, t: f64, history: &RfmTriple) -> Result<f64> {
        BgNbd::conditional_expected_purchases(self, t, history)
    }

    /// One evaluator for all the windows: its constants and series coefficients depend only
    /// on x.
    fn discounted_purchases_if_alive(
        &self,
        x: u32,
        t_cal: f64,
        options: &ClvOptions,
    ) -> Result<f64> {
        let alpha_t = self.params.alpha + age(t_cal)?;
        let values = self
            .mixture_if_alive(x)
            .evaluator()
            .at_windows(alpha_t, options.horizon)?;
        discounted_sum(options, |t| Ok(values[t as usize - 1]))
    }
}

/// Checks a customer's age T.
fn age(t_cal: f64) -> Result<f64> {
    if t_cal.is_finite() && t_cal >= 0.0 {
        Ok(t_cal)
    } else {
        Err(AnalyticsError::InvalidInput(format!(
            "a customer's age T must be finite and >= 0, got {t_cal}"
        )))
    }
}

fn window(t: f64) -> Result<f64> {
    if t.is_finite() && t >= 0.0 {
        Ok(t)
    } else {
        Err(AnalyticsError::InvalidInput(format!(
            "a forecast window must be finite and >= 0, got {t}"
        )))
    }
}

/// Σ n · ln L and its gradient over the compressed summary, or `None` if not finite.
///
/// ln L = ln Γ(r+x) − ln Γ(r) + r ln α − (r+x) ln(α+T) + ln B(a, b+x+δ) − ln B(a, b) + ln(1 + e^ℓ)
/// with ℓ = ln a − ln(b+x−1+δ) + (r+x)(ln(α+T) − ln(α+t_x)), δ = 0 (BG) or 1 (MBG), and the
/// last term absent for BG/NBD customers with x = 0. Terms that depend only on x are computed
/// once per run of equal x (the rows are sorted by x), ln(α + t) and 1/(α + t) once per
/// distinct time value.
fn log_likelihood_sum(
    variant: BgVariant,
    p: &BgParams,
    data: &CompressedRfm,
) -> Option<(f64, [f64; 4])> {
    let BgParams { r, alpha, a, b } = *p;
    let delta = variant.shift();
    let (times, time_index) = data.time_table();
    let ln_times: Vec<f64> = times.iter().map(|t| (alpha + t).ln()).collect();
    let inv_times: Vec<f64> = times.iter().map(|t| 1.0 / (alpha + t)).collect();
    let (ln_alpha, lg_r, lb_ab) = (alpha.ln(), ln_gamma(r), ln_beta(a, b));
    let (psi_r, psi_ab, psi_b) = (digamma(r), digamma(a + b), digamma(b));
    let rows = data.rows();
    let (ll, grad) = sum_in_parts(rows.len(), |range| {
        let mut ll = 0.0;
        let mut grad = [0.0; 4];
        let mut cached_x = None;
        let (mut per_x, mut d_per_x) = (0.0, [0.0; 3]); // x-only part of ln L and of ∂r, ∂a, ∂b
        let (mut ln_ratio_const, mut inv_b_term) = (0.0, 0.0);
        for ((h, n), &(i_tx, i_t)) in rows[range.clone()].iter().zip(&time_index[range]) {
            let x = f64::from(h.x());
            if cached_x != Some(h.x()) {
                cached_x = Some(h.x());
                let psi_abx = digamma(a + b + x + delta);
                per_x = ln_gamma(r + x) - lg_r + ln_beta(a, b + x + delta) - lb_ab;
                d_per_x = [
                    digamma(r + x) - psi_r,
                    psi_ab - psi_abx,
                    digamma(b + x + delta) - psi_b + psi_ab - psi_abx,
                ];
                ln_ratio_const = a.ln() - (b + x - 1.0 + delta).ln();
                inv_b_term = 1.0 / (b + x - 1.0 + delta);
            }
            let (ln_at, ln_atx) = (ln_times[i_t as usize], ln_times[i_tx as usize]);
            let (inv_at, inv_atx) = (inv_times[i_t as usize], inv_times[i_tx as usize]);
            let w = *n as f64;
            let mut value = per_x + r * ln_alpha - (r + x) * ln_at;
            let mut d = [
                d_per_x[0] + ln_alpha - ln_at,
                r / alpha - (r + x) * inv_at,
                d_per_x[1],
                d_per_x[2],
            ];
            if variant == BgVariant::MbgNbd || h.x() > 0 {
                // σ = share of the second likelihood term, the weight of its derivatives.
                let lr = ln_ratio_const + (r + x) * (ln_at - ln_atx);
                let (softplus, sigma) = softplus_and_logistic(lr);
                value += softplus;
                d[0] += sigma * (ln_at - ln_atx);
                d[1] += sigma * (r + x) * (inv_at - inv_atx);
                d[2] += sigma / a;
                d[3] -= sigma * inv_b_term;
            }
            ll += w * value;
            for (g, di) in grad.iter_mut().zip(d) {
                *g += w * di;
            }
        }
        Some((ll, grad))
    })?;
    (ll.is_finite() && grad.iter().all(|g| g.is_finite())).then_some((ll, grad))
}

#[cfg(test)]
mod tests;
