//! The Gauss hypergeometric term shared by every BG/NBD-family expectation, in a form that
//! stays finite for any history and converges quickly for any window.
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
//! purchase). Two evaluations, chosen per call:
//!
//! **Series in z.** Written as above it overflows for large A (a customer with hundreds of
//! purchases: ₂F₁ grows like (1 − z)^(a − 1 − A)) and is 0/0 at a = 1. Euler's transformation
//! (Abramowitz & Stegun 15.3.3) turns the bracket into `1 − (1 − z)^(a−1) ₂F₁(c − A, a − 1; c; z)`
//! with c = a + b − 1, and pulling the factor (a − 1) out of the series gives
//!
//! ```text
//! G = c · (1 − e^(−(a−1)L)) / (a − 1)
//!     − e^(−(a−1)L) · Σ_{n≥1} (c−A)_n (a)_{n−1} / ((c+1)_{n−1} n!) zⁿ
//! ```
//!
//! with L = ln(1 + s): no large intermediate values, no singularity at a = 1 or at c = 0, and
//! terms that shrink quickly when A is large. It converges for every z < 1, but needs about
//! 40 (1 + s) terms when c is small: 800 for a new CDNOW customer over a year.
//!
//! **Series in w = 1 − z = 1/(1 + s).** For long windows the connection formula A&S 15.3.6
//! (μ = c − A − b = a − 1 − A) gives, with everything that depends only on (a, b, A) computed
//! once per model and history,
//!
//! ```text
//! G = c · [ (1 − w^(a−1))/(a − 1) + w^(a−1) (J₂ − K₂ T₂(w)) − J₁ w^A S₁(w) ]
//! K₂ = Γ(c) Γ(−μ) / (Γ(A) Γ(b)),  J₂ = (1 − K₂)/(a − 1),  J₁ = Γ(c) Γ(μ) / (Γ(c − A) Γ(a)),
//! S₁ = ₂F₁(A, b; 1 − μ; w),  T₂ = (₂F₁(c − A, a − 1; 1 + μ; w) − 1)/(a − 1)
//!    = Σ_{n≥1} (c−A)_n (a)_{n−1} / ((1+μ)_n n!) wⁿ,
//! ```
//!
//! two series whose terms shrink like wⁿ ≤ 2⁻ⁿ. The formula has removable singularities where
//! μ is an integer (the Γ(±μ) poles cancel between the terms) and loses digits to cancellation
//! in J₂ near a = 1, so those parameters, c ≤ 0, and histories for which S₁ is slow (b w large,
//! where the z-series is fast anyway) stay with the z-series, and so does any window where the
//! three parts cancel to less than 1/64 of their size. Both agree to about 1e-13 relative
//! (see the tests); the w-series is what makes CLV over a million customers fast.
//!
//! The coefficients of all three series do not depend on s: an [`Evaluator`] tabulates them
//! once for a history and sums several windows side by side.

use crate::special::{ln_gamma, ln_gamma_signed};
use crate::{AnalyticsError, Result};

/// Most terms summed before giving up (about 20 ms).
const MAX_TERMS: usize = 5_000_000;
/// Above this z the w-series is used where it is available.
const Z_SWITCH: f64 = 0.6;
/// The w-series is used only while b w is below this (S₁ then needs fewer than ~60 terms).
const MAX_B_W: f64 = 8.0;
/// The w-series is not used when μ is closer than this to an integer...
const MIN_MU_GAP: f64 = 0.01;
/// ... or a closer than this to 1 (J₂ = (1 − K₂)/(a − 1) loses digits).
const MIN_A_GAP: f64 = 0.02;
/// The w-series result is used only if its parts add up to at most this multiple of it.
const MAX_CANCELLATION: f64 = 64.0;

/// `G(a, b, A, s)` (see the module docs) for a, b, A > 0 and s ≥ 0, all finite.
pub(crate) fn beta_mixture_expectation(a: f64, b: f64, big_a: f64, s: f64) -> Result<f64> {
    BetaMixture::new(a, b, big_a).evaluator().at(s)
}

/// `G(a, b, A, ·)` with the window-independent constants of the w-series computed once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BetaMixture {
    a: f64,
    b: f64,
    big_a: f64,
    connection: Option<Connection>,
}

