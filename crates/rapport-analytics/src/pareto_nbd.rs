//! The Pareto/NBD model: likelihood with analytic gradient, maximum likelihood fit over the
//! compressed RFM summary, P(alive) and expected purchases.
//!
//! D. C. Schmittlein, D. G. Morrison, R. Colombo (1987), "Counting Your Customers: Who Are They
//! and What Will They Do Next?", *Management Science* 33(1), 1–24. While alive a customer buys
//! as a Poisson process with rate λ ~ Gamma(r, α); his lifetime is exponential with rate
//! μ ~ Gamma(s, β). The likelihood, P(alive) and the expectations are those of P. S. Fader,
//! B. G. S. Hardie, K. L. Lee (2005), "A Note on Deriving the Pareto/NBD Model and Related
//! Expressions" (brucehardie.com note 009), and of Fader & Hardie's "A Note on Implementing the
//! Pareto/NBD Model in MATLAB" (note 008, 2005):
//!
//! ```text
//! L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s D ],
//! D = ∫_{t_x}^T (α+y)^−(r+x) (β+y)^−(s+1) dy          (the Gauss hypergeometric term A₀)
//! P(alive | x, t_x, T) = (α+T)^−(r+x) (β+T)^−s / [ … ]   (the first term's share)
//! E[Y(t) | x, t_x, T] = P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]
//! E[X(t)] = r β / (α (s−1)) · [1 − (β/(β+t))^(s−1)]
//! ```
//!
//! (for s = 1 the brackets divided by s − 1 become ln((β+T+t)/(β+T))). Everything is in log
//! space, `ln L = ln C + ln(first term) + ln(1 + e^ℓ)` with ℓ the log of the ratio of the two
//! terms, computed with its gradient by the crate-private `dropout` module: a transformed
//! hypergeometric series, or quadrature where that series would converge slowly.

mod dropout;

use crate::clv::PurchaseModel;
use crate::optimize::{Fit, OptimizeOptions, maximize_likelihood, sum_in_parts};
use crate::rfm::{CompressedRfm, RfmTriple};
use crate::special::{digamma, ln_gamma, logistic, softplus_and_logistic};
use crate::{AnalyticsError, Result, finite, positive};
use dropout::{Dropout, LnK, dropout_term, dropout_term_from, series};

/// The four parameters, all positive and finite by construction: λ ~ Gamma(shape r, rate α),
/// μ ~ Gamma(shape s, rate β). α and β are in the time unit of the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoParams {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
}

impl ParetoParams {
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self> {
        Ok(Self {
            r: positive("r", r)?,
            alpha: positive("alpha", alpha)?,
            s: positive("s", s)?,
            beta: positive("beta", beta)?,
        })
    }

    pub fn r(&self) -> f64 {
        self.r
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    pub fn s(&self) -> f64 {
        self.s
    }

    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// `[r, alpha, s, beta]`.
    pub fn to_array(&self) -> [f64; 4] {
        [self.r, self.alpha, self.s, self.beta]
    }
}

/// A Pareto/NBD model with given parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbd {
    pub params: ParetoParams,
}

/// A fitted model with the details of its fit (estimates in `[r, alpha, s, beta]` order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbdFit {
    pub model: ParetoNbd,
    pub fit: Fit<4>,
}

impl ParetoNbd {
    pub fn new(params: ParetoParams) -> Self {
        Self { params }
    }

    /// Maximum-likelihood fit on the compressed summary (each triple weighted by its count).
    /// Needs at least one repeat purchase; a fit that does not converge is returned with
    /// `fit.converged == false`.
    pub fn fit(data: &CompressedRfm, options: &OptimizeOptions) -> Result<ParetoNbdFit> {
        let customers = data.customers();
        if customers == 0 {
            return Err(AnalyticsError::EmptyInput(
                "the RFM summary has no customers",
            ));
        }
        if data.repeat_customers() == 0 {
            return Err(AnalyticsError::NotIdentified(
                "no customer made a repeat purchase, so purchase rates and lifetimes cannot be \
                 estimated"
                    .into(),
            ));
        }
        // Start where the Gamma(1, α) purchase rate has the observed mean rate Σx / ΣT and the
        // Gamma(1, β) dropout rate a mean lifetime of the mean age.
        let (sx, st) = data.rows().iter().fold((0.0, 0.0), |(sx, st), (h, n)| {
            (
                sx + f64::from(h.x()) * *n as f64,
                st + h.t_cal() * *n as f64,
            )
        });
        let mean_age = (st / customers as f64).clamp(1e-6, 1e6);
        let start = [1.0, (st / sx).clamp(1e-6, 1e6), 1.0, mean_age];
        let objective = |p: &[f64; 4]| {
            let (ll, g) = log_likelihood_sum(*p, data)?;
            Some((-ll, g.map(|v| -v)))
        };
        let fit = maximize_likelihood(&objective, start, customers as f64, options)?;
        if let Some(why) = crate::optimize::collapsed_mixing(
            &fit,
            &["r", "alpha", "s", "beta"],
            &[(0, 1, "purchase rate"), (2, 3, "dropout rate")],
        ) {
            return Err(AnalyticsError::NotIdentified(why));
        }
        let [r, alpha, s, beta] = fit.params;
        Ok(ParetoNbdFit {
            model: Self::new(ParetoParams::new(r, alpha, s, beta)?),
            fit,
        })
    }

