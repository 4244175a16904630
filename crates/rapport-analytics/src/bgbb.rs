//! The BG/BB model of repeat transactions at discrete opportunities: likelihood with analytic
//! gradient, maximum-likelihood fit over grouped data, P(alive) and expected transactions.
//!
//! P. S. Fader, B. G. S. Hardie, J. Shang (2010), "Customer-Base Analysis in a Discrete-Time
//! Noncontractual Setting", *Marketing Science* 29(6), 1086–1108. Customers have n transaction
//! opportunities after the first (yearly donations, annual events, renewals). While alive a
//! customer transacts at each opportunity with probability p ~ Beta(α, β); before each
//! opportunity he becomes inactive for good with probability θ ~ Beta(γ, δ). A history is
//! (x, t_x, n): x transactions, the last at opportunity t_x, out of n. The paper gives
//!
//! ```text
//! L(α, β, γ, δ | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//!                     + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
//! P(X(n) = x) = C(n,x) B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//!             + Σ_{i=x}^{n−1} C(i,x) B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ)
//! E[X(n)] = α/(α+β) · Σ_{i=1}^{n} B(γ, δ+i)/B(γ,δ)
//! P(alive at n+1 | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L
//! E[X(n, n+n*) | x, t_x, n] = B(α+x+1, β+n−x)/B(α,β) · Σ_{i=1}^{n*} B(γ, δ+n+i)/B(γ,δ) / L
//! ```
//!
//! The sums over future opportunities are the paper's closed forms (its equations with
//! δ/(γ−1) · Γ ratios) written out term by term: the closed forms are 0/0 at γ = 1 and cancel
//! badly near it, while the terms are positive and cheap (one ratio each). Everything is in log
//! space (a log-sum-exp over the terms of L), so histories with thousands of opportunities
//! neither overflow nor underflow.

use crate::optimize::{Fit, OptimizeOptions, maximize_likelihood};
use crate::special::{digamma, ln_beta, ln_gamma};
use crate::{AnalyticsError, Result, finite, positive};

/// Most future or past opportunities summed term by term.
const MAX_OPPORTUNITIES: u32 = 1_000_000;

/// A history at discrete opportunities: `x` transactions in the `n` opportunities after the
/// first transaction, the last at opportunity `t_x` (0 without any). Valid by construction:
/// x ≤ t_x ≤ n, and t_x = 0 exactly when x = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DiscreteHistory {
    x: u32,
    t_x: u32,
    n: u32,
}

impl DiscreteHistory {
    pub fn new(x: u32, t_x: u32, n: u32) -> Result<Self> {
        if x > t_x || t_x > n || (x == 0) != (t_x == 0) {
            return Err(AnalyticsError::InvalidInput(format!(
                "need x <= t_x <= n with t_x = 0 exactly when x = 0; got x = {x}, t_x = {t_x}, \
                 n = {n}"
            )));
        }
        if n > MAX_OPPORTUNITIES {
            return Err(AnalyticsError::InvalidInput(format!(
                "{n} opportunities is more than the {MAX_OPPORTUNITIES} this model sums"
            )));
        }
        Ok(Self { x, t_x, n })
    }

    /// The history of one customer from his opportunities in order (`true` = transacted).
    pub fn from_opportunities(transacted: &[bool]) -> Result<Self> {
        let n = u32::try_from(transacted.len()).unwrap_or(u32::MAX);
        let x = transacted.iter().filter(|t| **t).count() as u32;
        let t_x = transacted
            .iter()
            .rposition(|t| *t)
            .map_or(0, |i| i as u32 + 1);
        Self::new(x, t_x, n)
    }

    /// Number of transactions.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// Opportunity of the last transaction (0 without any).
    pub fn t_x(&self) -> u32 {
        self.t_x
    }

    /// Number of opportunities observed.
    pub fn n(&self) -> u32 {
        self.n
    }
}

/// The four parameters, all positive and finite by construction: p ~ Beta(α, β),
/// θ ~ Beta(γ, δ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBbParams {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

