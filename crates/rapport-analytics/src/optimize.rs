//! Maximum likelihood for models with a few positive parameters: BFGS on the log-parameters
//! with a strong-Wolfe line search, and standard errors from the observed information.
//!
//! Method (Nocedal & Wright, *Numerical Optimization*, 2nd ed., 2006): the quasi-Newton BFGS
//! update of the inverse Hessian (§6.1, eq. 6.17) with the initial scaling of eq. 6.20, and the
//! line search of Algorithms 3.5/3.6 (bracketing, then zoom with safeguarded quadratic
//! interpolation) for the strong Wolfe conditions with c₁ = 10⁻⁴, c₂ = 0.9; near the optimum,
//! where f no longer changes measurably, the approximate Wolfe conditions of Hager & Zhang
//! (2005) let the gradient keep shrinking.
//!
//! Robustness: the search runs on θ = ln(parameter), so every trial point is positive; a step
//! whose objective or gradient is not finite, or that leaves |θ| ≤ 40, is treated as "too far"
//! and shortened; one step changes no log-parameter by more than 5; a failed line search restarts
//! from steepest descent once before giving up. The objective is divided by the total weight
//! (number of customers), so tolerances mean the same for 100 or 10⁷ customers.
//!
//! Convergence: the largest gradient component with respect to θ of the per-customer negative
//! log-likelihood is at most `gradient_tolerance` (or no further decrease is possible at machine
//! precision and that gradient is at most √`gradient_tolerance`), *and* the observed
//! information is positive definite there, so the point is a strict local maximum rather than a
//! ridge or a run towards 0 or ∞. Otherwise the [`Fit`] says `converged: false` and carries the
//! best point found; nothing is NaN.

use crate::{AnalyticsError, Result};

/// Limits of the optimiser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimizeOptions {
    /// Most BFGS iterations.
    pub max_iterations: usize,
    /// Stop when max |∂(−LL / n) / ∂ ln θᵢ| is below this.
    pub gradient_tolerance: f64,
    /// A decrease of the per-customer objective smaller than this (relative) counts as none.
    pub relative_tolerance: f64,
}

impl Default for OptimizeOptions {
    fn default() -> Self {
        Self {
            max_iterations: 1000,
            gradient_tolerance: 1e-9,
            relative_tolerance: 1e-15,
        }
    }
}

/// The result of a maximum-likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit<const N: usize> {
    /// Estimates, in the model's natural parameterisation.
    pub params: [f64; N],
    /// Total log-likelihood at the estimates.
    pub log_likelihood: f64,
    pub iterations: usize,
    /// Stationary point with positive definite observed information (see the module docs).
    pub converged: bool,
    /// max |∂(−LL / n) / ∂ ln θᵢ| at the estimates.
    pub gradient_norm: f64,
    /// Standard errors from the inverse observed information; `None` when the Hessian of the
    /// negative log-likelihood is not positive definite (or not finite) at the estimates.
    pub std_errors: Option<[f64; N]>,
}

/// The total negative log-likelihood and its gradient in the natural parameters, or `None`
/// where either is not finite.
pub type Objective<'a, const N: usize> = dyn Fn(&[f64; N]) -> Option<(f64, [f64; N])> + 'a;

const THETA_MAX: f64 = 40.0;
const MAX_LOG_STEP: f64 = 5.0;
const C1: f64 = 1e-4;
const C2: f64 = 0.9;