    /// ln L(r, α, s, β | x, t_x, T) of one customer.
    pub fn log_likelihood(&self, history: &RfmTriple) -> Result<f64> {
        self.log_likelihood_gradient(history).map(|(ll, _)| ll)
    }

    /// ln L of one customer and its gradient with respect to `[r, alpha, s, beta]`.
    pub fn log_likelihood_gradient(&self, history: &RfmTriple) -> Result<(f64, [f64; 4])> {
        let p = self.params.to_array();
        let x = f64::from(history.x());
        let (ll, grad) = customer_log_likelihood(p, x, history.t_x(), history.t_cal())?;
        (ll.is_finite() && grad.iter().all(|g| g.is_finite()))
            .then_some((ll, grad))
            .ok_or_else(|| AnalyticsError::Numerical("log-likelihood is not finite".into()))
    }

    /// Total log-likelihood of a compressed summary.
    pub fn total_log_likelihood(&self, data: &CompressedRfm) -> Result<f64> {
        log_likelihood_sum(self.params.to_array(), data)
            .map(|(ll, _)| ll)
            .ok_or_else(|| AnalyticsError::Numerical("log-likelihood is not finite".into()))
    }

    /// P(alive at T | x, t_x, T).
    pub fn p_alive(&self, history: &RfmTriple) -> Result<f64> {
        let p = self.params.to_array();
        let x = f64::from(history.x());
        match dropout_term(p, x, history.t_x(), history.t_cal())? {
            Dropout::Absent => Ok(1.0),
            Dropout::Present(ratio, _) => finite("P(alive)", logistic(-ratio)),
        }
    }

    /// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t].
    pub fn conditional_expected_purchases(&self, t: f64, history: &RfmTriple) -> Result<f64> {
        let alive = self.p_alive(history)?;
        let if_alive = self.expected_purchases_if_alive(t, history.x(), history.t_cal())?;
        finite("conditional expected purchases", alive * if_alive)
    }

    /// E[Y(t) | alive at T, x, T]: given that he is alive, the customer's purchase rate is
    /// Gamma(r + x, α + T) and his dropout rate Gamma(s, β + T).
    pub fn expected_purchases_if_alive(&self, t: f64, x: u32, t_cal: f64) -> Result<f64> {
        let t = window(t)?;
        if !(t_cal.is_finite() && t_cal >= 0.0) {
            return Err(AnalyticsError::InvalidInput(format!(
                "a customer's age T must be finite and >= 0, got {t_cal}"
            )));
        }
        let ParetoParams { r, alpha, s, beta } = self.params;
        let rate = (r + f64::from(x)) / (alpha + t_cal);
        finite(
            "expected purchases",
            rate * (beta + t_cal) * lifetime_fraction(s, t / (beta + t_cal)),
        )
    }

    /// E[X(t)]: expected repeat purchases in (0, t] of a new customer.
    pub fn expected_purchases(&self, t: f64) -> Result<f64> {
        self.expected_purchases_if_alive(t, 0, 0.0)
    }
}

/// [1 − (1 + u)^−(s−1)] / (s − 1), and ln(1 + u) at s = 1: the expected time alive within a
/// window of u dropout time scales, in those scales.
fn lifetime_fraction(s: f64, u: f64) -> f64 {
    let l = u.ln_1p();
    let e = s - 1.0;
    if e == 0.0 { l } else { -(-e * l).exp_m1() / e }
}

