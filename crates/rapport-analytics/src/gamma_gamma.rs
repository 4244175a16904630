//! The Gamma-Gamma model of average spend per transaction.
//!
//! P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "RFM and CLV: Using Iso-Value Curves for
//! Customer Base Analysis", *Journal of Marketing Research* 42(4), 415–430; and P. S. Fader,
//! B. G. S. Hardie (2013), "The Gamma-Gamma Model of Monetary Value", note 025 at
//! brucehardie.com. A customer's transaction values are Gamma(p, ν) around his mean p/ν, and
//! ν ~ Gamma(q, γ) across customers. Observing x transactions with mean z̄, the marginal density
//! of z̄ is
//!
//! ```text
//! f(z̄ | p, q, γ, x) = Γ(px + q) / (Γ(px) Γ(q)) · γ^q z̄^(px−1) x^(px) / (γ + x z̄)^(px+q)
//! ```
//!
//! and the expected spend per transaction given (x, z̄) is
//! `E(Z | z̄, x) = p (γ + x z̄) / (px + q − 1)`, a weighted mean of the population mean
//! pγ/(q − 1) and the observed z̄.
//!
//! The model is fitted on customers with x ≥ 1 *repeat* purchases using the mean of those repeat
//! purchases (the first purchase left out), which is what reproduces the published CDNOW
//! estimates (see `tests/cdnow.rs`). Spend must be positive: returns and zero-value days are for
//! the caller to remove or net out before fitting.

use crate::optimize::{Fit, OptimizeOptions, in_parts, maximize_likelihood};
use crate::rfm::RfmSummary;
use crate::special::{digamma, ln_gamma};
use crate::{AnalyticsError, Result, finite, positive};

/// A customer's number of repeat purchases (≥ 1) and their mean value (> 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpendObservation {
    x: u32,
    mean_spend: f64,
}

impl SpendObservation {
    pub fn new(x: u32, mean_spend: f64) -> Result<Self> {
        if x == 0 {
            return Err(AnalyticsError::InvalidInput(
                "the spend model needs customers with at least one repeat purchase".into(),
            ));
        }
        if !(mean_spend.is_finite() && mean_spend > 0.0) {
            return Err(AnalyticsError::InvalidInput(format!(
                "mean spend must be a positive finite amount, got {mean_spend}"
            )));
        }
        Ok(Self { x, mean_spend })
    }

    /// The repeat customers of a summary (frequency ≥ 1) with their monetary value. A repeat
    /// customer whose mean repeat spend is not positive is an error naming him.
    pub fn from_summary(summary: &RfmSummary) -> Result<Vec<Self>> {
        summary
            .customers
            .iter()
            .filter(|c| c.frequency > 0)
            .map(|c| {
                Self::new(c.frequency, c.monetary).map_err(|_| {
                    AnalyticsError::InvalidInput(format!(
                        "customer {} has mean repeat spend {}: the spend model needs positive \
                         amounts (remove or net out returns first)",
                        c.customer, c.monetary
                    ))
                })
            })
            .collect()
    }

    pub fn x(&self) -> u32 {
        self.x
    }

    pub fn mean_spend(&self) -> f64 {
        self.mean_spend
    }
}

/// A Gamma-Gamma model with parameters p, q, γ (all positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    p: f64,
    q: f64,
    gamma: f64,
}

/// A fitted model with the details of its fit (estimates in `[p, q, gamma]` order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaFit {
    pub model: GammaGamma,
    pub fit: Fit<3>,
}

impl GammaGamma {
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self> {
        Ok(Self {
            p: positive("p", p)?,
            q: positive("q", q)?,
            gamma: positive("gamma", gamma)?,
        })
    }

    pub fn p(&self) -> f64 {
        self.p
    }

    pub fn q(&self) -> f64 {
        self.q
    }

    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Maximum-likelihood fit. A fit that does not converge is returned with
    /// `fit.converged == false`.
    pub fn fit(
        observations: &[SpendObservation],
        options: &OptimizeOptions,
    ) -> Result<GammaGammaFit> {
        let Some(first) = observations.first() else {
            return Err(AnalyticsError::EmptyInput(
                "no repeat customers with spend to fit on",
            ));
        };
        if observations
            .iter()
            .all(|o| o.mean_spend == first.mean_spend)
        {
            return Err(AnalyticsError::NotIdentified(
                "every customer has the same mean spend, so its spread cannot be estimated".into(),
            ));
        }
        let data = GroupedSpend::new(observations);
        let mean =
            observations.iter().map(|o| o.mean_spend).sum::<f64>() / observations.len() as f64;
        // Start with p = 1, q = 2, where the population mean pγ / (q − 1) is the sample mean.
        let start = [1.0, 2.0, mean];
        let objective = |v: &[f64; 3]| {
            let (ll, g) = data.log_likelihood(v[0], v[1], v[2])?;
            Some((-ll, g.map(|d| -d)))
        };
        let fit = maximize_likelihood(&objective, start, observations.len() as f64, options)?;
        let [p, q, gamma] = fit.params;
        Ok(GammaGammaFit {
            model: Self::new(p, q, gamma)?,
            fit,
        })
    }

