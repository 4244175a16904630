//! The `(x, t_x, T)` triple of a customer's history, and the compressed summary: distinct
//! triples with their counts. Likelihoods depend on a customer only through the triple, so a
//! fit evaluates each distinct triple once; day-level data over a few years has far fewer
//! distinct triples than customers.

use crate::{AnalyticsError, Result};

/// A customer's purchase history as the BTYD models see it: `x` repeat purchases, the last at
/// `t_x`, observed for `T` time units since the first purchase. Valid by construction:
/// `0 ≤ t_x ≤ T`, both finite, and `t_x = 0` when `x = 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmTriple {
    x: u32,
    t_x: f64,
    t_cal: f64,
}

impl RfmTriple {
    /// Checks and builds a triple.
    pub fn new(x: u32, t_x: f64, t_cal: f64) -> Result<Self> {
        let ok = t_x.is_finite() && t_cal.is_finite() && 0.0 <= t_x && t_x <= t_cal;
        if !ok {
            return Err(AnalyticsError::InvalidInput(format!(
                "need 0 <= t_x <= T, both finite; got t_x = {t_x}, T = {t_cal}"
            )));
        }
        if x == 0 && t_x != 0.0 {
            return Err(AnalyticsError::InvalidInput(format!(
                "a customer without repeat purchases has t_x = 0, got {t_x}"
            )));
        }
        // + 0.0 turns −0.0 into 0.0, so equal triples have equal bits.
        Ok(Self {
            x,
            t_x: t_x + 0.0,
            t_cal: t_cal + 0.0,
        })
    }

    /// For values built from integer day spans by [`super::summarize`], valid by construction.
    pub(crate) fn from_parts_unchecked(x: u32, t_x: f64, t_cal: f64) -> Self {
        Self {
            x,
            t_x: t_x + 0.0,
            t_cal: t_cal + 0.0,
        }
    }

    /// Number of repeat purchases.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// Time of the last purchase since the first (recency).
    pub fn t_x(&self) -> f64 {
        self.t_x
    }

    /// Time observed since the first purchase (`T`).
    pub fn t_cal(&self) -> f64 {
        self.t_cal
    }

    pub(crate) fn key(&self) -> (u32, u64, u64) {
        // Bit order is numeric order for non-negative floats.
        (self.x, self.t_x.to_bits(), self.t_cal.to_bits())
    }
}

/// Distinct triples with the number of customers sharing each, sorted by `(x, t_x, T)`.
///
/// It also keeps the distinct time values (t_x and T together) and, per row, the positions of
/// its t_x and T among them, so a likelihood can compute ln(α + t) once per distinct time
/// rather than per row (data measured in days has a few hundred distinct times).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompressedRfm {
    rows: Vec<(RfmTriple, u64)>,
    times: Vec<f64>,
    /// Per row: positions of (t_x, T) in `times`.
    time_index: Vec<(u32, u32)>,
}

impl CompressedRfm {
    /// Groups identical triples.
    pub fn from_triples(triples: impl IntoIterator<Item = RfmTriple>) -> Self {
        Self::group(triples.into_iter().map(|t| (t, 1)).collect())
    }

    /// Builds from triples with counts (duplicates are merged; zero counts are dropped).
    pub fn from_counts(rows: impl IntoIterator<Item = (RfmTriple, u64)>) -> Self {
        Self::group(rows.into_iter().filter(|r| r.1 > 0).collect())
    }

    pub(crate) fn group(mut rows: Vec<(RfmTriple, u64)>) -> Self {
        rows.sort_unstable_by_key(|r| r.0.key());
        let mut out: Vec<(RfmTriple, u64)> = Vec::with_capacity(rows.len());
        for (triple, count) in rows {
            match out.last_mut() {
                Some(last) if last.0.key() == triple.key() => last.1 = last.1.saturating_add(count),
                _ => out.push((triple, count)),
            }
        }
        let mut times: Vec<f64> = out.iter().flat_map(|(t, _)| [t.t_x, t.t_cal]).collect();
        times.sort_unstable_by_key(|t| t.to_bits());
        times.dedup_by_key(|t| t.to_bits());
        let position = |v: f64| {
            times
                .binary_search_by_key(&v.to_bits(), |t| t.to_bits())
                .unwrap_or(0) as u32
        };
        let time_index = out
            .iter()
            .map(|(t, _)| (position(t.t_x), position(t.t_cal)))
            .collect();
        Self {
            rows: out,
            times,
            time_index,
        }
    }

