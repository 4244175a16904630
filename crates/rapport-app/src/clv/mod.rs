//! `rapport clv`: customer lifetime value from a transaction-log file, without a database, for
//! analysts. Reads the log, builds the RFM summary with the literature's conventions, fits a
//! buy-till-you-die purchase model (BG/NBD, MBG/NBD) and the Gamma-Gamma spend model, and
//! gives per customer P(alive), the purchases expected over the horizon and the discounted
//! CLV, plus the fit's parameters, standard errors and (with a holdout period) how well it
//! predicted the holdout.

mod fields;
mod read;
mod write;

use std::path::PathBuf;

use rapport_analytics::{
    AnalyticsError, BgNbd, BgVariant, ClvOptions, CompressedRfm, Fit, GammaGamma, OptimizeOptions,
    ParetoNbd, PurchaseModel, RfmOptions, RfmSummary, SpendObservation, TimeUnit,
    discounted_expected_purchases_all, holdout_diagnostics,
};
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

pub use fields::{Column, Columns, DateFormat};
pub use read::{Log, Summarized, parse_log, read_log};
pub use write::write_customers;

/// What went wrong, told so the analyst can fix the file or the options.
#[derive(Debug, thiserror::Error)]
pub enum ClvError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{file}: no transactions (the file is empty)")]
    Empty { file: String },
    #[error("{file}: {reason}")]
    Column { file: String, reason: String },
    #[error("{file}, line {line}, {field}: {reason}")]
    Line {
        file: String,
        line: u64,
        field: String,
        reason: String,
    },
    #[error("{0}")]
    Options(String),
    #[error("{0}")]
    Model(#[from] AnalyticsError),
}

impl ClvError {
    /// The same error with its line number counted from `base` lines further down.
    fn shifted(self, base: u64) -> ClvError {
        match self {
            ClvError::Line {
                file,
                line,
                field,
                reason,
            } => ClvError::Line {
                file,
                line: line + base,
                field,
                reason,
            },
            other => other,
        }
    }
}

/// The purchase model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    BgNbd,
    MbgNbd,
    ParetoNbd,
}

impl ModelChoice {
    pub fn name(self) -> &'static str {
        match self {
            ModelChoice::BgNbd => "bg-nbd",
            ModelChoice::MbgNbd => "mbg-nbd",
            ModelChoice::ParetoNbd => "pareto-nbd",
        }
    }
}

/// Everything `rapport clv` is asked.
#[derive(Debug, Clone)]
pub struct ClvRequest {
    pub transactions: PathBuf,
    pub columns: Columns,
    pub date_format: DateFormat,
    /// Day number of the last calibration day; the log's last day when absent.
    pub calibration_end: Option<String>,
    pub holdout_end: Option<String>,
    pub unit: TimeUnit,
    pub model: ModelChoice,
    /// In time units.
    pub horizon: u32,
    /// Per time unit.
    pub discount: f64,
}

/// One customer's line of `--out`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerValue {
    pub customer_id: String,
    pub frequency: u32,
    pub recency: f64,
    pub age: f64,
    pub monetary_value: f64,
    pub p_alive: f64,
    pub expected_purchases: f64,
    pub clv: f64,
}

/// The result: the JSON summary (as printed), notes for the analyst, whether the fit
/// converged, and the per-customer values.
#[derive(Debug)]
pub struct ClvReport {
    pub summary: Value,
    pub notes: Vec<String>,
    pub converged: bool,
    pub customers: Vec<CustomerValue>,
    /// Seconds each stage took, in order (for `--timings`).
    pub timings: Vec<(&'static str, f64)>,
}

/// Wall-clock seconds per stage, for analysts who want to know where the time goes.
struct Stopwatch {
    at: std::time::Instant,
    stages: Vec<(&'static str, f64)>,
}

impl Stopwatch {
    fn start() -> Self {
        Self {
            at: std::time::Instant::now(),
            stages: Vec::new(),
        }
    }

