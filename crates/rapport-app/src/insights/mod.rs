//! Portfolio insights of a score run: the segment overview (each RFM segment's size, health,
//! P(alive) and value, and the recency × frequency grid) and the acquisition insights (counts,
//! retention and CLV by acquisition channel, segment, industry, country and first-purchase
//! cohort, and the profile of the top-decile customers). Computed once per run from its
//! customers and stored with it, so the pages and reports read them without a scan.

mod portfolio;
pub mod report;

pub use portfolio::{
    DEFAULT_MIN_DROP, Portfolio, PortfolioEntry, latest_run, needs_attention, portfolio, run_json,
};

use serde::{Deserialize, Serialize};

/// Largest number of groups kept per dimension; the smaller ones are summed into "other".
pub const MAX_GROUPS: usize = 60;

/// The code of a group whose value is not known (no channel, industry or country recorded).
pub const UNKNOWN: &str = "";

/// The code of the group that sums the smallest groups beyond `MAX_GROUPS`.
pub const OTHER: &str = "*other";

/// The segments of the 11-segment map, in the order the overview lists them.
pub const SEGMENTS: [&str; 11] = [
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose_them",
    "hibernating",
    "lost",
];

/// The dimensions of the acquisition insights, in the order they are shown.
pub const DIMENSIONS: [&str; 5] = ["channel", "segment", "industry", "country", "cohort"];

/// What the insights know about one scored customer. Attribute values are indices into the
/// run's dictionaries, so a million customers cost a few bytes each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerFacts {
    /// Index into `SEGMENTS`.
    pub segment: u8,
    /// RFM recency and frequency scores, 1–5.
    pub r: u8,
    pub f: u8,
    pub churned: bool,
    pub health: f64,
    pub p_alive: Option<f64>,
    pub clv: Option<f64>,
    /// Repeat purchase days.
    pub frequency: u32,
    /// Total spend of the scored period, the first purchase included.
    pub spend: f64,
    /// Weeks since the first purchase.
    pub tenure_weeks: f64,
    /// Health points lost since the previous run (negative: gained); `None` when new.
    pub health_drop: Option<f64>,
    /// Indices into `Dictionaries::values` of channel, industry, country and cohort.
    pub attributes: [u32; 4],
}

/// The distinct attribute values of a run: channel, industry, country and cohort.
#[derive(Debug, Clone, Default)]
pub struct Dictionaries {
    values: [Vec<String>; 4],
    index: [rustc_hash::FxHashMap<String, u32>; 4],
}

impl Dictionaries {
    /// The index of `value` in dimension `dim` (0 channel, 1 industry, 2 country, 3 cohort).
    pub fn intern(&mut self, dim: usize, value: &str) -> u32 {
        if let Some(&i) = self.index[dim].get(value) {
            return i;
        }
        let i = self.values[dim].len() as u32;
        self.values[dim].push(value.to_string());
        self.index[dim].insert(value.to_string(), i);
        i
    }

    fn value(&self, dim: usize, i: u32) -> &str {
        self.values[dim]
            .get(i as usize)
            .map_or(UNKNOWN, String::as_str)
    }
}

/// The first-purchase cohort of a day (days since 1970-01-01): its calendar quarter, "2025-Q3".
pub fn cohort_of(day: i64) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(day)));
    match date {
        Some(d) => {
            use chrono::Datelike;
            format!("{}-Q{}", d.year(), d.month0() / 3 + 1)
        }
        None => UNKNOWN.to_string(),
    }
}

/// Everything the insight pages show of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Insights {
    pub customers: u64,
    /// What ranks customers for the top decile: "clv" when the run has a purchase model, else
    /// "spend" (the scored period's spend).
    pub value_measure: String,
    pub segments: Vec<SegmentStats>,
    /// The recency × frequency grid: 25 cells, r and f from 1 to 5.
    pub grid: Vec<GridCell>,
    pub acquisition: Vec<Dimension>,
    pub top_decile: TopDecile,
    /// Customers whose health fell by at least `DEFAULT_MIN_DROP` points since the previous run.
    #[serde(default)]
    pub needs_attention: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SegmentStats {
    pub segment: String,
    pub customers: u64,
    pub share: f64,
    pub mean_health: Option<f64>,
    pub mean_p_alive: Option<f64>,
    pub mean_clv: Option<f64>,
    pub total_clv: Option<f64>,
    /// The segment's part of the run's total CLV.
    pub clv_share: Option<f64>,
    pub mean_frequency: Option<f64>,
    pub mean_spend: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GridCell {
    pub r: u8,
    pub f: u8,
    pub customers: u64,
    pub mean_clv: Option<f64>,
    pub mean_health: Option<f64>,
}

/// One dimension of the acquisition insights and its groups, largest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Dimension {
    pub dimension: String,
    pub groups: Vec<Group>,
}

