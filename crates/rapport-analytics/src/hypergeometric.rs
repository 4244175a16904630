//! The Gauss hypergeometric term shared by every BG/NBD-family expectation, in a form that
//! stays finite for any history.
//!
//! The expectations E[X(t)] and E[Y(t) | x, t_x, T] of Fader, Hardie & Lee (2005) and of the
//! MBG/NBD (Batislam, Denizel & Filiztekin 2007) are all of the form
//!
//! ```text
//! G(a, b, A, s) = E_{p ~ Beta(a, b)} [ (1 − (1 + p s)^(−A)) / p ]
//!              = (a + b − 1)/(a − 1) · [1 − (1 − z)^A ₂F₁(A, b; a + b − 1; z)],  z = s / (1 + s)
//! ```
//!
//! (the expected purchases in a window of length `t` of a customer alive at its start, with
//! purchase rate λ ~ Gamma(A, ·) mixed out, s = t / scale, and dropout probability p after each
//! purchase). Written as above it overflows for large A (a customer with hundreds of purchases:
//! ₂F₁ grows like (1 − z)^(a − 1 − A)) and is 0/0 at a = 1. Euler's transformation
//! (Abramowitz & Stegun 15.3.3) turns the bracket into `1 − (1 − z)^(a−1) ₂F₁(c − A, a − 1; c; z)`
//! with c = a + b − 1, and pulling the factor (a − 1) out of the series gives
//!
//! ```text
//! G = c · (1 − e^(−(a−1)L)) / (a − 1)
//!     − e^(−(a−1)L) · Σ_{n≥1} (c−A)_n (a)_{n−1} / ((c+1)_{n−1} n!) zⁿ
//! ```
//!
//! with L = ln(1 + s): no large intermediate values, no singularity at a = 1 or at c = 0, and
//! terms that shrink quickly when A is large. The series converges for every z < 1; it needs
//! about 40 (1 + s) terms in the worst case, so an absurd horizon (s ≫ 10⁵) is reported as a
//! numerical error rather than computed slowly.

use crate::{AnalyticsError, Result};

/// Most terms summed before giving up (about 20 ms).
const MAX_TERMS: usize = 5_000_000;

/// `G(a, b, A, s)` (see the module docs) for a, b, A > 0 and s ≥ 0, all finite.
pub(crate) fn beta_mixture_expectation(a: f64, b: f64, big_a: f64, s: f64) -> Result<f64> {
    if s == 0.0 {
        return Ok(0.0);
    }
    let c = a + b - 1.0;
    let e = c - big_a;
    let z = s / (1.0 + s);
    let ln1s = s.ln_1p();
    let bm = a - 1.0;
    let first = if bm == 0.0 {
        ln1s
    } else {
        -(-bm * ln1s).exp_m1() / bm
    };
    let mut term = e * z;
    let mut sum = term;
    let mut n = 1usize;
    while term != 0.0 {
        let nf = n as f64;
        let ratio = (e + nf) * (a + nf - 1.0) / ((c + nf) * (nf + 1.0)) * z;
        term *= ratio;
        sum += term;
        n += 1;
        // Once the ratios are below 1 the tail is bounded by a geometric series.
        let bound = ratio.abs().max(z);
        if bound < 1.0 && term.abs() <= 1e-17 * sum.abs() * (1.0 - bound) {
            break;
        }
        if n >= MAX_TERMS {
            return Err(AnalyticsError::Numerical(format!(
                "expected purchases over a window {s:e} times the time scale do not converge"
            )));
        }
    }
    let value = c * first - (-bm * ln1s).exp() * sum;
    // The exact value is positive; rounding can leave a tiny negative residue at s → 0.
    crate::finite("expected purchases", value.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::ln_beta;

    /// G by Simpson quadrature; for a < 1 after p = u^(1/a), which removes the p^(a−1)
    /// singularity; b ≥ 1.
    fn quadrature(a: f64, b: f64, big_a: f64, s: f64) -> f64 {
        let n = 200_000;
        let h = 1.0 / n as f64;
        let power = if a < 1.0 { 1.0 / a } else { 1.0 };
        let f = |u: f64| {
            let p = u.powf(power);
            let g = if p == 0.0 {
                big_a * s
            } else {
                -(-big_a * (p * s).ln_1p()).exp_m1() / p
            };
            let density = if a < 1.0 { 1.0 / a } else { p.powf(a - 1.0) };
            g * (1.0 - p).powf(b - 1.0) * density
        };
        let mut total = f(0.0) + f(1.0);
        for i in 1..n {
            total += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        total * h / 3.0 / ln_beta(a, b).exp()
    }

    fn check(a: f64, b: f64, big_a: f64, s: f64, expected: f64, rel: f64) {
        let got = beta_mixture_expectation(a, b, big_a, s).unwrap();
        let err = (got - expected).abs() / expected.abs().max(1e-300);
        assert!(
            err <= rel,
            "G({a}, {b}, {big_a}, {s}) = {got:e}, expected {expected:e}, err {err:e}"
        );
    }

    #[test]
    fn closed_form() {
        // A = 1, p ~ Beta(2, 1): G = 2 ∫ s / (1 + p s) dp... = 2 (1 − ln(1 + s) / s).
        for &s in &[0.01, 0.3, 1.0, 7.0, 150.0] {
            check(2.0, 1.0, 1.0, s, 2.0 * (1.0 - s.ln_1p() / s), 1e-12);
        }
    }

    #[test]
    fn matches_quadrature() {
        for &(a, b, big_a, s) in &[
            (0.793, 2.426, 0.243, 39.0 / 4.414),
            (0.793, 4.426, 2.243, 39.0 / 43.274),
            (1.0, 2.0, 0.5, 3.0),
            (2.5, 1.0, 12.0, 0.7),
            (0.3, 1.2, 0.9, 25.0),
        ] {
            check(a, b, big_a, s, quadrature(a, b, big_a, s), 1e-7);
        }
    }

    #[test]
    fn small_windows_are_linear() {
        // G ≈ A s for s → 0: a customer alive buys at rate E[λ].
        check(0.8, 2.4, 0.25, 1e-9, 0.25e-9, 1e-6);
        assert_eq!(beta_mixture_expectation(0.8, 2.4, 0.25, 0.0), Ok(0.0));
    }

    #[test]
    fn large_histories_stay_finite() {
        // 500 purchases: A = 500.243, b = b + 500.
        let g = beta_mixture_expectation(0.793, 502.426, 500.243, 39.0 / 1004.414).unwrap();
        assert!(g.is_finite() && g > 0.0);
        // Nearly the Poisson limit: rate 500.243 / 1004.414 over 39 units, little dropout.
        assert!((g - 500.243 * 39.0 / 1004.414).abs() / g < 0.05, "{g}");
    }

    #[test]
    fn absurd_windows_are_errors() {
        assert!(beta_mixture_expectation(0.8, 2.4, 0.25, 1e12).is_err());
    }
}
