//! Deterministic pseudo-random numbers: SplitMix64 seeds xoshiro256**, plus the handful of
//! distributions the demo company needs (uniform, normal, exponential, gamma, beta, Poisson,
//! weighted choice). The algorithms are written out here, not taken from a crate, so the same
//! seed gives byte-identical demo data in every version of Rapport.
//!
//! References: Steele, Lea & Flood, "Fast splittable pseudorandom number generators" (2014) for
//! SplitMix64; Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021) for
//! xoshiro256**; Marsaglia & Tsang, "A simple method for generating gamma variables" (2000);
//! Knuth, TAOCP vol. 2, §3.4.1 for Box–Muller and the small-mean Poisson sampler.

/// One step of SplitMix64: advances `state` and returns the next, well-mixed output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Names an independent stream of random numbers, so adding draws to one concern (say,
/// interactions) leaves every other concern's data unchanged.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Acquisition = 1,
    Customer = 2,
    Orders = 3,
    Contracts = 4,
    Cases = 5,
    Interactions = 6,
    Surveys = 7,
    Tasks = 8,
    Partners = 9,
    Prospects = 10,
    Duplicates = 11,
    Contacts = 12,
    Bench = 13,
    ProspectInteractions = 14,
    PartnerInteractions = 15,
}

/// A xoshiro256** generator.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole state is derived from `seed` by SplitMix64.
    pub fn new(seed: u64) -> Self {
        let mut state = seed;
        let s = [
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
        ];
        Self { s }
    }

    /// The generator for item `index` (a customer, a partner...) of `stream` under `seed`.
    pub fn stream(seed: u64, stream: Stream, index: u64) -> Self {
        let mut state = seed;
        let a = splitmix64(&mut state);
        let mut state = a ^ (stream as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let b = splitmix64(&mut state);
        let mut state = b ^ index.wrapping_mul(0xA076_1D64_78BD_642F);
        Self::new(splitmix64(&mut state))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1]`: safe to take the logarithm of.
    pub fn f64_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2⁻⁶⁴·n). `n == 0` gives 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform index into a slice of length `len`; `len` must not be 0.
    pub fn index(&mut self, len: usize) -> usize {
        debug_assert!(len > 0, "index into an empty slice");
        self.below(len as u64) as usize
    }

    /// Uniform whole number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform real number in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// An element of a non-empty slice, chosen uniformly.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// Normal with the given mean and standard deviation (Box–Muller, one of the pair used).
    pub fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = self.f64_open();
        let u2 = self.f64();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        mean + sd * z
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.f64_open().ln()
    }

    /// Gamma with the given shape k and scale θ (mean kθ), by Marsaglia–Tsang; shapes below 1
    /// use the boost `Gamma(k) = Gamma(k + 1) · U^(1/k)`.
    pub fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        if shape < 1.0 {
            let boost = self.f64_open().powf(1.0 / shape);
            return self.gamma(shape + 1.0, scale) * boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal(0.0, 1.0);
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.f64_open();
            if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v * scale;
            }
        }
    }

    /// Beta(a, b) as `X / (X + Y)` with `X ~ Gamma(a)`, `Y ~ Gamma(b)`.
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        if x + y <= 0.0 { 0.5 } else { x / (x + y) }
    }

    /// Poisson with the given mean: Knuth's product method below 30, a rounded normal above.
    pub fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        if mean >= 30.0 {
            return self.normal(mean, mean.sqrt()).round().max(0.0) as u64;
        }
        let limit = (-mean).exp();
        let mut k = 0;
        let mut product = self.f64_open();
        while product > limit {
            k += 1;
            product *= self.f64_open();
        }
        k
    }

    /// An index chosen with probability proportional to `weights` (all ≥ 0, not all 0).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut target = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if target < *w {
                return i;
            }
            target -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// An element of `items` chosen by the weight `weight_of` gives it.
    pub fn weighted_by<T: Copy>(&mut self, items: &[T], weight_of: impl Fn(&T) -> f64) -> T {
        let total: f64 = items.iter().map(&weight_of).sum();
        let mut target = self.f64() * total;
        for item in items {
            let w = weight_of(item);
            if target < w {
                return *item;
            }
            target -= w;
        }
        items[items.len() - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(n: usize, mut draw: impl FnMut() -> f64) -> f64 {
        (0..n).map(|_| draw()).sum::<f64>() / n as f64
    }

    #[test]
    fn xoshiro_matches_its_reference_sequence() {
        // State {1, 2, 3, 4}: the first outputs of the reference C implementation.
        let mut rng = Rng { s: [1, 2, 3, 4] };
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, vec![11520, 0, 1509978240]);
    }

    #[test]
    fn splitmix_matches_its_reference_sequence() {
        let mut state = 1234567;
        assert_eq!(splitmix64(&mut state), 6457827717110365317);
        assert_eq!(splitmix64(&mut state), 3203168211198807973);
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a = Rng::stream(7, Stream::Orders, 1).next_u64();
        assert_eq!(a, Rng::stream(7, Stream::Orders, 1).next_u64());
        assert_ne!(a, Rng::stream(7, Stream::Orders, 2).next_u64());
        assert_ne!(a, Rng::stream(7, Stream::Contracts, 1).next_u64());
        assert_ne!(a, Rng::stream(8, Stream::Orders, 1).next_u64());
    }

    #[test]
    fn distributions_have_their_means() {
        let mut rng = Rng::new(42);
        let n = 200_000;
        let close = |got: f64, want: f64, tol: f64| {
            assert!((got - want).abs() < tol, "got {got}, want {want}")
        };
        close(mean_of(n, || rng.f64()), 0.5, 0.01);
        close(mean_of(n, || rng.normal(3.0, 2.0)), 3.0, 0.03);
        close(mean_of(n, || rng.exponential(4.0)), 4.0, 0.05);
        close(mean_of(n, || rng.gamma(2.5, 2.0)), 5.0, 0.05);
        close(mean_of(n, || rng.gamma(0.4, 1.0)), 0.4, 0.01);
        close(mean_of(n, || rng.beta(1.0, 4.0)), 0.2, 0.005);
        close(mean_of(n, || rng.poisson(3.5) as f64), 3.5, 0.03);
        close(mean_of(n, || rng.poisson(50.0) as f64), 50.0, 0.1);
        close(mean_of(n, || rng.range(1, 6) as f64), 3.5, 0.02);
        let picks = (0..n).filter(|_| rng.weighted(&[1.0, 3.0]) == 1).count();
        close(picks as f64 / n as f64, 0.75, 0.01);
    }
}