/// The constants of the w-series (see the module docs).
#[derive(Debug, Clone, Copy)]
struct Connection {
    c: f64,
    mu: f64,
    /// K₂ and J₂.
    k2: f64,
    j2: f64,
    /// ln |J₁| and its sign (0 where 1/Γ(c − A) vanishes).
    ln_j1: f64,
    sign_j1: f64,
}

impl BetaMixture {
    /// For a, b, A > 0, all finite.
    pub(crate) fn new(a: f64, b: f64, big_a: f64) -> Self {
        Self {
            a,
            b,
            big_a,
            connection: Connection::new(a, b, big_a),
        }
    }

    /// An evaluator that keeps the coefficients of its series, which do not depend on s, so
    /// that evaluating many windows costs one multiply-add per term and window.
    pub(crate) fn evaluator(&self) -> Evaluator {
        let Self { a, b, big_a, .. } = *self;
        let c = a + b - 1.0;
        let (t2, s1) = match self.connection {
            Some(Connection { mu, .. }) => (
                // T₂ = Σ_{n≥1} (c−A)_n (a)_{n−1} / ((1+μ)_n n!) wⁿ
                Table::new((c - big_a) / (1.0 + mu), c - big_a, a - 1.0, 1.0 + mu),
                // S₁ − 1 = Σ_{n≥1} (A)_n (b)_n / ((1−μ)_n n!) wⁿ
                Table::new(big_a * b / (1.0 - mu), big_a, b, 1.0 - mu),
            ),
            None => (Table::empty(), Table::empty()),
        };
        Evaluator {
            mixture: *self,
            // Σ_{n≥1} (c−A)_n (a)_{n−1} / ((c+1)_{n−1} n!) zⁿ: first c − A, ratios
            // (c−A+n)(a+n−1) / ((c+n)(n+1)).
            z: Table::new(c - big_a, c - big_a, a - 1.0, c),
            t2,
            s1,
        }
    }
}

/// Evaluates `G(a, b, A, s)` for any number of windows s of one [`BetaMixture`].
#[derive(Debug, Clone)]
pub(crate) struct Evaluator {
    mixture: BetaMixture,
    z: Table,
    t2: Table,
    s1: Table,
}

/// Windows evaluated together: independent dependency chains keep the FPU busy.
const LANES: usize = 4;

impl Evaluator {
    /// `G(a, b, A, s)` for s ≥ 0.
    pub(crate) fn at(&mut self, s: f64) -> Result<f64> {
        Ok(self.lanes([s])?[0])
    }

    /// `G(a, b, A, k / scale)` for k = 1, ..., `horizon` (scale > 0): the values of
    /// [`Self::at`] up to rounding (a series may run a few terms longer for its neighbours),
    /// evaluating neighbouring windows together.
    pub(crate) fn at_windows(&mut self, scale: f64, horizon: u32) -> Result<Vec<f64>> {
        let s: Vec<f64> = (1..=horizon).map(|k| f64::from(k) / scale).collect();
        let mut out = Vec::with_capacity(s.len());
        let mut chunks = s.chunks_exact(LANES);
        for chunk in &mut chunks {
            let lanes: [f64; LANES] = std::array::from_fn(|j| chunk[j]);
            out.extend(self.lanes(lanes)?);
        }
        for &one in chunks.remainder() {
            out.push(self.at(one)?);
        }
        Ok(out)
    }

    /// G at every s of `lanes` (all ≥ 0), by one series for all where they agree on it.
    fn lanes<const N: usize>(&mut self, s: [f64; N]) -> Result<[f64; N]> {
        let BetaMixture { a, b, big_a, .. } = self.mixture;
        let w: [f64; N] = s.map(|s| 1.0 / (1.0 + s));
        let connection = self.mixture.connection;
        let by_w = |w: &f64| connection.is_some() && *w < 1.0 - Z_SWITCH && b * *w <= MAX_B_W;
        let count_w = w.iter().filter(|w| by_w(w)).count();
        if count_w != 0 && count_w != N {
            // The lanes straddle the switch between the series: one at a time.
            let mut out = [0.0; N];
            for (o, s) in out.iter_mut().zip(s) {
                *o = self.at(s)?;
            }
            return Ok(out);
        }
        let values = match connection {
            Some(conn) if count_w == N => conn.eval(a, big_a, s, w, &mut self.t2, &mut self.s1),
            _ => None,
        };
        let values = match values {
            Some(v) => v,
            None => z_series(a, b, big_a, s, &mut self.z)?,
        };
        let mut out = [0.0; N];
        for (o, (v, s)) in out.iter_mut().zip(values.into_iter().zip(s)) {
            // The exact value is positive; rounding can leave a tiny negative residue at s → 0.
            *o = if s == 0.0 { 0.0 } else { v.max(0.0) };
            crate::finite("expected purchases", *o)?;
        }
        Ok(out)
    }
}

