//! Tests of G(a, b, A, s): closed forms, quadrature, 40-digit references, and agreement of the
//! two series wherever both apply.

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
    for &s in &[0.01, 0.3, 1.0, 7.0, 150.0, 1e5] {
        check(2.0, 1.0, 1.0, s, 2.0 * (1.0 - s.ln_1p() / s), 1e-13);
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
fn forty_digit_references() {
    // G = (a+b−1)/(a−1) [1 − (1−z)^A ₂F₁(A, b; a+b−1; z)], evaluated with mpmath 1.4
    // (`hyp2f1`, 40 digits). All but the third use the w-series.
    for (a, b, big_a, s, expected) in [
        (0.793, 2.426, 0.243, 52.0 / 4.414, 1.446_050_595_396_403_8),
        (
            0.793,
            4.426,
            2.243,
            30.0 / (4.414 + 3.5),
            5.057_087_912_909_841,
        ),
        (2.5, 1.0, 12.0, 3.7, 1.657_828_480_955_124_2),
        (0.3, 1.2, 0.9, 25.0, 10.370_702_915_135_598),
        (1.7, 0.9, 0.4, 1000.0, 1.991_838_234_096_983),
        (0.793, 2.426, 0.243, 1e6, 76.409_382_821_535_69),
        (3.2, 0.6, 0.5, 40.0, 1.039_295_173_198_633),
    ] {
        check(a, b, big_a, s, expected, 2e-14);
    }
}

/// Relative difference between the two evaluations, where [`BetaMixture::at`] uses the
/// w-series.
fn series_gap(a: f64, b: f64, big_a: f64, s: f64) -> Option<f64> {
    let conn = Connection::new(a, b, big_a)?;
    let w = 1.0 / (1.0 + s);
    if w >= 1.0 - Z_SWITCH || b * w > MAX_B_W {
        return None;
    }
    let mut ev = BetaMixture::new(a, b, big_a).evaluator();
    let [fast] = conn.eval(a, big_a, [s], [w], &mut ev.t2, &mut ev.s1)?;
    let [slow] = z_series(a, b, big_a, [s], &mut ev.z).ok()?;
    Some((fast - slow).abs() / slow.abs())
}

#[test]
fn the_two_series_agree() {
    // A grid over the parameters of fitted BG/NBD and MBG/NBD models and histories
    // (x = 0..30, windows up to five years of a new customer); the z-series is the reference.
    let mut compared = 0;
    let mut worst: f64 = 0.0;
    for &(r, alpha, a, b) in &[
        (0.243, 4.414, 0.793, 2.426),
        (0.525, 6.183, 0.891, 1.614),
        (1.7, 0.3, 2.2, 0.6),
        (0.05, 40.0, 0.2, 9.0),
        (2.0, 10.0, 1.5, 3.0),
    ] {
        for x in [0.0, 1.0, 2.0, 5.0, 12.0, 30.0] {
            for t_cal in [0.0, 1.0, 10.0, 52.0] {
                for t in [1.0, 5.0, 26.0, 52.0, 260.0] {
                    let s = t / (alpha + t_cal);
                    if let Some(gap) = series_gap(a, b + x, r + x, s) {
                        compared += 1;
                        worst = worst.max(gap);
                    }
                }
            }
        }
    }
    // Neither is exact: against mpmath, the z-series is off by 1.8e-13 at (0.2, 9, 0.05, 6.5)
    // and the w-series by 6e-14 at (0.793, 32.426, 30.243, 5.89) (rounding in ln Γ of
    // arguments near 30).
    assert!(compared > 200, "{compared}");
    assert!(worst < 5e-13, "worst relative gap {worst:e}");
}

#[test]
fn near_the_removable_singularities() {
    // μ = a − 1 − A just outside the gap around an integer, and a just outside the gap around
    // 1: within 1e-12 of the term-by-term z-series, whether the w-series is taken or declines
    // because its parts cancel.
    for (a, b, big_a) in [
        (0.793, 2.426, 0.793 - 1.0 + 2.0 - 1.001e-2),
        (2.6, 1.4, 1.6 + 1.001e-2),
        (1.0201, 2.0, 0.4),
        (0.9799, 2.0, 0.4),
    ] {
        assert!(Connection::new(a, b, big_a).is_some());
        for s in [2.0, 10.0, 100.0] {
            let got = beta_mixture_expectation(a, b, big_a, s).unwrap();
            let reference = reference_expectation(a, b, big_a, s).unwrap();
            let gap = (got - reference).abs() / reference;
            assert!(gap < 1e-12, "({a}, {b}, {big_a}, {s}): {gap:e}");
        }
    }
    // Inside the gaps the w-series is not used.
    assert!(Connection::new(0.793, 2.426, 0.793 - 1.0 + 2.0 + 1e-3).is_none());
    assert!(Connection::new(1.01, 2.426, 0.3).is_none());
    assert!(Connection::new(0.2, 0.5, 0.3).is_none()); // c = a + b − 1 < 0
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
    // A long window for the same history: the z-series (b w is large), still finite.
    let g = beta_mixture_expectation(0.793, 502.426, 500.243, 50.0).unwrap();
    assert!(g.is_finite() && g > 0.0);
}

#[test]
fn absurd_windows() {
    // The w-series handles any window when it applies (G grows like s^(1−a) for a < 1) ...
    let g = beta_mixture_expectation(0.8, 2.4, 0.25, 1e12).unwrap();
    assert!(g.is_finite() && g > 0.0);
    // ... the z-series reports a window it cannot sum as an error, not a hang.
    assert!(beta_mixture_expectation(1.01, 2.4, 0.25, 1e12).is_err());
}