/// The customers of one group (e.g. channel "referral").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Group {
    /// The value; `UNKNOWN` for none recorded, `OTHER` for the smallest groups summed.
    pub value: String,
    pub customers: u64,
    pub share: f64,
    /// Share with at least one repeat purchase.
    pub repeat_rate: f64,
    pub mean_p_alive: Option<f64>,
    /// Share classed as churned.
    pub churned_share: f64,
    pub mean_health: f64,
    pub mean_clv: Option<f64>,
    pub total_clv: Option<f64>,
    /// The group's customers in the top decile.
    pub top_decile: u64,
    /// The group's share of the top decile over its share of all customers: above 1 the group
    /// is over-represented among the most valuable customers.
    pub lift: f64,
}

/// The most valuable tenth of the customers against all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TopDecile {
    pub customers: u64,
    /// The lowest value (CLV or spend) in the top decile.
    pub threshold: f64,
    /// The top decile's part of the total value.
    pub value_share: f64,
    pub top: Profile,
    pub all: Profile,
}

/// Means over a set of customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Profile {
    pub mean_value: f64,
    pub mean_frequency: f64,
    pub mean_spend: f64,
    pub mean_tenure_weeks: f64,
    pub mean_health: f64,
    pub mean_p_alive: Option<f64>,
    pub repeat_rate: f64,
}

/// Sums of one set of customers.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: u64,
    health: f64,
    p_alive: f64,
    p_alive_n: u64,
    clv: f64,
    clv_n: u64,
    frequency: f64,
    spend: f64,
    tenure: f64,
    repeat: u64,
    churned: u64,
    top: u64,
}

impl Sums {
    fn add(&mut self, c: &CustomerFacts, top: bool) {
        self.n += 1;
        self.health += c.health;
        if let Some(p) = c.p_alive {
            self.p_alive += p;
            self.p_alive_n += 1;
        }
        if let Some(v) = c.clv {
            self.clv += v;
            self.clv_n += 1;
        }
        self.frequency += f64::from(c.frequency);
        self.spend += c.spend;
        self.tenure += c.tenure_weeks;
        self.repeat += u64::from(c.frequency > 0);
        self.churned += u64::from(c.churned);
        self.top += u64::from(top);
    }

    fn merge(&mut self, o: &Sums) {
        self.n += o.n;
        self.health += o.health;
        self.p_alive += o.p_alive;
        self.p_alive_n += o.p_alive_n;
        self.clv += o.clv;
        self.clv_n += o.clv_n;
        self.frequency += o.frequency;
        self.spend += o.spend;
        self.tenure += o.tenure;
        self.repeat += o.repeat;
        self.churned += o.churned;
        self.top += o.top;
    }

    fn mean(&self, total: f64) -> Option<f64> {
        (self.n > 0).then(|| total / self.n as f64)
    }

    fn mean_p_alive(&self) -> Option<f64> {
        (self.p_alive_n > 0).then(|| self.p_alive / self.p_alive_n as f64)
    }

    fn mean_clv(&self) -> Option<f64> {
        (self.clv_n > 0).then(|| self.clv / self.clv_n as f64)
    }

    fn total_clv(&self) -> Option<f64> {
        (self.clv_n > 0).then_some(self.clv)
    }

    fn share(part: u64, of: u64) -> f64 {
        if of == 0 {
            0.0
        } else {
            part as f64 / of as f64
        }
    }

    fn profile(&self, value: f64) -> Profile {
        let mean = |t: f64| self.mean(t).unwrap_or(0.0);
        Profile {
            mean_value: mean(value),
            mean_frequency: mean(self.frequency),
            mean_spend: mean(self.spend),
            mean_tenure_weeks: mean(self.tenure),
            mean_health: mean(self.health),
            mean_p_alive: self.mean_p_alive(),
            repeat_rate: Sums::share(self.repeat, self.n),
        }
    }
}

/// The value that ranks a customer for the top decile.
fn value_of(c: &CustomerFacts, by_clv: bool) -> f64 {
    let v = if by_clv {
        c.clv.unwrap_or(0.0)
    } else {
        c.spend
    };
    if v.is_finite() { v } else { 0.0 }
}