/// Σ_{n≥1} cₙ vⁿ for series whose coefficients start at c₁ = `first` and continue with
/// c_{n+1} / cₙ = (p + n)(q + n) / ((d + n)(n + 1)), tabulated as far as they were needed.
#[derive(Debug, Clone)]
struct Table {
    p: f64,
    q: f64,
    d: f64,
    /// (cₙ, c_{n+1} / cₙ) for n = 1, 2, ...
    coefficients: Vec<(f64, f64)>,
}

/// Tables stop growing here; a longer sum falls back to the caller's slow path.
const MAX_TABLE: usize = 100_000;

impl Table {
    fn new(first: f64, p: f64, q: f64, d: f64) -> Self {
        let mut coefficients = Vec::with_capacity(64);
        coefficients.push((first, Self::ratio_at(p, q, d, 1.0)));
        Self {
            p,
            q,
            d,
            coefficients,
        }
    }

    fn empty() -> Self {
        Self {
            p: 0.0,
            q: 0.0,
            d: 1.0,
            coefficients: Vec::new(),
        }
    }

    fn ratio_at(p: f64, q: f64, d: f64, n: f64) -> f64 {
        (p + n) * (q + n) / ((d + n) * (n + 1.0))
    }

    /// The sums at every v (|v| < 1), each stopped once its tail is below 10⁻¹⁷ of it by a
    /// geometric bound (checked every [`STRIDE`] terms, so a few more terms than needed may be
    /// added); `None` if that needs more than [`MAX_TABLE`] terms or a coefficient overflows.
    fn sum<const N: usize>(&mut self, v: [f64; N]) -> Option<[f64; N]> {
        let mut power = [1.0; N];
        let mut sum = [0.0; N];
        let mut term = [0.0; N];
        let mut n = 0;
        loop {
            self.extend_to(n + STRIDE)?;
            for &(c, _) in &self.coefficients[n..n + STRIDE] {
                for j in 0..N {
                    power[j] *= v[j];
                    term[j] = c * power[j];
                    sum[j] += term[j];
                }
            }
            n += STRIDE;
            // The ratio that made the last term; once the ratios are below 1 the tail is
            // bounded by a geometric series.
            let ratio = self.coefficients[n - 2].1;
            let settled = (0..N).all(|j| {
                let bound = (ratio * v[j]).abs().max(v[j].abs());
                term[j] == 0.0
                    || (bound < 1.0 && term[j].abs() <= 1e-17 * sum[j].abs() * (1.0 - bound))
            });
            if settled {
                return Some(sum);
            }
        }
    }

    /// Tabulates the coefficients up to index `len` − 1; `None` past [`MAX_TABLE`] or when a
    /// coefficient overflows.
    fn extend_to(&mut self, len: usize) -> Option<()> {
        if len > MAX_TABLE {
            return None;
        }
        while self.coefficients.len() < len {
            let n = self.coefficients.len();
            let (c, r) = *self.coefficients.last()?;
            let next = c * r;
            if !next.is_finite() {
                return None;
            }
            self.coefficients
                .push((next, Self::ratio_at(self.p, self.q, self.d, (n + 1) as f64)));
        }
        Some(())
    }
}

/// Terms added between two convergence checks.
const STRIDE: usize = 4;

