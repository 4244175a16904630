//! The "dropped out during (t_x, T]" term of the Pareto/NBD likelihood, in log space and with
//! its gradient.
//!
//! Fader, Hardie & Lee (2005, "A Note on Deriving the Pareto/NBD Model and Related
//! Expressions") write the likelihood as C · [(α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀], where
//! s/(r+s+x) · A₀ = s D with
//!
//! ```text
//! D = ∫_{t_x}^T (α+y)^−(r+x) (β+y)^−(s+1) dy = F(t_x) − F(T),
//! F(t) = ∫_t^∞ … dy = (α+t)^−(r+s+x) ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (r+s+x)   (α ≥ β)
//! ```
//!
//! and the same with the roles of (α, r + x) and (β, s + 1) swapped for α < β. This module
//! returns ℓ = ln(s D / ((α+T)^−(r+x) (β+T)^−s)), the log of the ratio of the two terms, and
//! ∂ℓ/∂(r, α, s, β). Two evaluations:
//!
//! **Series.** Euler's transformation (A&S 15.3.3) gives, for α ≥ β and z = (α−β)/(α+t),
//! F(t) = (α+t)^−(r+x) (β+t)^−s · E(z) / (r+s+x) with E = ₂F₁(1, r+x; r+s+x+1; z), and for α < β,
//! z = (β−α)/(β+t), F(t) = (α+t)^−(r+x) (β+t)^−s · (α+t)/(β+t) · E(z) with
//! E = ₂F₁(1, s+1; r+s+x+1; z). The series of E has positive terms whose ratios stay below z,
//! so it neither overflows (for x = 500 or T = 1000) nor cancels, and at α = β it is exactly 1.
//! With K(t) the factor after (α+t)^−(r+x) (β+t)^−s:
//!
//! ```text
//! ℓ = ln(s / (r+s+x)) + Λ + ln K(t_x) + ln(1 − e^δ),
//! Λ = (r+x) ln((α+T)/(α+t_x)) + s ln((β+T)/(β+t_x)),   δ = ln K(T) − ln K(t_x) − Λ < 0.
//! ```
//!
//! The gradient differentiates the series term by term: ∂E/∂z = Σ n eₙ / z, and the derivative
//! of eₙ = Π_{k<n} (m+k)/(c+k) zⁿ in its parameters m, c is eₙ Σ_{k<n} (1/(m+k) − 1/(c+k)).
//!
//! **Quadrature.** When z is close to 1 (one of α, β much larger than the other and t_x small)
//! the series needs ~40/(1 − z) terms; past 300 (judged from its slowest possible decay before
//! starting) it gives way to quadrature. D is then integrated directly in u = ln(min(α, β) + y),
//! where the integrand e^φ(u) is analytic in a strip of half-width π around the real axis
//! and decays at rate |φ'| ≤ r + s + x: 16-point Gauss–Legendre on segments of length
//! min(1, 12 / (1 + |φ'|)) (|φ'| bounded over the segment), which integrates e^(−κu) over
//! κ · length ≤ 12 to about 1e-20, stopped once a bound on the rest (the integrand at y times
//! (max(α, β) + y) / (r + s + x)) is below 10⁻¹⁷ of the sum. The gradient integrates the
//! derivatives of the integrand at the same nodes.

use crate::{AnalyticsError, Result};

/// The dropout term of one history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Dropout {
    /// t_x = T (or T − t_x below rounding): the term is zero.
    Absent,
    /// ℓ and ∂ℓ/∂(r, α, s, β).
    Present(f64, [f64; 4]),
}

/// Most series terms before switching to quadrature.
const SERIES_TERMS: usize = 300;

/// Positive nodes and weights of 16-point Gauss–Legendre quadrature on [−1, 1] (computed by
/// Newton's method on the Legendre recurrence with mpmath, 50 digits).
const GAUSS_LEGENDRE: [(f64, f64); 8] = [
    (0.989_400_934_991_649_9, 0.027_152_459_411_754_095),
    (0.944_575_023_073_232_6, 0.062_253_523_938_647_893),
    (0.865_631_202_387_831_7, 0.095_158_511_682_492_79),
    (0.755_404_408_355_003, 0.124_628_971_255_533_87),
    (0.617_876_244_402_643_7, 0.149_595_988_816_576_73),
    (0.458_016_777_657_227_4, 0.169_156_519_395_002_54),
    (0.281_603_550_779_258_9, 0.182_603_415_044_923_59),
    (0.095_012_509_837_637_44, 0.189_450_610_455_068_5),
];

