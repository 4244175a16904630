//! RFM quintile scores (1–5) and the common 11-segment map.
//!
//! Scores rank customers within one summary:
//! - R from the day of the last calibration purchase: more recent = higher;
//! - F from the number of calibration purchase days;
//! - M from the total calibration spend (first purchase included, so one-time buyers are
//!   ranked too; the BTYD monetary value, which leaves the first purchase out, is for the
//!   spend model).
//!
//! A value's score is `1 + ⌊5 · below / n⌋`, where `below` counts the customers with a strictly
//! smaller value: tied customers share a score (the one of the lowest position of the tie), so
//! the result depends neither on input order nor on ids. With many ties (most customers with
//! one purchase) some scores stay empty; that is the honest quintile of such data.
//!
//! The segment map places R against the combined score FM = ⌈(F + M) / 2⌉ on a 5 × 5 grid, the
//! layout popularised by RFM marketing tools (Champions, Loyal, ... Lost):
//!
//! | R \ FM | 1 | 2 | 3 | 4 | 5 |
//! |---|---|---|---|---|---|
//! | 5 | New | Potential Loyalist | Potential Loyalist | Champions | Champions |
//! | 4 | Promising | Potential Loyalist | Potential Loyalist | Loyal | Champions |
//! | 3 | About to Sleep | About to Sleep | Need Attention | Loyal | Loyal |
//! | 2 | Hibernating | Hibernating | At Risk | At Risk | Can't Lose Them |
//! | 1 | Lost | Lost | At Risk | At Risk | Can't Lose Them |
//!
//! Every cell is reachable from some (R, F, M) and every segment has a cell, so all 11 occur
//! among the 125 score combinations (tested).

use super::RfmSummary;
use crate::{AnalyticsError, Result};

/// The R, F and M scores (each 1–5) of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmScore {
    pub customer: u64,
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

impl RfmScore {
    /// The customer's segment.
    pub fn segment(&self) -> Segment {
        Segment::from_valid_scores(self.r, self.f, self.m)
    }
}

/// The 11 RFM segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    Champions,
    LoyalCustomers,
    PotentialLoyalist,
    NewCustomers,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CantLoseThem,
    Hibernating,
    Lost,
}

impl Segment {
    /// All segments, best first.
    pub const ALL: [Segment; 11] = [
        Self::Champions,
        Self::LoyalCustomers,
        Self::PotentialLoyalist,
        Self::NewCustomers,
        Self::Promising,
        Self::NeedAttention,
        Self::AboutToSleep,
        Self::AtRisk,
        Self::CantLoseThem,
        Self::Hibernating,
        Self::Lost,
    ];

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Champions => "Champions",
            Self::LoyalCustomers => "Loyal",
            Self::PotentialLoyalist => "Potential Loyalist",
            Self::NewCustomers => "New",
            Self::Promising => "Promising",
            Self::NeedAttention => "Need Attention",
            Self::AboutToSleep => "About to Sleep",
            Self::AtRisk => "At Risk",
            Self::CantLoseThem => "Can't Lose Them",
            Self::Hibernating => "Hibernating",
            Self::Lost => "Lost",
        }
    }

    /// The segment of scores `r`, `f`, `m` (each 1–5); see the module docs for the grid.
    pub fn from_scores(r: u8, f: u8, m: u8) -> Result<Self> {
        if [r, f, m].iter().all(|s| (1..=5).contains(s)) {
            Ok(Self::from_valid_scores(r, f, m))
        } else {
            Err(AnalyticsError::InvalidInput(format!(
                "RFM scores must be 1-5, got ({r}, {f}, {m})"
            )))
        }
    }

    fn from_valid_scores(r: u8, f: u8, m: u8) -> Self {
        let fm = (f + m).div_ceil(2);
        match (r, fm) {
            (5, 1) => Self::NewCustomers,
            (4, 1) => Self::Promising,
            (4..=5, 2..=3) => Self::PotentialLoyalist,
            (5, 4..=5) | (4, 5) => Self::Champions,
            (4, 4) | (3, 4..=5) => Self::LoyalCustomers,
            (3, 3) => Self::NeedAttention,
            (3, 1..=2) => Self::AboutToSleep,
            (1..=2, 5) => Self::CantLoseThem,
            (1..=2, 3..=4) => Self::AtRisk,
            (2, 1..=2) => Self::Hibernating,
            _ => Self::Lost, // (1, 1..=2)
        }
    }
}