    /// The distinct time values, and per row the positions of its (t_x, T) among them.
    pub(crate) fn time_table(&self) -> (&[f64], &[(u32, u32)]) {
        (&self.times, &self.time_index)
    }

    /// The distinct triples and their counts.
    pub fn rows(&self) -> &[(RfmTriple, u64)] {
        &self.rows
    }

    /// Number of distinct triples.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Position of `triple` in [`Self::rows`], if present (binary search).
    pub fn position(&self, triple: &RfmTriple) -> Option<usize> {
        self.rows
            .binary_search_by_key(&triple.key(), |r| r.0.key())
            .ok()
    }

    /// Number of customers.
    pub fn customers(&self) -> u64 {
        self.rows.iter().fold(0u64, |n, r| n.saturating_add(r.1))
    }

    /// Number of customers with at least one repeat purchase.
    pub fn repeat_customers(&self) -> u64 {
        self.rows
            .iter()
            .filter(|r| r.0.x > 0)
            .fold(0u64, |n, r| n.saturating_add(r.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(x: u32, t_x: f64, t_cal: f64) -> RfmTriple {
        RfmTriple::new(x, t_x, t_cal).unwrap()
    }

    #[test]
    fn triples_are_validated() {
        assert!(RfmTriple::new(1, 2.0, 1.0).is_err());
        assert!(RfmTriple::new(1, -1.0, 1.0).is_err());
        assert!(RfmTriple::new(0, 1.0, 2.0).is_err());
        assert!(RfmTriple::new(1, f64::NAN, 2.0).is_err());
        assert!(RfmTriple::new(1, 1.0, f64::INFINITY).is_err());
        assert!(RfmTriple::new(0, 0.0, 0.0).is_ok());
        assert_eq!(t(0, -0.0, 1.0), t(0, 0.0, 1.0));
    }

    #[test]
    fn groups_identical_triples_in_a_fixed_order() {
        let c = CompressedRfm::from_triples([
            t(1, 2.0, 5.0),
            t(0, 0.0, 5.0),
            t(1, 2.0, 5.0),
            t(0, 0.0, 3.0),
            t(0, -0.0, 5.0),
        ]);
        let rows: Vec<_> = c
            .rows()
            .iter()
            .map(|(t, n)| (t.x(), t.t_x(), t.t_cal(), *n))
            .collect();
        assert_eq!(
            rows,
            vec![(0, 0.0, 3.0, 1), (0, 0.0, 5.0, 2), (1, 2.0, 5.0, 2)]
        );
        assert_eq!((c.customers(), c.repeat_customers(), c.len()), (5, 2, 3));
        assert_eq!(c.position(&t(0, 0.0, 5.0)), Some(1));
        assert_eq!(c.position(&t(0, 0.0, 4.0)), None);
        let (times, index) = c.time_table();
        assert_eq!(times, &[0.0, 2.0, 3.0, 5.0]);
        assert_eq!(index, &[(0, 2), (0, 3), (1, 3)]);
    }

    #[test]
    fn counts_merge_and_zero_counts_vanish() {
        let c = CompressedRfm::from_counts([
            (t(2, 1.0, 4.0), 3),
            (t(2, 1.0, 4.0), 4),
            (t(0, 0.0, 1.0), 0),
        ]);
        assert_eq!(c.rows(), &[(t(2, 1.0, 4.0), 7)]);
        assert!(CompressedRfm::from_counts([]).is_empty());
    }
}