impl BgBbParams {
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self> {
        Ok(Self {
            alpha: positive("alpha", alpha)?,
            beta: positive("beta", beta)?,
            gamma: positive("gamma", gamma)?,
            delta: positive("delta", delta)?,
        })
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    pub fn beta(&self) -> f64 {
        self.beta
    }

    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// `[alpha, beta, gamma, delta]`.
    pub fn to_array(&self) -> [f64; 4] {
        [self.alpha, self.beta, self.gamma, self.delta]
    }
}

/// A BG/BB model with given parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBb {
    pub params: BgBbParams,
}

/// A fitted model with the details of its fit (estimates in `[alpha, beta, gamma, delta]`
/// order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBbFit {
    pub model: BgBb,
    pub fit: Fit<4>,
}

impl BgBb {
    pub fn new(params: BgBbParams) -> Self {
        Self { params }
    }

    /// Maximum-likelihood fit on grouped histories (each weighted by its count of customers).
    /// Needs a transaction and an opportunity without one; a fit that does not converge is
    /// returned with `fit.converged == false`.
    pub fn fit(data: &[(DiscreteHistory, u64)], options: &OptimizeOptions) -> Result<BgBbFit> {
        let customers = data.iter().fold(0u64, |n, (_, c)| n.saturating_add(*c));
        if customers == 0 {
            return Err(AnalyticsError::EmptyInput("no customer histories"));
        }
        let counted = |f: &dyn Fn(&DiscreteHistory) -> u32| -> u64 {
            data.iter().map(|(h, c)| u64::from(f(h)) * c).sum()
        };
        let (transactions, opportunities) = (counted(&|h| h.x), counted(&|h| h.n));
        if transactions == 0 || transactions == opportunities {
            return Err(AnalyticsError::NotIdentified(
                "every opportunity was taken, or none was: transaction and dropout \
                 probabilities cannot be told apart"
                    .into(),
            ));
        }
        let objective = |p: &[f64; 4]| {
            let (ll, g) = log_likelihood_sum(*p, data)?;
            Some((-ll, g.map(|v| -v)))
        };
        let fit = maximize_likelihood(&objective, [1.0; 4], customers as f64, options)?;
        let [alpha, beta, gamma, delta] = fit.params;
        Ok(BgBbFit {
            model: Self::new(BgBbParams::new(alpha, beta, gamma, delta)?),
            fit,
        })
    }

    /// ln L(α, β, γ, δ | x, t_x, n) of one customer.
    pub fn log_likelihood(&self, history: &DiscreteHistory) -> Result<f64> {
        self.log_likelihood_gradient(history).map(|(ll, _)| ll)
    }

    /// ln L of one customer and its gradient with respect to `[alpha, beta, gamma, delta]`.
    pub fn log_likelihood_gradient(&self, history: &DiscreteHistory) -> Result<(f64, [f64; 4])> {
        log_likelihood_sum(self.params.to_array(), &[(*history, 1)])
            .ok_or_else(|| AnalyticsError::Numerical("log-likelihood is not finite".into()))
    }

    /// Total log-likelihood of grouped histories.
    pub fn total_log_likelihood(&self, data: &[(DiscreteHistory, u64)]) -> Result<f64> {
        log_likelihood_sum(self.params.to_array(), data)
            .map(|(ll, _)| ll)
            .ok_or_else(|| AnalyticsError::Numerical("log-likelihood is not finite".into()))
    }

    /// P(alive at opportunity n + 1 | x, t_x, n).
    pub fn p_alive(&self, history: &DiscreteHistory) -> Result<f64> {
        let [alpha, beta, gamma, delta] = self.params.to_array();
        let DiscreteHistory { x, n, .. } = *history;
        let (x, nf) = (f64::from(x), f64::from(n));
        let alive = ln_beta(alpha + x, beta + nf - x) + ln_beta(gamma, delta + nf + 1.0);
        finite(
            "P(alive)",
            (alive - self.ln_mixture(history)).exp().min(1.0),
        )
    }

    /// E[X(n, n + n*) | x, t_x, n]: expected transactions in the next `n_star` opportunities.
    pub fn conditional_expected_transactions(
        &self,
        n_star: u32,
        history: &DiscreteHistory,
    ) -> Result<f64> {
        let [alpha, beta, ..] = self.params.to_array();
        let DiscreteHistory { x, n, .. } = *history;
        let (x, nf) = (f64::from(x), f64::from(n));
        let Some(ln_future) = self.ln_survival_sum(n, n_star)? else {
            return Ok(0.0);
        };
        let ln_value =
            ln_beta(alpha + x + 1.0, beta + nf - x) + ln_future - self.ln_mixture(history);
        finite("conditional expected transactions", ln_value.exp())
    }