    /// Total log-likelihood and its gradient with respect to `[p, q, gamma]`.
    pub fn log_likelihood_gradient(
        &self,
        observations: &[SpendObservation],
    ) -> Result<(f64, [f64; 3])> {
        GroupedSpend::new(observations)
            .log_likelihood(self.p, self.q, self.gamma)
            .ok_or_else(|| AnalyticsError::Numerical("log-likelihood is not finite".into()))
    }

    /// Total log-likelihood.
    pub fn log_likelihood(&self, observations: &[SpendObservation]) -> Result<f64> {
        self.log_likelihood_gradient(observations).map(|(ll, _)| ll)
    }

    /// Mean spend per transaction across customers, pγ / (q − 1); needs q > 1.
    pub fn population_mean_spend(&self) -> Result<f64> {
        self.conditional_expected_spend(0, 0.0)
    }

    /// E(Z | z̄, x): expected spend per transaction of a customer with `x` repeat purchases of
    /// mean `mean_spend`. With x = 0 this is the population mean (and `mean_spend` is ignored).
    pub fn conditional_expected_spend(&self, x: u32, mean_spend: f64) -> Result<f64> {
        let xf = f64::from(x);
        if x > 0 {
            SpendObservation::new(x, mean_spend)?;
        }
        let denominator = self.p * xf + self.q - 1.0;
        if denominator <= 0.0 {
            return Err(AnalyticsError::InvalidParameter {
                name: "q",
                value: self.q,
                reason: "the expected spend is infinite when p·x + q <= 1",
            });
        }
        let observed = if x > 0 { xf * mean_spend } else { 0.0 };
        finite(
            "expected spend",
            self.p * (self.gamma + observed) / denominator,
        )
    }
}

/// Observations grouped by x: the x-only terms and Σ ln z̄ are computed once per group.
struct GroupedSpend {
    /// (x, count, Σ ln z̄, range into `xz`)
    groups: Vec<(f64, f64, f64, std::ops::Range<usize>)>,
    /// x · z̄ of every observation, grouped.
    xz: Vec<f64>,
}

impl GroupedSpend {
    fn new(observations: &[SpendObservation]) -> Self {
        let mut sorted: Vec<(u32, f64)> =
            observations.iter().map(|o| (o.x, o.mean_spend)).collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut groups = Vec::new();
        let mut start = 0;
        while start < sorted.len() {
            let x = sorted[start].0;
            let end = start + sorted[start..].iter().take_while(|o| o.0 == x).count();
            let sum_ln: f64 = sorted[start..end].iter().map(|o| o.1.ln()).sum();
            groups.push((f64::from(x), (end - start) as f64, sum_ln, start..end));
            start = end;
        }
        let xz = sorted.iter().map(|o| f64::from(o.0) * o.1).collect();
        Self { groups, xz }
    }