    /// Ends the stage `name` (begun when the previous one ended).
    fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.stages.push((name, (now - self.at).as_secs_f64()));
        self.at = now;
    }
}

/// Reads the log and runs the whole analysis.
pub fn run(request: &ClvRequest) -> Result<ClvReport, ClvError> {
    let mut watch = Stopwatch::start();
    let log = read_log(&request.transactions, &request.columns, request.date_format)?;
    watch.lap("read and parse the log");
    analyse_timed(log, request, watch)
}

/// The analysis of a log already read.
pub fn analyse(log: Log, request: &ClvRequest) -> Result<ClvReport, ClvError> {
    analyse_timed(log, request, Stopwatch::start())
}

fn analyse_timed(
    log: Log,
    request: &ClvRequest,
    mut watch: Stopwatch,
) -> Result<ClvReport, ClvError> {
    let mut notes = Vec::new();
    let last_day = log.last_day.ok_or_else(|| ClvError::Empty {
        file: request.transactions.display().to_string(),
    })?;
    let date = |what: &str, s: &str| {
        fields::day_of(s.trim().as_bytes(), DateFormat::Auto).ok_or_else(|| {
            ClvError::Options(format!(
                "--{what} '{s}' is not a date (YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY)"
            ))
        })
    };
    let calibration_end = match &request.calibration_end {
        Some(s) => date("calibration-end", s)?,
        None => last_day,
    };
    let holdout_end = match &request.holdout_end {
        Some(s) => {
            let end = date("holdout-end", s)?;
            if end <= calibration_end {
                return Err(ClvError::Options(format!(
                    "--holdout-end {} must come after the calibration end {}",
                    iso(end),
                    iso(calibration_end)
                )));
            }
            Some(end)
        }
        None => None,
    };
    if !(request.discount.is_finite() && request.discount > -1.0) {
        return Err(ClvError::Options(format!(
            "--discount {} must be a rate above -1 (0.01 = 1 % per time unit)",
            request.discount
        )));
    }
    let options = RfmOptions {
        calibration_end,
        holdout_end,
        unit: request.unit,
    };
    let Summarized { summary, ids } = log.summarize(&options)?;
    if summary.ignored_transactions > 0 {
        notes.push(match holdout_end {
            Some(end) => format!(
                "{} transactions after the holdout end {} were left out",
                summary.ignored_transactions,
                iso(end)
            ),
            None => format!(
                "{} transactions after the calibration end {} were left out (give --holdout-end to use them as a holdout period)",
                summary.ignored_transactions,
                iso(calibration_end)
            ),
        });
    }
    if summary.excluded_late_customers > 0 {
        notes.push(format!(
            "{} customers whose first purchase is after the calibration end were left out",
            summary.excluded_late_customers
        ));
    }
    watch.lap("RFM summary");
    let (compressed, positions) = summary.compressed_with_positions();
    watch.lap("distinct (x, t_x, T)");
    let fit_options = OptimizeOptions::default();
    let not_identified = |e| match e {
        AnalyticsError::NotIdentified(why) => ClvError::Options(format!(
            "the {} model cannot be identified: {why}; RFM alone is all this log supports",
            request.model.name()
        )),
        other => ClvError::Model(other),
    };
    let (bg, pareto);
    let (model, fitted, names): (&dyn PurchaseModel, &Fit<4>, [&str; 4]) = match request.model {
        ModelChoice::BgNbd | ModelChoice::MbgNbd => {
            let variant = if request.model == ModelChoice::BgNbd {
                BgVariant::BgNbd
            } else {
                BgVariant::MbgNbd
            };
            bg = BgNbd::fit(variant, &compressed, &fit_options).map_err(not_identified)?;
            (&bg.model, &bg.fit, ["r", "alpha", "a", "b"])
        }
        ModelChoice::ParetoNbd => {
            pareto = ParetoNbd::fit(&compressed, &fit_options).map_err(not_identified)?;
            (&pareto.model, &pareto.fit, ["r", "alpha", "s", "beta"])
        }
    };
    if !fitted.converged {
        notes.push(format!(
            "the {} fit did not converge after {} iterations (gradient norm {:.3e}); its parameters are not estimates to rely on",
            request.model.name(),
            fitted.iterations,
            fitted.gradient_norm
        ));
    }
    watch.lap("purchase model fit");
    let spend = fit_spend(&summary, &fit_options, &mut notes);
    watch.lap("spend model fit");
    let per_triple = triple_values(
        model,
        &compressed,
        f64::from(request.horizon),
        &ClvOptions {
            horizon: request.horizon,
            discount_rate: request.discount,
        },
    )?;
    watch.lap("P(alive), expected purchases, CLV");
    let customers = customer_values(&summary, ids, &positions, &per_triple, spend.as_ref());
    watch.lap("per customer values");
    let holdout = match holdout_end {
        Some(end) => Some(holdout_json(model, &summary, calibration_end, end)?),
        None => None,
    };
    let summary_json = json!({
        "model": request.model.name(),
        "time_unit": unit_name(request.unit),
        "calibration_end": iso(calibration_end),
        "customers": compressed.customers(),
        "repeat_customers": compressed.repeat_customers(),
        "params": named(&names, &fitted.params),
        "std_errors": fitted.std_errors.map(|se| named(&names, &se)),
        "log_likelihood": fitted.log_likelihood,
        "converged": fitted.converged,
        "iterations": fitted.iterations,
        "spend_model": spend.as_ref().map(|s| json!({
            "params": named(&["p", "q", "gamma"], &s.fit.params),
            "std_errors": s.fit.std_errors.map(|se| named(&["p", "q", "gamma"], &se)),
            "log_likelihood": s.fit.log_likelihood,
            "customers": s.customers,
            "converged": s.fit.converged,
        })),
        "horizon": request.horizon,
        "discount": request.discount,
        "total_clv": customers.iter().map(|c| c.clv).sum::<f64>(),
        "holdout": holdout,
    });
    watch.lap("holdout diagnostics and summary");
    Ok(ClvReport {
        summary: summary_json,
        notes,
        converged: fitted.converged,
        customers,
        timings: watch.stages,
    })
}

/// The fitted spend model and how many customers it was fitted on.
pub(crate) struct Spend {
    pub(crate) model: GammaGamma,
    pub(crate) fit: Fit<3>,
    pub(crate) customers: usize,
}

/// Fits Gamma-Gamma on the repeat customers with a positive mean repeat spend; customers
/// whose repeat purchases net to zero or less (returns) are left out with a note. Without a
/// usable fit, CLV falls back to each customer's own mean spend (said in a note).
pub(crate) fn fit_spend(
    summary: &RfmSummary,
    options: &OptimizeOptions,
    notes: &mut Vec<String>,
) -> Option<Spend> {
    let mut observations = Vec::new();
    let mut returns = 0;
    for c in summary.customers.iter().filter(|c| c.frequency > 0) {
        match SpendObservation::new(c.frequency, c.monetary) {
            Ok(o) => observations.push(o),
            Err(_) => returns += 1,
        }
    }
    if returns > 0 {
        notes.push(format!(
            "{returns} repeat customers with a zero or negative mean spend (returns) were left out of the spend model"
        ));
    }
    match GammaGamma::fit(&observations, options) {
        Ok(f) => {
            if !f.fit.converged {
                notes.push(
                    "the Gamma-Gamma spend fit did not converge; CLV uses each customer's own mean spend".into(),
                );
                return None;
            }
            Some(Spend {
                model: f.model,
                fit: f.fit,
                customers: observations.len(),
            })
        }
        Err(e) => {
            notes.push(format!(
                "no spend model ({e}); CLV uses each customer's own mean spend"
            ));
            None
        }
    }
}

/// P(alive), expected purchases over `horizon` time units and discounted expected purchases
/// (as `clv_options` say), once per distinct (x, t_x, T), with the work the models can share
/// between rows shared (the series of customers with the same x and T are summed once).
pub(crate) fn triple_values(
    model: &dyn PurchaseModel,
    compressed: &CompressedRfm,
    horizon: f64,
    clv_options: &ClvOptions,
) -> Result<Vec<[f64; 3]>, AnalyticsError> {
    let p_alive = model.p_alive_all(compressed)?;
    let discounted = discounted_expected_purchases_all(model, compressed, clv_options)?;
    let mut if_alive: FxHashMap<(u32, u64), f64> = FxHashMap::default();
    let mut out = Vec::with_capacity(p_alive.len());
    for (((h, _), p), d) in compressed.rows().iter().zip(&p_alive).zip(&discounted) {
        let key = (h.x(), h.t_cal().to_bits());
        let e = match if_alive.get(&key) {
            Some(e) => *e,
            None => {
                let e = model.expected_purchases_if_alive(horizon, h.x(), h.t_cal())?;
                if_alive.insert(key, e);
                e
            }
        };
        out.push([*p, p * e, *d]);
    }
    Ok(out)
}

/// Each customer's values; `ids` (per customer number) are moved into them.
fn customer_values(
    summary: &RfmSummary,
    mut ids: Vec<String>,
    positions: &[u32],
    per_triple: &[[f64; 3]],
    spend: Option<&Spend>,
) -> Vec<CustomerValue> {
    summary
        .customers
        .iter()
        .zip(positions)
        .filter_map(|(c, &position)| {
            let [p_alive, expected, discounted] = *per_triple.get(position as usize)?;
            let per_purchase = match spend {
                Some(s) => s
                    .model
                    .conditional_expected_spend(c.frequency, c.monetary.max(0.0))
                    .unwrap_or(c.monetary),
                None => c.monetary,
            };
            Some(CustomerValue {
                customer_id: ids
                    .get_mut(c.customer as usize)
                    .map(std::mem::take)
                    .unwrap_or_default(),
                frequency: c.frequency,
                recency: c.recency,
                age: c.age,
                monetary_value: c.monetary,
                p_alive,
                expected_purchases: expected,
                clv: discounted * per_purchase,
            })
        })
        .collect()
}

fn holdout_json(
    model: &dyn PurchaseModel,
    summary: &RfmSummary,
    calibration_end: i64,
    holdout_end: i64,
) -> Result<Value, ClvError> {
    let d = holdout_diagnostics(model, summary)?;
    Ok(json!({
        "calibration_end": iso(calibration_end),
        "holdout_end": iso(holdout_end),
        "length": d.holdout_length,
        "customers": d.customers,
        "actual_repeat_purchases": d.actual,
        "predicted_repeat_purchases": d.predicted,
        "by_frequency": d.buckets.iter().map(|b| json!({
            "frequency": b.label(),
            "customers": b.customers,
            "actual": b.actual,
            "predicted": b.predicted,
            "mean_actual": b.mean_actual(),
            "mean_predicted": b.mean_predicted(),
        })).collect::<Vec<_>>(),
    }))
}

/// `{"name": value, ...}` for parameter names and their values.
pub(crate) fn named(names: &[&str], values: &[f64]) -> Value {
    Value::Object(
        names
            .iter()
            .zip(values)
            .map(|(n, v)| (n.to_string(), json!(v)))
            .collect(),
    )
}

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Day => "day",
        TimeUnit::Week => "week",
        TimeUnit::Month => "month",
    }
}

/// A day number (days since 1970-01-01) as an ISO date.
fn iso(day: i64) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(day)))
        .map(|d| d.to_string())
        .unwrap_or_else(|| format!("day {day}"))
}