/// ℓ and its gradient for parameters (r, α, s, β) (positive, finite) and a history with
/// 0 ≤ t_x ≤ T.
pub(super) fn dropout_term(p: [f64; 4], x: f64, t_x: f64, t_cal: f64) -> Result<Dropout> {
    dropout_term_from(p, x, t_x, t_cal, series(p, x, t_x), series(p, x, t_cal))
}

/// [`dropout_term`] given the series at t_x and at T (from [`series`], perhaps cached).
pub(super) fn dropout_term_from(
    p: [f64; 4],
    x: f64,
    t_x: f64,
    t_cal: f64,
    at_tx: Option<LnK>,
    at_t: Option<LnK>,
) -> Result<Dropout> {
    if t_x >= t_cal {
        return Ok(Dropout::Absent);
    }
    match (at_tx, at_t) {
        (Some(k_tx), Some(k_t)) => Ok(combine(p, x, t_x, t_cal, k_tx, k_t)),
        _ => quadrature(p, x, t_x, t_cal),
    }
}

/// ln K(t) and its gradient in (r, α, s, β).
pub(super) type LnK = (f64, [f64; 4]);

/// ln K(t) and its gradient, or `None` when the series needs more than [`SERIES_TERMS`]
/// (the caller then integrates). It depends on the history only through x and t.
pub(super) fn series([r, alpha, s, beta]: [f64; 4], x: f64, t: f64) -> Option<LnK> {
    let c = r + s + x + 1.0;
    let (m, z) = if alpha >= beta {
        (r + x, (alpha - beta) / (alpha + t))
    } else {
        (s + 1.0, (beta - alpha) / (beta + t))
    };
    // Every ratio is at least z m / c: if even that leaves the last term above the tolerance,
    // do not start.
    if (z * m / c).powi(SERIES_TERMS as i32) > 1e-17 * (1.0 - z) {
        return None;
    }
    // E, Σ n eₙ, ∂E/∂m, ∂E/∂c.
    let (mut e, mut sum, mut n_sum, mut d_m, mut d_c) = (1.0, 1.0, 0.0, 0.0, 0.0);
    let (mut h_m, mut h_c) = (0.0, 0.0);
    let mut n = 0usize;
    while e != 0.0 && z > 0.0 {
        let nf = n as f64;
        h_m += 1.0 / (m + nf);
        h_c += 1.0 / (c + nf);
        e *= (m + nf) / (c + nf) * z;
        sum += e;
        n_sum += (nf + 1.0) * e;
        d_m += e * h_m;
        d_c -= e * h_c;
        n += 1;
        // Ratios increase towards z < 1: the tails of all four sums are at most
        // (n + 1) eₙ z / (1 − z) times a slowly growing factor.
        if (nf + 2.0) * e * z <= 1e-17 * (1.0 - z) * sum {
            break;
        }
        if n >= SERIES_TERMS {
            return None;
        }
    }
    let d_z = if z > 0.0 { n_sum / z } else { m / c };
    let (ln_e, d_m, d_c, d_z) = (sum.ln(), d_m / sum, d_c / sum, d_z / sum);
    Some(if alpha >= beta {
        let at = alpha + t;
        (
            ln_e,
            [d_m + d_c, d_z * (beta + t) / (at * at), d_c, -d_z / at],
        )
    } else {
        let (at, bt) = (alpha + t, beta + t);
        (
            ln_e + (at / bt).ln(),
            [
                d_c,
                1.0 / at - d_z / bt,
                d_m + d_c,
                -1.0 / bt + d_z * at / (bt * bt),
            ],
        )
    })
}

/// ℓ from ln K at t_x and at T (see the module docs).
fn combine(
    [r, alpha, s, beta]: [f64; 4],
    x: f64,
    t_x: f64,
    t_cal: f64,
    (ln_k_tx, d_k_tx): LnK,
    (ln_k_t, d_k_t): LnK,
) -> Dropout {
    let a = r + s + x;
    let gap = t_cal - t_x;
    let (l_alpha, l_beta) = ((gap / (alpha + t_x)).ln_1p(), (gap / (beta + t_x)).ln_1p());
    let lambda = (r + x) * l_alpha + s * l_beta;
    let d_lambda = [
        l_alpha,
        (r + x) * (1.0 / (alpha + t_cal) - 1.0 / (alpha + t_x)),
        l_beta,
        s * (1.0 / (beta + t_cal) - 1.0 / (beta + t_x)),
    ];
    let delta = ln_k_t - ln_k_tx - lambda;
    if delta.is_nan() || delta >= 0.0 {
        // T − t_x below rounding: the term is below 1e-16 of the first.
        return Dropout::Absent;
    }
    let value = (s / a).ln() + lambda + ln_k_tx + (-delta.exp_m1()).ln();
    // d ln(1 − e^δ) = −w dδ with w = e^δ / (1 − e^δ).
    let w = 1.0 / (-delta).exp_m1();
    let d_prefix = [-1.0 / a, 0.0, 1.0 / s - 1.0 / a, 0.0];
    let grad =
        std::array::from_fn(|i| d_prefix[i] + (1.0 + w) * (d_lambda[i] + d_k_tx[i]) - w * d_k_t[i]);
    Dropout::Present(value, grad)
}