/// Minimises `neg_ll` (total over `weight` customers) from `start` (all positive) and reports
/// the fit with standard errors.
pub fn maximize_likelihood<const N: usize>(
    neg_ll: &Objective<'_, N>,
    start: [f64; N],
    weight: f64,
    options: &OptimizeOptions,
) -> Result<Fit<N>> {
    if !(weight.is_finite() && weight > 0.0) {
        return Err(AnalyticsError::EmptyInput("no customer weight to fit on"));
    }
    let eval = |theta: &[f64; N]| -> Option<(f64, [f64; N])> {
        if theta.iter().any(|t| !t.is_finite() || t.abs() > THETA_MAX) {
            return None;
        }
        let p = theta.map(f64::exp);
        let (f, g) = neg_ll(&p)?;
        let gt: [f64; N] = std::array::from_fn(|i| g[i] * p[i] / weight);
        (f.is_finite() && gt.iter().all(|v| v.is_finite())).then_some((f / weight, gt))
    };
    let mut theta = start.map(f64::ln);
    let (mut f, mut g) = eval(&theta).ok_or_else(|| {
        AnalyticsError::Numerical(format!(
            "the likelihood is not finite at the start {start:?}"
        ))
    })?;
    let mut h = identity::<N>();
    let mut h_is_identity = true;
    let mut iterations = 0;
    let mut stalled = false;
    while iterations < options.max_iterations && norm(&g) > options.gradient_tolerance {
        iterations += 1;
        let mut d = mat_vec(&h, &g).map(|v| -v);
        if dot(&g, &d) >= 0.0 {
            h = identity();
            h_is_identity = true;
            d = g.map(|v| -v);
        }
        let alpha0 = 1f64.min(MAX_LOG_STEP / norm(&d));
        let Some((alpha, f_new, g_new)) = line_search(&eval, &theta, f, &g, &d, alpha0) else {
            if h_is_identity || norm(&g) <= options.gradient_tolerance.sqrt() {
                stalled = true;
                break;
            }
            h = identity();
            h_is_identity = true;
            continue;
        };
        let s: [f64; N] = d.map(|v| alpha * v);
        let y: [f64; N] = std::array::from_fn(|i| g_new[i] - g[i]);
        let sy = dot(&s, &y);
        if sy > 1e-12 * norm2(&s) * norm2(&y) {
            if h_is_identity {
                let scale = sy / dot(&y, &y);
                h = identity::<N>().map(|row| row.map(|v| v * scale));
            }
            bfgs_update(&mut h, &s, &y, sy);
            h_is_identity = false;
        }
        let decrease = f - f_new;
        theta = std::array::from_fn(|i| theta[i] + s[i]);
        f = f_new;
        g = g_new;
        if decrease <= options.relative_tolerance * f.abs().max(1.0) && norm(&s) < 1e-10 {
            stalled = true;
            break;
        }
    }
    let gradient_norm = norm(&g);
    let params = theta.map(f64::exp);
    let std_errors = hessian(neg_ll, &params).and_then(|hm| standard_errors(&hm));
    let stationary = gradient_norm <= options.gradient_tolerance
        || (stalled && gradient_norm <= options.gradient_tolerance.sqrt());
    // A flat gradient without positive curvature is a ridge or a run to the edge of the
    // parameter space (estimates heading for 0 or ∞), not a maximum.
    let converged = stationary && std_errors.is_some();
    Ok(Fit {
        params,
        log_likelihood: -f * weight,
        iterations,
        converged,
        gradient_norm,
        std_errors,
    })
}

/// Size beyond which both parameters of a mixing distribution count as running to infinity.
pub const COLLAPSE: f64 = 1e4;

/// Why a fit that did not converge cannot be identified, when the reason is a mixing
/// distribution that collapsed: both parameters of one of `pairs` (indices into the
/// parameters, and what the distribution spreads, e.g. "dropout probability") ran past
/// [`COLLAPSE`]. The likelihood then keeps rising towards a model in which that quantity is
/// the same for every customer, a boundary the model cannot reach, so there is no maximum to
/// report (small or homogeneous data does this).
pub fn collapsed_mixing<const N: usize>(
    fit: &Fit<N>,
    names: &[&str; N],
    pairs: &[(usize, usize, &str)],
) -> Option<String> {
    if fit.converged {
        return None;
    }
    pairs.iter().find_map(|&(i, j, what)| {
        let (p, q) = (fit.params[i], fit.params[j]);
        (p > COLLAPSE && q > COLLAPSE).then(|| {
            format!(
                "the {what} hardly varies between customers: {} and {} run towards infinity \
                 ({} = {p:.3e}, {} = {q:.3e}), so its spread cannot be estimated from this data \
                 (more customers or a longer history would tell)",
                names[i], names[j], names[i], names[j]
            )
        })
    })
}

