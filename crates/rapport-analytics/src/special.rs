//! Special functions for the likelihoods: ln Γ, digamma ψ, trigamma ψ', ln B, and log-space
//! helpers (log-sum-exp, softplus, logistic).
//!
//! Methods (standard, written here from the formulas):
//! - ln Γ: the Lanczos approximation (C. Lanczos 1964, "A Precision Approximation of the Gamma
//!   Function", SIAM J. Numer. Anal. B 1) with g = 7 and the nine coefficients computed by
//!   P. Godfrey, for 0.5 ≤ x < 10; Stirling's series with Bernoulli terms up to x⁻¹³ for x ≥ 10
//!   (Abramowitz & Stegun 6.1.40); the reflection formula (A&S 6.1.17) for 0 < x < 0.5.
//!   Absolute error about 1e-15 near the zeros at 1 and 2, relative error about
//!   1e-15 elsewhere.
//! - ψ and ψ': recurrence (A&S 6.3.5, 6.4.6) up to x ≥ 10, then the asymptotic series
//!   (A&S 6.3.18, 6.4.12).
//!
//! All functions are defined for x > 0 and return NaN outside their domain: callers in this
//! crate validate parameters first, so a NaN here is a bug caught by the model's finiteness
//! check rather than a value that reaches a user.

use std::f64::consts::PI;

/// ½ ln(2π).
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    if x < 0.5 {
        // Γ(x) Γ(1 − x) = π / sin(πx)
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    if x >= 10.0 {
        return stirling_ln_gamma(x);
    }
    let z = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (z + i as f64);
    }
    let t = z + LANCZOS_G + 0.5;
    HALF_LN_2PI + (z + 0.5) * t.ln() - t + sum.ln()
}

/// Stirling's series for ln Γ(x), x ≥ 10 (A&S 6.1.40, Bernoulli numbers B₂..B₁₄).
fn stirling_ln_gamma(x: f64) -> f64 {
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Σ B_{2k} / (2k (2k−1) x^{2k−1}), k = 1..7, in Horner form.
    let series = inv
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 360.0
                    + inv2
                        * (1.0 / 1260.0
                            + inv2
                                * (-1.0 / 1680.0
                                    + inv2
                                        * (1.0 / 1188.0
                                            + inv2 * (-691.0 / 360_360.0 + inv2 / 156.0))))));
    (x - 0.5) * x.ln() - x + HALF_LN_2PI + series
}

/// `(ln |Γ(x)|, sign of Γ(x))` for any real x: the reflection formula (A&S 6.1.17) below 0.5.
/// At the poles (0, −1, −2, ...) it returns `(∞, 0)`, so that `sign · e^(−ln|Γ|)` is the
/// reciprocal gamma function's value 0 there; NaN gives NaN.
pub fn ln_gamma_signed(x: f64) -> (f64, f64) {
    if x.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if x >= 0.5 {
        return (ln_gamma(x), 1.0);
    }
    let nearest = x.round();
    if x == nearest && x <= 0.0 {
        return (f64::INFINITY, 0.0);
    }
    // sin(πx) from the distance to the nearest integer, exact for large |x|.
    let f = x - nearest;
    let parity = if nearest.rem_euclid(2.0) == 0.0 {
        1.0
    } else {
        -1.0
    };
    let sin = parity * (PI * f).sin();
    // Γ(x) = π / (sin(πx) Γ(1 − x)), with Γ(1 − x) > 0.
    (PI.ln() - sin.abs().ln() - ln_gamma(1.0 - x), sin.signum())
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// The digamma function ψ(x) = d/dx ln Γ(x), for x > 0.
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // ψ(x) ~ ln x − 1/(2x) − Σ B_{2k} / (2k x^{2k}), k = 1..7.
    let series = inv2
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 120.0
                    + inv2
                        * (1.0 / 252.0
                            + inv2
                                * (-1.0 / 240.0
                                    + inv2
                                        * (1.0 / 132.0
                                            + inv2 * (-691.0 / 32_760.0 + inv2 / 12.0))))));
    acc + x.ln() - 0.5 * inv - series
}

/// The trigamma function ψ'(x) = d²/dx² ln Γ(x), for x > 0.
pub fn trigamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // ψ'(x) ~ 1/x + 1/(2x²) + Σ B_{2k} / x^{2k+1}, k = 1..7.
    let series = inv
        * inv2
        * (1.0 / 6.0
            + inv2
                * (-1.0 / 30.0
                    + inv2
                        * (1.0 / 42.0
                            + inv2
                                * (-1.0 / 30.0
                                    + inv2
                                        * (5.0 / 66.0
                                            + inv2 * (-691.0 / 2730.0 + inv2 * 7.0 / 6.0))))));
    acc + inv + 0.5 * inv2 + series
}