impl Connection {
    fn new(a: f64, b: f64, big_a: f64) -> Option<Self> {
        let c = a + b - 1.0;
        let mu = a - 1.0 - big_a;
        if c.is_nan()
            || c <= 0.0
            || (mu - mu.round()).abs() < MIN_MU_GAP
            || (a - 1.0).abs() < MIN_A_GAP
        {
            return None;
        }
        let ln_c = ln_gamma(c);
        let (ln_gm, sign_gm) = ln_gamma_signed(mu);
        let (ln_gmm, sign_gmm) = ln_gamma_signed(-mu);
        let (ln_gca, sign_gca) = ln_gamma_signed(c - big_a);
        let ln_k2 = ln_c + ln_gmm - ln_gamma(big_a) - ln_gamma(b);
        let k2 = sign_gmm * ln_k2.exp();
        // 1 − K₂ without cancellation where K₂ ≈ 1.
        let j2 = -(sign_gmm * ln_k2.exp_m1() + (sign_gmm - 1.0)) / (a - 1.0);
        let ln_j1 = ln_c + ln_gm - ln_gca - ln_gamma(a);
        let conn = Self {
            c,
            mu,
            k2,
            j2,
            ln_j1: if sign_gca == 0.0 { 0.0 } else { ln_j1 },
            sign_j1: sign_gm * sign_gca,
        };
        [conn.k2, conn.j2, conn.ln_j1]
            .iter()
            .all(|v| v.is_finite())
            .then_some(conn)
    }

    /// G by the w-series at every lane, or `None` if a series does not settle (the caller
    /// falls back).
    fn eval<const N: usize>(
        &self,
        a: f64,
        big_a: f64,
        s: [f64; N],
        w: [f64; N],
        t2: &mut Table,
        s1: &mut Table,
    ) -> Option<[f64; N]> {
        let t2 = t2.sum(w)?;
        let s1 = s1.sum(w)?;
        let bm = a - 1.0;
        let mut out = [0.0; N];
        for j in 0..N {
            let ln1s = s[j].ln_1p();
            let em1 = (-bm * ln1s).exp_m1();
            let part2 = (1.0 + em1) * (self.j2 - self.k2 * t2[j]);
            let part3 = if self.sign_j1 == 0.0 {
                0.0
            } else {
                self.sign_j1 * (self.ln_j1 - big_a * ln1s).exp() * (1.0 + s1[j])
            };
            let first = -em1 / bm;
            out[j] = self.c * (first + part2 - part3);
            // Where the parts cancel, their rounding (ln Γ of large arguments) shows.
            let size = self.c * (first.abs() + part2.abs() + part3.abs());
            if !(out[j].is_finite() && size <= MAX_CANCELLATION * out[j].abs()) {
                return None;
            }
        }
        Some(out)
    }
}

/// G by the z-series (see the module docs), from the table while it suffices.
fn z_series<const N: usize>(
    a: f64,
    b: f64,
    big_a: f64,
    s: [f64; N],
    table: &mut Table,
) -> Result<[f64; N]> {
    let c = a + b - 1.0;
    let z = s.map(|s| s / (1.0 + s));
    let sums = match table.sum(z) {
        Some(sums) => sums,
        None => {
            let mut sums = [0.0; N];
            for j in 0..N {
                sums[j] = z_series_untabulated(a, c, big_a, z[j], s[j])?;
            }
            sums
        }
    };
    let bm = a - 1.0;
    let mut out = [0.0; N];
    for j in 0..N {
        let ln1s = s[j].ln_1p();
        let em1 = (-bm * ln1s).exp_m1();
        let first = if bm == 0.0 { ln1s } else { -em1 / bm };
        out[j] = c * first - (1.0 + em1) * sums[j];
    }
    Ok(out)
}

/// The z-series sum without a table, for windows far beyond the time scale (z → 1).
fn z_series_untabulated(a: f64, c: f64, big_a: f64, z: f64, s: f64) -> Result<f64> {
    let e = c - big_a;
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
    Ok(sum)
}

/// G as this module computed it before the w-series and the tables: the z-series term by term
/// for every window. Kept so that tests can show the fast paths give the same values.
#[cfg(test)]
pub(crate) fn reference_expectation(a: f64, b: f64, big_a: f64, s: f64) -> Result<f64> {
    if s == 0.0 {
        return Ok(0.0);
    }
    let c = a + b - 1.0;
    let z = s / (1.0 + s);
    let ln1s = s.ln_1p();
    let bm = a - 1.0;
    let first = if bm == 0.0 {
        ln1s
    } else {
        -(-bm * ln1s).exp_m1() / bm
    };
    let sum = z_series_untabulated(a, c, big_a, z, s)?;
    Ok((c * first - (-bm * ln1s).exp() * sum).max(0.0))
}

#[cfg(test)]
mod tests;