/// Strong-Wolfe line search along `d` (Nocedal & Wright Alg. 3.5). Returns the step, value
/// and gradient, or `None` when no decrease was found.
fn line_search<const N: usize>(
    eval: &Objective<'_, N>,
    theta: &[f64; N],
    f0: f64,
    g0: &[f64; N],
    d: &[f64; N],
    alpha0: f64,
) -> Option<(f64, f64, [f64; N])> {
    let slope0 = dot(g0, d);
    let at = |alpha: f64| eval(&std::array::from_fn(|i| theta[i] + alpha * d[i]));
    let alpha_max = MAX_LOG_STEP / norm(d);
    let mut prev = Point {
        alpha: 0.0,
        f: f0,
        slope: slope0,
        g: *g0,
    };
    let mut alpha = alpha0;
    for i in 0..50 {
        let Some((f, g)) = at(alpha) else {
            return zoom(&at, f0, slope0, d, prev, alpha, f64::INFINITY);
        };
        let slope = dot(&g, d);
        if approximately_wolfe(f0, slope0, f, slope) {
            return Some((alpha, f, g));
        }
        if f > f0 + C1 * alpha * slope0 || (i > 0 && f >= prev.f) {
            return zoom(&at, f0, slope0, d, prev, alpha, f);
        }
        if slope.abs() <= -C2 * slope0 {
            return Some((alpha, f, g));
        }
        let here = Point { alpha, f, slope, g };
        if slope >= 0.0 {
            return zoom(&at, f0, slope0, d, here, prev.alpha, prev.f);
        }
        if alpha >= alpha_max {
            return Some((alpha, f, g)); // sufficient decrease at the longest allowed step
        }
        prev = here;
        alpha = (2.0 * alpha).min(alpha_max);
    }
    (prev.alpha > 0.0).then_some((prev.alpha, prev.f, prev.g))
}

#[derive(Clone, Copy)]
struct Point<const N: usize> {
    alpha: f64,
    f: f64,
    slope: f64,
    g: [f64; N],
}

/// Zoom between `lo` (sufficient decrease holds) and `hi` (Nocedal & Wright Alg. 3.6).
fn zoom<const N: usize>(
    at: &dyn Fn(f64) -> Option<(f64, [f64; N])>,
    f0: f64,
    slope0: f64,
    d: &[f64; N],
    mut lo: Point<N>,
    mut hi: f64,
    mut f_hi: f64,
) -> Option<(f64, f64, [f64; N])> {
    for _ in 0..60 {
        let width = hi - lo.alpha;
        // Stop once the bracket cannot change f by more than its rounding noise.
        if width.abs() <= 1e-16 * hi.abs().max(lo.alpha.abs())
            || width.abs() * slope0.abs() <= 1e-3 * noise(f0)
        {
            break;
        }
        // Minimiser of the quadratic through f(lo), f'(lo), f(hi), kept inside the bracket.
        let mut alpha = lo.alpha + 0.5 * width;
        if f_hi.is_finite() {
            let denom = 2.0 * (f_hi - lo.f - lo.slope * width);
            if denom > 0.0 {
                let step = -lo.slope * width * width / denom;
                let t = (step / width).clamp(0.1, 0.9);
                alpha = lo.alpha + t * width;
            }
        }
        match at(alpha) {
            None => {
                hi = alpha;
                f_hi = f64::INFINITY;
            }
            Some((f, g)) => {
                if approximately_wolfe(f0, slope0, f, dot(&g, d)) {
                    return Some((alpha, f, g));
                }
                if f > f0 + C1 * alpha * slope0 || f >= lo.f {
                    hi = alpha;
                    f_hi = f;
                } else {
                    let slope = dot(&g, d);
                    if slope.abs() <= -C2 * slope0 {
                        return Some((alpha, f, g));
                    }
                    if slope * (hi - lo.alpha) >= 0.0 {
                        hi = lo.alpha;
                        f_hi = lo.f;
                    }
                    lo = Point { alpha, f, slope, g };
                }
            }
        }
    }
    (lo.alpha > 0.0 && lo.f < f0).then_some((lo.alpha, lo.f, lo.g))
}