/// ln(eᵃ + eᵇ) without overflow; −∞ inputs are the log of zero.
pub fn log_sum_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// ln Σ exp(vᵢ) without overflow; the empty sum is −∞.
pub fn log_sum_exp_slice(values: &[f64]) -> f64 {
    let m = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    m + values.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// softplus: ln(1 + eˣ), exact in both tails.
pub fn log1p_exp(x: f64) -> f64 {
    if x > 35.0 {
        x + (-x).exp()
    } else if x > -35.0 {
        x.exp().ln_1p()
    } else {
        x.exp()
    }
}

/// The logistic function 1 / (1 + e⁻ˣ), without overflow in either tail.
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// (ln(1 + eˣ), 1 / (1 + e⁻ˣ)) with a single exponential, exact in both tails.
pub(crate) fn softplus_and_logistic(x: f64) -> (f64, f64) {
    if x > 0.0 {
        let e = (-x).exp();
        (x + e.ln_1p(), 1.0 / (1.0 + e))
    } else {
        let e = x.exp();
        (e.ln_1p(), e / (1.0 + e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

    /// `value` matches `expected` to `rel` relative error (absolute below 1).
    fn check(value: f64, expected: f64, rel: f64) {
        let err = (value - expected).abs() / expected.abs().max(1.0);
        assert!(
            err <= rel,
            "got {value:e}, expected {expected:e} (error {err:e})"
        );
    }

    #[test]
    fn ln_gamma_known_values() {
        // Γ(1/2) = √π; Γ(3/2) = √π / 2; Γ(n) = (n − 1)!.
        check(ln_gamma(0.5), 0.5 * PI.ln(), 1e-15);
        check(ln_gamma(1.5), (PI.sqrt() / 2.0).ln(), 1e-15);
        check(ln_gamma(1.0), 0.0, 1e-15);
        check(ln_gamma(2.0), 0.0, 1e-15);
        check(ln_gamma(3.0), 2f64.ln(), 1e-15);
        check(ln_gamma(10.0), 362_880f64.ln(), 1e-15);
        check(ln_gamma(11.0), 3_628_800f64.ln(), 1e-15);
        // 20! = 2432902008176640000 (exact in f64 to 1 ulp).
        check(ln_gamma(21.0), 2_432_902_008_176_640_000f64.ln(), 1e-15);
        // ln Γ(100) = ln 99! = 359.1342053695754 (A&S 6.1 / exact factorial).
        check(ln_gamma(100.0), 359.134_205_369_575_4, 1e-15);
        // Γ(0.1) = 9.513507698668731836 (A&S Table 6.1 via Γ(1.1)/0.1).
        check(ln_gamma(0.1), 9.513_507_698_668_732f64.ln(), 1e-14);
        // Γ(1/3) = 2.678938534707747633 (A&S 6.1.10).
        check(ln_gamma(1.0 / 3.0), 2.678_938_534_707_747_6f64.ln(), 1e-15);
        // Γ(x) ~ 1/x for tiny x.
        check(ln_gamma(1e-300), -(1e-300f64).ln(), 1e-15);
        // Both branches agree at the seam.
        check(
            ln_gamma(10.0 - 1e-12),
            stirling_ln_gamma(10.0 - 1e-12),
            1e-14,
        );
    }

    #[test]
    fn ln_gamma_recurrence_holds_everywhere() {
        // ln Γ(x + 1) − ln Γ(x) = ln x across both branches.
        // Checked relative to ln Γ(x + 1), the size of the numbers subtracted.
        let mut x = 0.013;
        while x < 400.0 {
            let scale = ln_gamma(x + 1.0).abs().max(1.0);
            let err = (ln_gamma(x + 1.0) - ln_gamma(x) - x.ln()).abs() / scale;
            assert!(err < 4e-15, "x = {x}: error {err:e}");
            x *= 1.37;
        }
    }

    #[test]
    fn digamma_known_values() {
        // A&S 6.3.2–6.3.4: ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ(n) = H_{n−1} − γ.
        check(digamma(1.0), -EULER_GAMMA, 1e-15);
        check(digamma(0.5), -EULER_GAMMA - 2.0 * 2f64.ln(), 1e-15);
        check(digamma(1.5), 2.0 - EULER_GAMMA - 2.0 * 2f64.ln(), 1e-14);
        check(digamma(2.0), 1.0 - EULER_GAMMA, 1e-15);
        let h9: f64 = (1..=9).map(|k| 1.0 / k as f64).sum();
        check(digamma(10.0), h9 - EULER_GAMMA, 1e-15);
        // ψ(x + 1) = ψ(x) + 1/x for tiny and large x.
        check(digamma(1e-8 + 1.0) - digamma(1e-8), 1e8, 1e-15);
        check(digamma(1e6), 1e6f64.ln() - 0.5e-6 - 1.0 / 12e12, 1e-15);
    }

    #[test]
    fn trigamma_known_values() {
        // A&S 6.4.2, 6.4.4: ψ'(1) = π²/6, ψ'(1/2) = π²/2, ψ'(n + 1) = ψ'(n) − 1/n².
        check(trigamma(1.0), PI * PI / 6.0, 1e-15);
        check(trigamma(0.5), PI * PI / 2.0, 1e-15);
        check(trigamma(2.0), PI * PI / 6.0 - 1.0, 1e-15);
        check(
            trigamma(11.0),
            PI * PI / 6.0 - (1..=10).map(|k| 1.0 / (k * k) as f64).sum::<f64>(),
            1e-14,
        );
    }

    #[test]
    fn derivatives_agree_with_finite_differences() {
        for &x in &[0.3, 0.9, 2.5, 9.99, 10.01, 57.0] {
            let h = 1e-5 * x;
            check(
                digamma(x),
                (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h),
                1e-8,
            );
            check(
                trigamma(x),
                (digamma(x + h) - digamma(x - h)) / (2.0 * h),
                1e-8,
            );
        }
    }

    #[test]
    fn signed_ln_gamma_across_the_poles() {
        // Γ(−1/2) = −2√π, Γ(−3/2) = 4√π/3 (A&S 6.1.17 with 6.1.8); Γ(−2.5) = −8√π/15.
        let sqrt_pi = PI.sqrt();
        for (x, value) in [
            (-0.5, -2.0 * sqrt_pi),
            (-1.5, 4.0 * sqrt_pi / 3.0),
            (-2.5, -8.0 * sqrt_pi / 15.0),
            (0.25, 3.625_609_908_221_908),
            (3.0, 2.0),
        ] {
            let (ln_abs, sign) = ln_gamma_signed(x);
            check(sign * ln_abs.exp(), value, 1e-14);
        }
        // Γ(−100.3) is tiny; its logarithm from Γ(x + 1) = x Γ(x).
        let (l1, s1) = ln_gamma_signed(-100.3);
        let (l2, s2) = ln_gamma_signed(-99.3);
        check(l2 - l1, 100.3f64.ln(), 1e-13);
        assert_eq!(s1, -s2);
        assert_eq!(ln_gamma_signed(-3.0), (f64::INFINITY, 0.0));
        assert_eq!(ln_gamma_signed(0.0), (f64::INFINITY, 0.0));
    }

    #[test]
    fn ln_beta_known_values() {
        // B(1, b) = 1/b; B(1/2, 1/2) = π.
        check(ln_beta(1.0, 4.0), -(4f64.ln()), 4e-15);
        check(ln_beta(0.5, 0.5), PI.ln(), 4e-15);
        check(ln_beta(2.0, 3.0), (1.0f64 / 12.0).ln(), 4e-15);
    }

    #[test]
    fn out_of_domain_is_nan_not_panic() {
        assert!(ln_gamma(0.0).is_nan());
        assert!(ln_gamma(-1.5).is_nan());
        assert!(digamma(f64::NAN).is_nan());
        assert!(trigamma(-2.0).is_nan());
    }

    #[test]
    fn log_space_helpers() {
        check(log_sum_exp(0.0, 0.0), 2f64.ln(), 1e-15);
        check(log_sum_exp(1000.0, 1000.0), 1000.0 + 2f64.ln(), 1e-15);
        assert_eq!(
            log_sum_exp(f64::NEG_INFINITY, f64::NEG_INFINITY),
            f64::NEG_INFINITY
        );
        check(log_sum_exp(-1000.0, f64::NEG_INFINITY), -1000.0, 1e-15);
        check(
            log_sum_exp_slice(&[1.0, 2.0, 3.0]),
            (1f64.exp() + 2f64.exp() + 3f64.exp()).ln(),
            1e-15,
        );
        assert_eq!(log_sum_exp_slice(&[]), f64::NEG_INFINITY);
        check(log1p_exp(0.0), 2f64.ln(), 1e-15);
        check(log1p_exp(800.0), 800.0, 1e-15);
        check(log1p_exp(-800.0), 0.0, 1e-15);
        assert!(log1p_exp(-800.0) >= 0.0);
        check(logistic(0.0), 0.5, 1e-15);
        check(logistic(800.0), 1.0, 1e-15);
        assert!(logistic(-800.0) >= 0.0 && logistic(-800.0).is_finite());
    }
}