    /// Σ ln f(z̄ | p, q, γ, x) and its gradient, or `None` if not finite.
    fn log_likelihood(&self, p: f64, q: f64, gamma: f64) -> Option<(f64, [f64; 3])> {
        let (lg_q, psi_q, ln_gamma_scale) = (ln_gamma(q), digamma(q), gamma.ln());
        // Σ ln(γ + x z̄) and Σ 1/(γ + x z̄) per group: the long part, summed in parts of the
        // observations (a part adds to the groups it overlaps).
        let parts = in_parts(self.xz.len(), |part| {
            let mut sums = vec![(0.0, 0.0); self.groups.len()];
            for (sum, (_, _, _, range)) in sums.iter_mut().zip(&self.groups) {
                let (from, to) = (range.start.max(part.start), range.end.min(part.end));
                for xz in self.xz.get(from..to).unwrap_or_default() {
                    sum.0 += (gamma + xz).ln();
                    sum.1 += 1.0 / (gamma + xz);
                }
            }
            sums
        });
        let mut ll = 0.0;
        let mut grad = [0.0; 3];
        for (k, (x, n, sum_ln_z, _)) in self.groups.iter().enumerate() {
            let px = p * x;
            let (psi_pxq, psi_px) = (digamma(px + q), digamma(px));
            let (sum_ln_denominator, sum_inverse) = parts.iter().fold((0.0, 0.0), |acc, sums| {
                (acc.0 + sums[k].0, acc.1 + sums[k].1)
            });
            let ln_x = x.ln();
            ll += n * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_gamma_scale + px * ln_x)
                + (px - 1.0) * sum_ln_z
                - (px + q) * sum_ln_denominator;
            grad[0] += x * (n * (psi_pxq - psi_px + ln_x) + sum_ln_z - sum_ln_denominator);
            grad[1] += n * (psi_pxq - psi_q + ln_gamma_scale) - sum_ln_denominator;
            grad[2] += n * q / gamma - (px + q) * sum_inverse;
        }
        (ll.is_finite() && grad.iter().all(|g| g.is_finite())).then_some((ll, grad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(x: u32, m: f64) -> SpendObservation {
        SpendObservation::new(x, m).unwrap()
    }

    #[test]
    fn likelihood_is_the_papers_density() {
        // Direct evaluation of the density of z̄ in note 025, for one customer.
        let (p, q, g, x, z): (f64, f64, f64, f64, f64) = (6.25, 3.74, 15.44, 3.0, 27.5);
        let direct = ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
            + q * g.ln()
            + (p * x - 1.0) * z.ln()
            + p * x * x.ln()
            - (p * x + q) * (g + x * z).ln();
        let model = GammaGamma::new(p, q, g).unwrap();
        let got = model.log_likelihood(&[obs(3, z)]).unwrap();
        assert!((got - direct).abs() < 1e-12, "{got} vs {direct}");
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = [
            obs(1, 12.0),
            obs(1, 40.0),
            obs(2, 18.5),
            obs(5, 33.0),
            obs(2, 7.25),
        ];
        for v in [[6.25, 3.74, 15.44], [0.7, 1.3, 2.0], [20.0, 9.0, 300.0]] {
            let model = |w: [f64; 3]| GammaGamma::new(w[0], w[1], w[2]).unwrap();
            let (_, grad) = model(v).log_likelihood_gradient(&data).unwrap();
            for i in 0..3 {
                let step = 1e-6 * v[i];
                let (mut up, mut down) = (v, v);
                up[i] += step;
                down[i] -= step;
                let numeric = (model(up).log_likelihood(&data).unwrap()
                    - model(down).log_likelihood(&data).unwrap())
                    / (up[i] - down[i]);
                assert!(
                    (grad[i] - numeric).abs() <= 1e-6 * numeric.abs().max(1.0),
                    "{v:?} {i}: {} vs {numeric}",
                    grad[i]
                );
            }
        }
    }

    #[test]
    fn expected_spend_shrinks_towards_the_population_mean() {
        let m = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let population = m.population_mean_spend().unwrap();
        assert!((population - 6.25 * 15.44 / 2.74).abs() < 1e-12);
        let one = m.conditional_expected_spend(1, 100.0).unwrap();
        let ten = m.conditional_expected_spend(10, 100.0).unwrap();
        assert!(population < one && one < ten && ten < 100.0);
    }

    #[test]
    fn bad_spend_is_rejected_clearly() {
        assert!(
            SpendObservation::new(1, 0.0)
                .unwrap_err()
                .to_string()
                .contains("positive")
        );
        assert!(SpendObservation::new(1, -3.0).is_err());
        assert!(SpendObservation::new(0, 3.0).is_err());
        assert!(SpendObservation::new(1, f64::NAN).is_err());
        let m = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        assert!(m.conditional_expected_spend(2, -1.0).is_err());
        let heavy_tail = GammaGamma::new(1.0, 0.5, 1.0).unwrap();
        assert!(matches!(
            heavy_tail.population_mean_spend(),
            Err(AnalyticsError::InvalidParameter { .. })
        ));
        assert!(heavy_tail.conditional_expected_spend(1, 5.0).is_ok());
    }

    #[test]
    fn fitting_needs_varied_spend() {
        let options = OptimizeOptions::default();
        assert!(matches!(
            GammaGamma::fit(&[], &options),
            Err(AnalyticsError::EmptyInput(_))
        ));
        let same = [obs(1, 5.0), obs(3, 5.0)];
        assert!(matches!(
            GammaGamma::fit(&same, &options),
            Err(AnalyticsError::NotIdentified(_))
        ));
    }
}