/// Rounding noise of an objective value: sums over many customers are not exact to the last
/// bit, so changes below this are not measurable.
fn noise(f0: f64) -> f64 {
    1e-12 * f0.abs().max(1.0)
}

/// The approximate Wolfe conditions of Hager & Zhang (2005, SIAM J. Optim. 16(1), 170–192):
/// near the minimum, where f changes by less than its rounding noise, accept a step that keeps
/// f within the noise and satisfies the curvature condition, so the gradient can still be
/// driven to zero.
fn approximately_wolfe(f0: f64, slope0: f64, f: f64, slope: f64) -> bool {
    f <= f0 + noise(f0) && slope.abs() <= -C2 * slope0 && slope <= -(1.0 - 2.0 * C1) * slope0
}

/// Hessian of the total negative log-likelihood in the natural parameters, by central
/// differences of the analytic gradient (relative step 10⁻⁵), symmetrised.
pub fn hessian<const N: usize>(
    neg_ll: &Objective<'_, N>,
    params: &[f64; N],
) -> Option<[[f64; N]; N]> {
    let mut h = [[0.0; N]; N];
    for j in 0..N {
        let step = 1e-5 * params[j];
        let mut up = *params;
        let mut down = *params;
        up[j] += step;
        down[j] -= step;
        let (_, gu) = neg_ll(&up)?;
        let (_, gd) = neg_ll(&down)?;
        let width = up[j] - down[j];
        for i in 0..N {
            h[i][j] = (gu[i] - gd[i]) / width;
        }
    }
    let symmetric: [[f64; N]; N] =
        std::array::from_fn(|i| std::array::from_fn(|j| 0.5 * (h[i][j] + h[j][i])));
    symmetric
        .iter()
        .flatten()
        .all(|v| v.is_finite())
        .then_some(symmetric)
}