    /// E[X(n)]: expected transactions of a new customer in his first n opportunities.
    pub fn expected_transactions(&self, n: u32) -> Result<f64> {
        let [alpha, beta, gamma, delta] = self.params.to_array();
        let Some(ln_sum) = self.ln_survival_sum(0, n)? else {
            return Ok(0.0);
        };
        finite(
            "expected transactions",
            alpha / (alpha + beta) * (ln_sum - ln_beta(gamma, delta)).exp(),
        )
    }

    /// P(X(n) = x): the probability that a new customer makes exactly x transactions in his
    /// first n opportunities.
    pub fn probability_of_transactions(&self, x: u32, n: u32) -> Result<f64> {
        if n > MAX_OPPORTUNITIES {
            return Err(AnalyticsError::InvalidInput(format!(
                "{n} opportunities is more than the {MAX_OPPORTUNITIES} this model sums"
            )));
        }
        if x > n {
            return Ok(0.0);
        }
        let [alpha, beta, gamma, delta] = self.params.to_array();
        let (xf, nf) = (f64::from(x), f64::from(n));
        let ln_choose = |i: f64| ln_gamma(i + 1.0) - ln_gamma(xf + 1.0) - ln_gamma(i - xf + 1.0);
        let mut terms =
            vec![ln_choose(nf) + ln_beta(alpha + xf, beta + nf - xf) + ln_beta(gamma, delta + nf)];
        terms.extend((x..n).map(|i| {
            let i = f64::from(i);
            ln_choose(i) + ln_beta(alpha + xf, beta + i - xf) + ln_beta(gamma + 1.0, delta + i)
        }));
        let ln_p = crate::special::log_sum_exp_slice(&terms)
            - ln_beta(alpha, beta)
            - ln_beta(gamma, delta);
        finite("probability of transactions", ln_p.exp().min(1.0))
    }

    /// ln of L · B(α,β) B(γ,δ): the log-sum-exp over the terms of the likelihood.
    fn ln_mixture(&self, history: &DiscreteHistory) -> f64 {
        let (ln_sum, _) = terms(self.params.to_array(), history);
        ln_sum
    }

    /// ln Σ_{i=1}^{count} B(γ, δ+from+i), or `None` for an empty sum.
    fn ln_survival_sum(&self, from: u32, count: u32) -> Result<Option<f64>> {
        if count > MAX_OPPORTUNITIES {
            return Err(AnalyticsError::InvalidInput(format!(
                "{count} opportunities is more than the {MAX_OPPORTUNITIES} this model sums"
            )));
        }
        if count == 0 {
            return Ok(None);
        }
        let [_, _, gamma, delta] = self.params.to_array();
        // B(γ, y+1)/B(γ, y) = y/(γ+y): the terms relative to the first, all in (0, 1].
        let first = delta + f64::from(from) + 1.0;
        let (mut term, mut sum) = (1.0, 1.0);
        for k in 0..count - 1 {
            let y = first + f64::from(k);
            term *= y / (gamma + y);
            sum += term;
        }
        Ok(Some(ln_beta(gamma, first) + sum.ln()))
    }
}