/// The insights of a run's customers.
pub fn summarize(customers: &[CustomerFacts], dictionaries: &Dictionaries) -> Insights {
    let n = customers.len() as u64;
    let by_clv = customers.iter().any(|c| c.clv.is_some());

    // The top decile: the ceil(n / 10) most valuable customers (ties broken by position, so the
    // decile has exactly that size).
    let top_n = customers.len().div_ceil(10);
    let mut order: Vec<usize> = (0..customers.len()).collect();
    order.sort_by(|&a, &b| {
        value_of(&customers[b], by_clv)
            .total_cmp(&value_of(&customers[a], by_clv))
            .then(a.cmp(&b))
    });
    let mut in_top = vec![false; customers.len()];
    for &i in &order[..top_n] {
        in_top[i] = true;
    }
    let threshold = order
        .get(top_n.wrapping_sub(1))
        .map_or(0.0, |&i| value_of(&customers[i], by_clv));

    let mut all = Sums::default();
    let mut top = Sums::default();
    let (mut all_value, mut top_value) = (0.0, 0.0);
    let mut segments = [Sums::default(); 11];
    let mut grid = [[Sums::default(); 5]; 5];
    // channel, industry, country, cohort by dictionary index; segment separately.
    let mut groups: [Vec<Sums>; 4] = Default::default();
    for (dim, g) in groups.iter_mut().enumerate() {
        *g = vec![Sums::default(); dictionaries.values[dim].len().max(1)];
    }
    for (c, &is_top) in customers.iter().zip(&in_top) {
        let v = value_of(c, by_clv);
        all.add(c, is_top);
        all_value += v;
        if is_top {
            top.add(c, true);
            top_value += v;
        }
        if let Some(s) = segments.get_mut(usize::from(c.segment)) {
            s.add(c, is_top);
        }
        let (r, f) = (
            usize::from(c.r.clamp(1, 5)) - 1,
            usize::from(c.f.clamp(1, 5)) - 1,
        );
        grid[r][f].add(c, is_top);
        for (dim, g) in groups.iter_mut().enumerate() {
            if let Some(s) = g.get_mut(c.attributes[dim] as usize) {
                s.add(c, is_top);
            }
        }
    }

    let segment_stats = SEGMENTS
        .iter()
        .zip(&segments)
        .map(|(code, s)| SegmentStats {
            segment: code.to_string(),
            customers: s.n,
            share: Sums::share(s.n, n),
            mean_health: s.mean(s.health),
            mean_p_alive: s.mean_p_alive(),
            mean_clv: s.mean_clv(),
            total_clv: s.total_clv(),
            clv_share: s
                .total_clv()
                .filter(|_| all.clv.abs() > 0.0)
                .map(|t| t / all.clv),
            mean_frequency: s.mean(s.frequency),
            mean_spend: s.mean(s.spend),
        })
        .collect();

    let grid_cells = (0..5)
        .flat_map(|r| (0..5).map(move |f| (r, f)))
        .map(|(r, f)| {
            let s = &grid[r][f];
            GridCell {
                r: r as u8 + 1,
                f: f as u8 + 1,
                customers: s.n,
                mean_clv: s.mean_clv(),
                mean_health: s.mean(s.health),
            }
        })
        .collect();

    let group = |value: String, s: &Sums| Group {
        value,
        customers: s.n,
        share: Sums::share(s.n, n),
        repeat_rate: Sums::share(s.repeat, s.n),
        mean_p_alive: s.mean_p_alive(),
        churned_share: Sums::share(s.churned, s.n),
        mean_health: s.mean(s.health).unwrap_or(0.0),
        mean_clv: s.mean_clv(),
        total_clv: s.total_clv(),
        top_decile: s.top,
        lift: if s.n == 0 || top.n == 0 {
            0.0
        } else {
            Sums::share(s.top, top.n) / Sums::share(s.n, n)
        },
    };
    // Groups largest first; cohorts in time order, where "other" would sum the oldest.
    let dimension = |name: &str, mut named: Vec<(String, Sums)>| {
        named.retain(|(_, s)| s.n > 0);
        if name == "cohort" {
            named.sort_by(|a, b| b.0.cmp(&a.0));
        } else {
            named.sort_by(|a, b| b.1.n.cmp(&a.1.n).then(a.0.cmp(&b.0)));
        }
        if named.len() > MAX_GROUPS {
            let mut other = Sums::default();
            for (_, s) in named.drain(MAX_GROUPS - 1..) {
                other.merge(&s);
            }
            named.push((OTHER.to_string(), other));
        }
        Dimension {
            dimension: name.to_string(),
            groups: named.iter().map(|(v, s)| group(v.clone(), s)).collect(),
        }
    };
    let from_dictionary = |dim: usize| -> Vec<(String, Sums)> {
        groups[dim]
            .iter()
            .enumerate()
            .map(|(i, s)| (dictionaries.value(dim, i as u32).to_string(), *s))
            .collect()
    };
    let acquisition = vec![
        dimension("channel", from_dictionary(0)),
        dimension(
            "segment",
            SEGMENTS
                .iter()
                .zip(&segments)
                .map(|(c, s)| (c.to_string(), *s))
                .collect(),
        ),
        dimension("industry", from_dictionary(1)),
        dimension("country", from_dictionary(2)),
        dimension("cohort", from_dictionary(3)),
    ];

    Insights {
        needs_attention: customers
            .iter()
            .filter(|c| c.health_drop.is_some_and(|d| d >= DEFAULT_MIN_DROP))
            .count() as u64,
        customers: n,
        value_measure: if by_clv { "clv" } else { "spend" }.to_string(),
        segments: segment_stats,
        grid: grid_cells,
        acquisition,
        top_decile: TopDecile {
            customers: top.n,
            threshold,
            value_share: if all_value.abs() > 0.0 {
                top_value / all_value
            } else {
                0.0
            },
            top: top.profile(top_value),
            all: all.profile(all_value),
        },
    }
}

/// The position of a segment code in `SEGMENTS`.
pub fn segment_index(code: &str) -> Option<u8> {
    SEGMENTS.iter().position(|s| *s == code).map(|i| i as u8)
}

#[cfg(test)]
mod tests;