/// Square roots of the diagonal of the inverse of `hessian`, or `None` when it is not
/// positive definite (Cholesky fails) or the result is not finite.
pub fn standard_errors<const N: usize>(hessian: &[[f64; N]; N]) -> Option<[f64; N]> {
    // Cholesky: H = L Lᵀ.
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s: f64 = hessian[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    // (H⁻¹)ᵢᵢ = ‖L⁻¹ eᵢ‖²: solve L v = eᵢ by forward substitution.
    let mut se = [0.0; N];
    for (i, out) in se.iter_mut().enumerate() {
        let mut v = [0.0; N];
        for r in i..N {
            let known: f64 = (i..r).map(|k| l[r][k] * v[k]).sum();
            v[r] = (if r == i { 1.0 } else { 0.0 } - known) / l[r][r];
        }
        *out = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    }
    se.iter().all(|v| v.is_finite()).then_some(se)
}

fn identity<const N: usize>() -> [[f64; N]; N] {
    std::array::from_fn(|i| std::array::from_fn(|j| if i == j { 1.0 } else { 0.0 }))
}

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Max-norm.
fn norm<const N: usize>(a: &[f64; N]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn norm2<const N: usize>(a: &[f64; N]) -> f64 {
    dot(a, a).sqrt()
}

fn mat_vec<const N: usize>(m: &[[f64; N]; N], v: &[f64; N]) -> [f64; N] {
    std::array::from_fn(|i| dot(&m[i], v))
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / (yᵀ s).
fn bfgs_update<const N: usize>(h: &mut [[f64; N]; N], s: &[f64; N], y: &[f64; N], sy: f64) {
    let rho = 1.0 / sy;
    let hy = mat_vec(h, y);
    let yhy = dot(y, &hy);
    for i in 0..N {
        for j in 0..N {
            h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

/// Likelihood sums over at least this many terms are split into [`SUM_PARTS`] parts.
const PARALLEL_TERMS: usize = 16_384;
/// Parts a long likelihood sum is split into, each on a thread of its own. A fixed number, not
/// the machine's core count, so a fit gives the same bits on every machine.
const SUM_PARTS: usize = 4;

/// `part` over `0..len` cut into consecutive ranges (one range for short inputs, else
/// [`SUM_PARTS`] computed on as many threads), the results in order; callers add them in
/// that order, so a sum does not depend on which thread finished first.
pub(crate) fn in_parts<T: Send>(
    len: usize,
    part: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    if len < PARALLEL_TERMS {
        return vec![part(0..len)];
    }
    let bounds = |i: usize| i * len / SUM_PARTS;
    std::thread::scope(|s| {
        let part = &part;
        let others: Vec<_> = (1..SUM_PARTS)
            .map(|i| s.spawn(move || part(bounds(i)..bounds(i + 1))))
            .collect();
        let mut results = vec![part(0..bounds(1))];
        results.extend(
            others
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        results
    })
}

/// The sum of likelihood values and gradients computed in parts (see [`in_parts`]), `None`
/// when any part is.
pub(crate) fn sum_in_parts<const N: usize>(
    len: usize,
    part: impl Fn(std::ops::Range<usize>) -> Option<(f64, [f64; N])> + Sync,
) -> Option<(f64, [f64; N])> {
    in_parts(len, part)
        .into_iter()
        .try_fold((0.0, [0.0; N]), |(ll, grad), p| {
            let (l, g) = p?;
            Some((ll + l, std::array::from_fn(|i| grad[i] + g[i])))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_in_parts_cover_every_term_once_in_order() {
        assert_eq!(in_parts(10, |r| r), vec![0..10]);
        let len = PARALLEL_TERMS * 3 + 7;
        let ranges = in_parts(len, |r| r);
        assert_eq!(ranges.len(), SUM_PARTS);
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges[SUM_PARTS - 1].end, len);
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
        let terms: Vec<f64> = (0..len).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let (sum, grad) = sum_in_parts(len, |r| {
            Some((terms[r.clone()].iter().sum(), [r.len() as f64]))
        })
        .unwrap();
        assert_eq!(grad, [len as f64]);
        assert!((sum - terms.iter().sum::<f64>()).abs() < 1e-12);
        assert!(sum_in_parts::<1>(len, |r| (r.start == 0).then_some((0.0, [0.0]))).is_none());
    }

    /// Negative log-likelihood of i.i.d. Gamma(k, rate) observations, with gradient.
    fn gamma_nll(data: &[f64]) -> impl Fn(&[f64; 2]) -> Option<(f64, [f64; 2])> + '_ {
        use crate::special::{digamma, ln_gamma};
        move |p: &[f64; 2]| {
            let (k, rate) = (p[0], p[1]);
            let n = data.len() as f64;
            let sum: f64 = data.iter().sum();
            let sum_ln: f64 = data.iter().map(|x| x.ln()).sum();
            let ll = n * (k * rate.ln() - ln_gamma(k)) + (k - 1.0) * sum_ln - rate * sum;
            let dk = n * (rate.ln() - digamma(k)) + sum_ln;
            let dr = n * k / rate - sum;
            Some((-ll, [-dk, -dr]))
        }
    }

    #[test]
    fn fits_a_gamma_sample() {
        let data: Vec<f64> = (1..=200)
            .map(|i| 0.5 + ((i * 37) % 101) as f64 / 25.0)
            .collect();
        let f = gamma_nll(&data);
        let fit =
            maximize_likelihood(&f, [1.0, 1.0], data.len() as f64, &Default::default()).unwrap();
        assert!(fit.converged, "{fit:?}");
        // At the MLE the rate equals k / mean (first-order condition in the rate).
        let mean = data.iter().sum::<f64>() / data.len() as f64;
        assert!((fit.params[1] - fit.params[0] / mean).abs() < 1e-8 * fit.params[1]);
        let se = fit.std_errors.unwrap();
        assert!(se.iter().all(|s| *s > 0.0 && s.is_finite()));
    }

    #[test]
    fn rosenbrock_in_log_space() {
        // f(ln x, ln y) with minimum at x = y = 1: a curved valley.
        let f = |p: &[f64; 2]| {
            let (x, y) = (p[0], p[1]);
            let v = 100.0 * (y - x * x).powi(2) + (1.0 - x).powi(2);
            Some((
                v,
                [
                    -400.0 * x * (y - x * x) - 2.0 * (1.0 - x),
                    200.0 * (y - x * x),
                ],
            ))
        };
        let fit = maximize_likelihood(&f, [0.2, 3.0], 1.0, &Default::default()).unwrap();
        assert!(fit.converged);
        assert!(
            (fit.params[0] - 1.0).abs() < 1e-6 && (fit.params[1] - 1.0).abs() < 1e-6,
            "{fit:?}"
        );
    }

    #[test]
    fn running_out_of_iterations_is_reported() {
        let data = [1.0, 2.0, 3.5, 0.7];
        let f = gamma_nll(&data);
        let options = OptimizeOptions {
            max_iterations: 1,
            ..Default::default()
        };
        let fit = maximize_likelihood(&f, [50.0, 0.01], 4.0, &options).unwrap();
        assert!(!fit.converged);
        assert_eq!(fit.iterations, 1);
        assert!(fit.log_likelihood.is_finite() && fit.params.iter().all(|p| p.is_finite()));
    }

    #[test]
    fn unbounded_objectives_stop_without_nan() {
        // Decreasing forever as x → ∞: the box stops it, the fit says it did not converge.
        let f = |p: &[f64; 1]| Some((-p[0].ln(), [-1.0 / p[0]]));
        let fit = maximize_likelihood(&f, [1.0], 1.0, &Default::default()).unwrap();
        assert!(!fit.converged);
        assert!(fit.params[0].is_finite() && fit.log_likelihood.is_finite());
    }

    #[test]
    fn non_finite_start_is_an_error() {
        let f = |_: &[f64; 1]| None;
        assert!(matches!(
            maximize_likelihood(&f, [1.0], 1.0, &Default::default()),
            Err(AnalyticsError::Numerical(_))
        ));
        let g = |p: &[f64; 1]| Some((p[0], [1.0]));
        assert!(maximize_likelihood(&g, [1.0], 0.0, &Default::default()).is_err());
    }

    #[test]
    fn standard_errors_need_positive_definite_hessians() {
        assert_eq!(
            standard_errors(&[[4.0, 0.0], [0.0, 0.25]]),
            Some([0.5, 2.0])
        );
        assert_eq!(standard_errors(&[[1.0, 2.0], [2.0, 1.0]]), None);
        let se = standard_errors(&[[2.0, 1.0], [1.0, 2.0]]).unwrap();
        // inverse = [[2, −1], [−1, 2]] / 3
        assert!((se[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15 && (se[1] - se[0]).abs() < 1e-15);
    }
    #[test]
    fn a_collapsed_mixing_distribution_is_named() {
        let fit = Fit {
            params: [0.5, 13.8, 3.1e6, 3.3e7],
            log_likelihood: -520.0,
            iterations: 37,
            converged: false,
            gradient_norm: 1.6e-5,
            std_errors: None,
        };
        let names = ["r", "alpha", "a", "b"];
        let pairs = [(0, 1, "purchase rate"), (2, 3, "dropout probability")];
        let why = collapsed_mixing(&fit, &names, &pairs).unwrap();
        assert!(
            why.starts_with("the dropout probability hardly varies"),
            "{why}"
        );
        assert!(why.contains("a = 3.100e6"), "{why}");
        let fine = Fit {
            converged: true,
            ..fit
        };
        assert_eq!(collapsed_mixing(&fine, &names, &pairs), None);
        let other = Fit {
            params: [0.5, 13.8, 3.1e6, 2.0],
            ..fit
        };
        assert_eq!(collapsed_mixing(&other, &names, &pairs), None);
    }
}