impl PurchaseModel for ParetoNbd {
    fn name(&self) -> &'static str {
        "Pareto/NBD"
    }

    fn p_alive(&self, history: &RfmTriple) -> Result<f64> {
        ParetoNbd::p_alive(self, history)
    }

    fn expected_purchases_if_alive(&self, t: f64, x: u32, t_cal: f64) -> Result<f64> {
        ParetoNbd::expected_purchases_if_alive(self, t, x, t_cal)
    }

    /// With the series shared between rows of equal x and equal times.
    fn p_alive_all(&self, data: &CompressedRfm) -> Result<Vec<f64>> {
        let p = self.params.to_array();
        let mut cache = SeriesCache::new(data);
        (0..data.len())
            .map(|row| match cache.dropout(p, data, row)? {
                Dropout::Absent => Ok(1.0),
                Dropout::Present(ratio, _) => finite("P(alive)", logistic(-ratio)),
            })
            .collect()
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

/// ln L and its gradient for one history (see the module docs).
fn customer_log_likelihood(p: [f64; 4], x: f64, t_x: f64, t_cal: f64) -> Result<(f64, [f64; 4])> {
    let r = p[0];
    let per_x = (ln_gamma(r + x) - ln_gamma(r), digamma(r + x) - digamma(r));
    let dropout = dropout_term(p, x, t_x, t_cal)?;
    let (value, grad) = with_history(p, x, t_cal, per_x, dropout);
    let (prior, d_prior) = prior(p);
    Ok((value + prior, std::array::from_fn(|i| grad[i] + d_prior[i])))
}

/// The parts of ln L that depend on the history: ln Γ(r+x)/Γ(r) (given as `per_x` with its
/// r-derivative), the log of the first term, and ln(1 + e^ℓ) from the dropout term.
fn with_history(
    p: [f64; 4],
    x: f64,
    t_cal: f64,
    (per_x, d_per_x): (f64, f64),
    dropout: Dropout,
) -> (f64, [f64; 4]) {
    let [r, alpha, s, beta] = p;
    let (at, bt) = (alpha + t_cal, beta + t_cal);
    let (ln_at, ln_bt) = (at.ln(), bt.ln());
    let mut value = per_x - (r + x) * ln_at - s * ln_bt;
    let mut grad = [d_per_x - ln_at, -(r + x) / at, -ln_bt, -s / bt];
    if let Dropout::Present(ratio, d_ratio) = dropout {
        let (softplus, sigma) = softplus_and_logistic(ratio);
        value += softplus;
        for (g, d) in grad.iter_mut().zip(d_ratio) {
            *g += sigma * d;
        }
    }
    (value, grad)
}

/// r ln α + s ln β, the part of ln L shared by every customer, and its gradient.
fn prior([r, alpha, s, beta]: [f64; 4]) -> (f64, [f64; 4]) {
    let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
    (
        r * ln_alpha + s * ln_beta,
        [ln_alpha, r / alpha, ln_beta, s / beta],
    )
}

/// Σ n · ln L and its gradient over the compressed summary, or `None` if not finite. Terms
/// that depend only on x are computed once per run of equal x (the rows are sorted by x), and
/// the series of the dropout term once per x and distinct time value.
fn log_likelihood_sum(p: [f64; 4], data: &CompressedRfm) -> Option<(f64, [f64; 4])> {
    let r = p[0];
    let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
    let rows = data.rows();
    let weight: f64 = rows.iter().map(|(_, n)| *n as f64).sum();
    let (mut ll, mut grad) = sum_in_parts(rows.len(), |range| {
        let mut cache = SeriesCache::new(data);
        let mut ll = 0.0;
        let mut grad = [0.0; 4];
        let mut cached_x = None;
        let mut per_x = (0.0, 0.0);
        for row in range {
            let (h, n) = &rows[row];
            let x = f64::from(h.x());
            if cached_x != Some(h.x()) {
                cached_x = Some(h.x());
                per_x = (ln_gamma(r + x) - lg_r, digamma(r + x) - psi_r);
            }
            let dropout = cache.dropout(p, data, row).ok()?;
            let (value, d) = with_history(p, x, h.t_cal(), per_x, dropout);
            let w = *n as f64;
            ll += w * value;
            for (g, di) in grad.iter_mut().zip(d) {
                *g += w * di;
            }
        }
        Some((ll, grad))
    })?;
    let (prior, d_prior) = prior(p);
    ll += weight * prior;
    for (g, di) in grad.iter_mut().zip(d_prior) {
        *g += weight * di;
    }
    (ll.is_finite() && grad.iter().all(|g| g.is_finite())).then_some((ll, grad))
}

/// The series of the dropout term depend on a row only through x and one of its times: over a
/// compressed summary each is computed once per x and distinct time value.
struct SeriesCache {
    /// Per distinct time: the x it was computed for and the series there.
    slots: Vec<(Option<u32>, Option<LnK>)>,
}

impl SeriesCache {
    fn new(data: &CompressedRfm) -> Self {
        Self {
            slots: vec![(None, None); data.time_table().0.len()],
        }
    }

    /// The dropout term of row `row` of `data`.
    fn dropout(&mut self, p: [f64; 4], data: &CompressedRfm, row: usize) -> Result<Dropout> {
        let (h, _) = &data.rows()[row];
        if h.t_x() >= h.t_cal() {
            return Ok(Dropout::Absent);
        }
        let (times, index) = data.time_table();
        let (i_tx, i_t) = index[row];
        let x = f64::from(h.x());
        let mut at = |i: u32| {
            let slot = &mut self.slots[i as usize];
            if slot.0 != Some(h.x()) {
                *slot = (Some(h.x()), series(p, x, times[i as usize]));
            }
            slot.1
        };
        let (at_tx, at_t) = (at(i_tx), at(i_t));
        dropout_term_from(p, x, h.t_x(), h.t_cal(), at_tx, at_t)
    }
}

#[cfg(test)]
mod tests;
