//! "Nice" axis ticks: evenly spaced round values (steps of 1, 2 or 5 times a power of ten).
//!
//! The approach is Heckbert's "Nice Numbers for Graph Labels" (Graphics Gems, 1990): take the
//! raw step the range asks for, round it up to the next 1-2-5 value, and widen the range to
//! whole steps. Here the step keeps growing until at most `max_ticks` values are needed.

/// A tick step `mantissa × 10^exponent`, kept apart so tick values are computed exactly
/// (0.6, not 0.6000000000000001).
#[derive(Clone, Copy)]
struct Step {
    mantissa: i64,
    exponent: i32,
}

impl Step {
    fn value(self) -> f64 {
        self.at(1)
    }

    /// The `k`-th multiple of the step.
    fn at(self, k: i64) -> f64 {
        let units = (k * self.mantissa) as f64;
        if self.exponent >= 0 {
            units * 10f64.powi(self.exponent)
        } else {
            units / 10f64.powi(-self.exponent)
        }
    }

    /// The next larger step of the 1-2-5 sequence.
    fn grow(self) -> Step {
        match self.mantissa {
            1 => Step {
                mantissa: 2,
                ..self
            },
            2 => Step {
                mantissa: 5,
                ..self
            },
            _ => Step {
                mantissa: 1,
                exponent: self.exponent + 1,
            },
        }
    }
}

/// Largest tick multiple and decimal exponent handled exactly; beyond, the range is returned as is.
const MAX_MULTIPLE: f64 = 1e15;
const MAX_EXPONENT: i32 = 300;
/// Growing the step this often multiplies it by 10^20: more than any finite range needs.
const MAX_GROWTH: usize = 60;
/// Slack for floating-point noise when comparing ratios that should be whole numbers.
const EPSILON: f64 = 1e-9;

/// At most `max_ticks` (at least 2, or 3 when the range has both signs) ascending round values covering `min..=max`, the first at
/// or below `min` and the last at or above `max`; a range that contains 0 has 0 as a tick.
///
/// Not-finite bounds count as 0 and swapped bounds are put in order. An empty range is widened
/// to reach zero (5..5 becomes 0..5, -3..-3 becomes -3..0, 0..0 becomes 0..1), because charts
/// measure from a zero baseline.
pub fn nice_ticks(min: f64, max: f64, max_ticks: usize) -> Vec<f64> {
    let (mut low, mut high) = (finite_or_zero(min), finite_or_zero(max));
    if low > high {
        std::mem::swap(&mut low, &mut high);
    }
    if low == high {
        if low == 0.0 {
            high = 1.0;
        } else if low > 0.0 {
            low = 0.0;
        } else {
            high = 0.0;
        }
    }
    // Zero is always a tick, so a range with both signs needs three.
    let max_ticks = max_ticks.max(if low < 0.0 && high > 0.0 { 3 } else { 2 });
    let raw = (high - low) / (max_ticks - 1) as f64;
    if !raw.is_finite() || raw <= 0.0 {
        return vec![low, high];
    }
    let exponent = raw.log10().floor() as i32;
    if exponent.abs() > MAX_EXPONENT {
        return vec![low, high];
    }
    let mut step = Step {
        mantissa: 1,
        exponent,
    };
    while step.value() < raw * (1.0 - EPSILON) {
        step = step.grow();
    }
    for _ in 0..MAX_GROWTH {
        let first = (low / step.value() + EPSILON).floor();
        let last = (high / step.value() - EPSILON).ceil();
        if first.abs() > MAX_MULTIPLE || last.abs() > MAX_MULTIPLE {
            return vec![low, high];
        }
        let (first, last) = (first as i64, last as i64);
        if last - first < max_ticks as i64 {
            return (first..=last).map(|k| step.at(k)).collect();
        }
        step = step.grow();
    }
    vec![low, high]
}

fn finite_or_zero(value: f64) -> f64 {
    if value.is_finite() { value } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(min: f64, max: f64, max_ticks: usize, expected: &[f64]) {
        assert_eq!(
            nice_ticks(min, max, max_ticks),
            expected,
            "{min}..{max} ≤{max_ticks}"
        );
    }

    #[test]
    fn counts_up_to_a_round_maximum() {
        check(0.0, 97.0, 6, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check(0.0, 100.0, 6, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check(0.0, 97.0, 2, &[0.0, 100.0]);
        check(0.0, 97.0, 3, &[0.0, 50.0, 100.0]);
        check(0.0, 12.0, 6, &[0.0, 5.0, 10.0, 15.0]);
        check(0.0, 4321.0, 5, &[0.0, 2000.0, 4000.0, 6000.0]);
    }

    #[test]
    fn fractions_are_exact() {
        check(0.0, 1.0, 6, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        check(0.0, 0.03, 4, &[0.0, 0.01, 0.02, 0.03]);
        check(0.1, 0.35, 6, &[0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    }

    #[test]
    fn negative_ranges() {
        check(-97.0, 0.0, 6, &[-100.0, -80.0, -60.0, -40.0, -20.0, 0.0]);
        check(-10.0, -3.0, 6, &[-10.0, -8.0, -6.0, -4.0, -2.0]);
        check(-3.0, 7.0, 6, &[-5.0, 0.0, 5.0, 10.0]);
    }

    #[test]
    fn empty_ranges_reach_zero() {
        check(5.0, 5.0, 6, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        check(-3.0, -3.0, 6, &[-3.0, -2.0, -1.0, 0.0]);
        check(0.0, 0.0, 6, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    }

    #[test]
    fn odd_arguments() {
        check(97.0, 0.0, 6, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check(f64::NAN, 97.0, 6, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check(0.0, f64::INFINITY, 6, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        check(0.0, 97.0, 0, &[0.0, 100.0]);
        check(-f64::MAX, f64::MAX, 6, &[-f64::MAX, f64::MAX]);
        check(-5.0, 5.0, 2, &[-5.0, 0.0, 5.0]);
    }

    #[test]
    fn ticks_always_cover_the_range_within_the_limit() {
        let ranges = [
            (0.0, 1e-7),
            (3.3, 3.31),
            (-1e9, 7.0),
            (0.0, 1e300),
            (12.0, 13.0),
        ];
        for (min, max) in ranges {
            for max_ticks in 2..10 {
                let ticks = nice_ticks(min, max, max_ticks);
                let limit = if min < 0.0 && max > 0.0 {
                    max_ticks.max(3)
                } else {
                    max_ticks
                };
                assert!(ticks.len() >= 2 && ticks.len() <= limit, "{ticks:?}");
                assert!(
                    ticks[0] <= min && ticks[ticks.len() - 1] >= max,
                    "{ticks:?}"
                );
                assert!(ticks.windows(2).all(|w| w[0] < w[1]), "{ticks:?}");
            }
        }
    }
}