/// Quintile scores 1–5 of `values` (higher value, higher score), ties sharing the score of
/// their lowest position. NaN ranks above every number (callers pass finite values).
pub fn quintile_scores(values: &[f64]) -> Vec<u8> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&i, &j| values[i].total_cmp(&values[j]).then(i.cmp(&j)));
    let mut scores = vec![0u8; n];
    let mut lo = 0;
    while lo < n {
        let v = values[order[lo]];
        let hi = lo
            + order[lo..]
                .iter()
                .take_while(|&&i| values[i].total_cmp(&v).is_eq())
                .count();
        // 5 · lo / n < 5, so the score is within 1..=5.
        let score = 1 + (5 * lo / n) as u8;
        for &i in &order[lo..hi] {
            scores[i] = score;
        }
        lo = hi;
    }
    scores
}

/// R, F and M scores of every customer in the summary, in the summary's order.
pub fn rfm_scores(summary: &RfmSummary) -> Vec<RfmScore> {
    let c = &summary.customers;
    let r = quintile_scores(&c.iter().map(|c| c.last_day as f64).collect::<Vec<_>>());
    let f = quintile_scores(&c.iter().map(|c| f64::from(c.frequency)).collect::<Vec<_>>());
    let m = quintile_scores(&c.iter().map(|c| c.calibration_spend).collect::<Vec<_>>());
    c.iter()
        .enumerate()
        .map(|(i, c)| RfmScore {
            customer: c.customer,
            r: r[i],
            f: f[i],
            m: m[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rfm::{RfmOptions, TimeUnit, Transaction, summarize};
    use std::collections::BTreeSet;

    fn check(r: u8, f: u8, m: u8, expected: Segment) {
        assert_eq!(
            Segment::from_scores(r, f, m),
            Ok(expected),
            "({r}, {f}, {m})"
        );
    }

    #[test]
    fn grid_examples() {
        check(5, 5, 5, Segment::Champions);
        check(4, 5, 4, Segment::Champions);
        check(4, 4, 4, Segment::LoyalCustomers);
        check(3, 5, 5, Segment::LoyalCustomers);
        check(5, 2, 3, Segment::PotentialLoyalist);
        check(5, 1, 1, Segment::NewCustomers);
        check(4, 1, 1, Segment::Promising);
        check(3, 3, 3, Segment::NeedAttention);
        check(3, 1, 2, Segment::AboutToSleep);
        check(2, 4, 3, Segment::AtRisk);
        check(1, 5, 5, Segment::CantLoseThem);
        check(2, 2, 1, Segment::Hibernating);
        check(1, 1, 2, Segment::Lost);
    }

    #[test]
    fn every_segment_occurs_among_the_125_combinations() {
        let mut seen = BTreeSet::new();
        for r in 1..=5 {
            for f in 1..=5 {
                for m in 1..=5 {
                    seen.insert(Segment::from_scores(r, f, m).unwrap());
                }
            }
        }
        assert_eq!(seen.len(), 11);
        assert_eq!(seen, Segment::ALL.into_iter().collect());
    }

    #[test]
    fn names_are_distinct() {
        let names: BTreeSet<_> = Segment::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), 11);
    }

    #[test]
    fn scores_outside_1_to_5_are_errors() {
        assert!(Segment::from_scores(0, 3, 3).is_err());
        assert!(Segment::from_scores(3, 6, 3).is_err());
    }

    #[test]
    fn quintiles_of_distinct_values() {
        let v: Vec<f64> = (0..10).map(f64::from).rev().collect();
        assert_eq!(quintile_scores(&v), vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        assert!(quintile_scores(&[]).is_empty());
        assert_eq!(quintile_scores(&[3.0]), vec![1]);
    }

    #[test]
    fn ties_share_the_lowest_score() {
        let v = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0];
        assert_eq!(quintile_scores(&v), vec![1, 1, 1, 1, 1, 1, 4, 4, 4, 5]);
    }

    #[test]
    fn more_recent_means_higher_r() {
        let tx = |customer, day, amount| Transaction {
            customer,
            day,
            amount,
        };
        let log = [
            tx(1, 0, 5.0),
            tx(1, 90, 5.0),
            tx(2, 10, 100.0),
            tx(3, 0, 1.0),
            tx(3, 5, 1.0),
            tx(3, 6, 1.0),
        ];
        let opts = RfmOptions {
            calibration_end: 100,
            holdout_end: None,
            unit: TimeUnit::Day,
        };
        let scores = rfm_scores(&summarize(&log, &opts).unwrap());
        let by_id = |id| *scores.iter().find(|s| s.customer == id).unwrap();
        assert!(by_id(1).r > by_id(2).r && by_id(2).r > by_id(3).r);
        assert!(by_id(3).f > by_id(1).f && by_id(1).f > by_id(2).f);
        assert!(by_id(2).m > by_id(1).m && by_id(1).m > by_id(3).m);
    }
}