/// ℓ by Gauss–Legendre quadrature of D (see the module docs).
fn quadrature([r, alpha, s, beta]: [f64; 4], x: f64, t_x: f64, t_cal: f64) -> Result<Dropout> {
    let (big_a, big_b, kappa) = (r + x, s + 1.0, r + s + x);
    let low = alpha.min(beta);
    let high = alpha.max(beta);
    let (d_alpha, d_beta) = (alpha - low, beta - low);
    let (ln_p, ln_q) = ((alpha + t_cal).ln(), (beta + t_cal).ln());
    // (ln(α + y), ln(β + y)) at u = ln(min(α, β) + y), exact where the offset is 0.
    let logs = |u: f64, e: f64| {
        let la = if d_alpha == 0.0 {
            u
        } else {
            (e + d_alpha).ln()
        };
        let lb = if d_beta == 0.0 { u } else { (e + d_beta).ln() };
        (la, lb)
    };
    let phi = |u: f64, la: f64, lb: f64| u - big_a * la - big_b * lb;
    let (u_start, u_end) = ((low + t_x).ln(), (low + t_cal).ln());
    let e0 = u_start.exp();
    let (la0, lb0) = logs(u_start, e0);
    let phi0 = phi(u_start, la0, lb0);
    // Σ h, Σ h ln(P/(α+y)), Σ h/(α+y), Σ h ln(Q/(β+y)), Σ h/(β+y), h scaled by e^−φ(u₀).
    let mut sums = [0.0; 5];
    let mut lo = u_start;
    let mut segments = 0;
    while lo < u_end {
        let e_lo = lo.exp();
        let share = |d: f64| (std::f64::consts::E * e_lo / (e_lo + d)).min(1.0);
        let rate = 1.0 + big_a * share(d_alpha) + big_b * share(d_beta);
        let hi = (lo + (12.0 / rate).min(1.0)).min(u_end);
        let (mid, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
        for &(node, weight) in &GAUSS_LEGENDRE {
            for u in [mid - half * node, mid + half * node] {
                let e = u.exp();
                let (la, lb) = logs(u, e);
                let h = weight * half * (phi(u, la, lb) - phi0).exp();
                sums[0] += h;
                sums[1] += h * (ln_p - la);
                sums[2] += h / (e + d_alpha);
                sums[3] += h * (ln_q - lb);
                sums[4] += h / (e + d_beta);
            }
        }
        lo = hi;
        segments += 1;
        // The rest is at most f(y) (max(α, β) + y) / (r + s + x), f the integrand in y.
        let e = lo.exp();
        let (la, lb) = logs(lo, e);
        let rest = (phi(lo, la, lb) - phi0).exp() / e * (high + e - low) / kappa;
        if rest <= 1e-17 * sums[0] || segments > 100_000 {
            break;
        }
    }
    let total = sums[0];
    if !(total > 0.0 && total.is_finite()) || segments > 100_000 {
        return Err(AnalyticsError::Numerical(format!(
            "the Pareto/NBD dropout integral over ({t_x}, {t_cal}] could not be evaluated"
        )));
    }
    let value = s.ln() + phi0 + total.ln() + big_a * ln_p + s * ln_q;
    let grad = [
        sums[1] / total,
        big_a * (1.0 / (alpha + t_cal) - sums[2] / total),
        1.0 / s + sums[3] / total,
        s / (beta + t_cal) - big_b * sums[4] / total,
    ];
    Ok(Dropout::Present(value, grad))
}

#[cfg(test)]
pub(super) fn by_quadrature(p: [f64; 4], x: f64, t_x: f64, t_cal: f64) -> Result<Dropout> {
    quadrature(p, x, t_x, t_cal)
}

#[cfg(test)]
pub(super) fn by_series(p: [f64; 4], x: f64, t_x: f64, t_cal: f64) -> Option<Dropout> {
    Some(combine(
        p,
        x,
        t_x,
        t_cal,
        series(p, x, t_x)?,
        series(p, x, t_cal)?,
    ))
}