/// ln Σ (terms of L) without the shared factor 1/(B(α,β) B(γ,δ)), and its gradient.
///
/// The "alive" term is B(α+x, β+n−x) B(γ, δ+n); the term of dropping out after opportunity
/// t_x + i is B(α+x, β+t_x−x+i) B(γ+1, δ+t_x+i), i = 0..n−t_x−1, each next one from the last by
/// a ratio, with the digamma values of its gradient updated by ψ(y+1) = ψ(y) + 1/y.
fn terms(p: [f64; 4], h: &DiscreteHistory) -> (f64, [f64; 4]) {
    let [alpha, beta, gamma, delta] = p;
    let (x, t_x, n) = (f64::from(h.x), f64::from(h.t_x), f64::from(h.n));
    let psi_ax = digamma(alpha + x);
    let alive = ln_beta(alpha + x, beta + n - x) + ln_beta(gamma, delta + n);
    let psi_abn = digamma(alpha + beta + n);
    let psi_gdn = digamma(gamma + delta + n);
    let alive_grad = [
        psi_ax - psi_abn,
        digamma(beta + n - x) - psi_abn,
        digamma(gamma) - psi_gdn,
        digamma(delta + n) - psi_gdn,
    ];
    let mut sum = LogSum::new(alive, alive_grad);
    if h.t_x < h.n {
        // i = 0: B(α+x, β+t_x−x) B(γ+1, δ+t_x).
        let mut ln_term = ln_beta(alpha + x, beta + t_x - x) + ln_beta(gamma + 1.0, delta + t_x);
        let (mut y_b, mut y_ab) = (beta + t_x - x, alpha + beta + t_x);
        let (mut y_d, mut y_gd) = (delta + t_x, gamma + delta + 1.0 + t_x);
        let (mut psi_b, mut psi_ab) = (digamma(y_b), digamma(y_ab));
        let (mut psi_d, mut psi_gd) = (digamma(y_d), digamma(y_gd));
        let psi_g1 = digamma(gamma + 1.0);
        for i in 0..h.n - h.t_x {
            if i > 0 {
                ln_term += (y_b / y_ab).ln() + (y_d / y_gd).ln();
                psi_b += 1.0 / y_b;
                psi_ab += 1.0 / y_ab;
                psi_d += 1.0 / y_d;
                psi_gd += 1.0 / y_gd;
                y_b += 1.0;
                y_ab += 1.0;
                y_d += 1.0;
                y_gd += 1.0;
            }
            sum.add(
                ln_term,
                [
                    psi_ax - psi_ab,
                    psi_b - psi_ab,
                    psi_g1 - psi_gd,
                    psi_d - psi_gd,
                ],
            );
        }
    }
    sum.finish()
}

/// A running log-sum-exp of terms with gradients: ln Σ e^lᵢ and Σ e^lᵢ gᵢ / Σ e^lᵢ.
struct LogSum {
    max: f64,
    scaled: f64,
    grad: [f64; 4],
}

impl LogSum {
    fn new(l: f64, g: [f64; 4]) -> Self {
        Self {
            max: l,
            scaled: 1.0,
            grad: g,
        }
    }

    fn add(&mut self, l: f64, g: [f64; 4]) {
        if l > self.max {
            let shrink = (self.max - l).exp();
            self.scaled *= shrink;
            for v in &mut self.grad {
                *v *= shrink;
            }
            self.max = l;
        }
        let w = (l - self.max).exp();
        self.scaled += w;
        for (v, gi) in self.grad.iter_mut().zip(g) {
            *v += w * gi;
        }
    }

    fn finish(self) -> (f64, [f64; 4]) {
        (
            self.max + self.scaled.ln(),
            self.grad.map(|v| v / self.scaled),
        )
    }
}

/// Σ count · ln L and its gradient over grouped histories, or `None` if not finite.
fn log_likelihood_sum(p: [f64; 4], data: &[(DiscreteHistory, u64)]) -> Option<(f64, [f64; 4])> {
    let [alpha, beta, gamma, delta] = p;
    let shared = ln_beta(alpha, beta) + ln_beta(gamma, delta);
    let (psi_ab, psi_gd) = (digamma(alpha + beta), digamma(gamma + delta));
    // d(−ln B(α,β) − ln B(γ,δ)).
    let shared_grad = [
        psi_ab - digamma(alpha),
        psi_ab - digamma(beta),
        psi_gd - digamma(gamma),
        psi_gd - digamma(delta),
    ];
    let mut ll = 0.0;
    let mut grad = [0.0; 4];
    for (h, count) in data {
        let (value, g) = terms(p, h);
        let w = *count as f64;
        ll += w * (value - shared);
        for i in 0..4 {
            grad[i] += w * (g[i] + shared_grad[i]);
        }
    }
    (ll.is_finite() && grad.iter().all(|g| g.is_finite())).then_some((ll, grad))
}

#[cfg(test)]
mod tests;
