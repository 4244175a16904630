//! What customers say about the company: complaints (cases) and survey answers. About 8% of
//! customers complain, and complaining customers are more likely to leave (their dropout
//! probability is raised in [`crate::customers`]); a leaver's complaint comes shortly before
//! their last purchase. Survey scores follow the customer's mood on the day they answer, so
//! loyal customers are mostly promoters and leavers mostly detractors.

use chrono::{NaiveDate, TimeDelta};

use crate::calendar::{
    Stamp, add_days, day_between, days_between, end_of_day, leisure_time, office_time,
};
use crate::csv::CsvFile;
use crate::customers::Customer;
use crate::rng::{Rng, Stream};

/// A complaint as the interaction log sees it.
#[derive(Debug, Clone)]
pub struct CaseTouch {
    pub customer: usize,
    pub opened: Stamp,
    pub closed: Option<Stamp>,
    pub subject: &'static str,
}

const SEVERITIES: [(&str, f64, f64); 4] = [
    ("low", 35.0, 72.0),
    ("medium", 40.0, 120.0),
    ("high", 20.0, 168.0),
    ("critical", 5.0, 48.0),
];

const CATEGORIES: [(&str, f64, &[&str]); 4] = [
    (
        "billing",
        30.0,
        &[
            "Charged twice for the same month",
            "Invoice does not match the contract",
            "Direct debit failed, reminder fee charged",
        ],
    ),
    (
        "delivery",
        25.0,
        &[
            "Phone delivered late",
            "Wrong item delivered",
            "Delivery date moved again",
        ],
    ),
    (
        "quality",
        25.0,
        &[
            "Handset defective after two weeks",
            "Claim rejected without explanation",
            "Network drops calls at home",
        ],
    ),
    (
        "service",
        20.0,
        &[
            "Nobody called back",
            "Hotline waiting time over 30 minutes",
            "Unfriendly staff in the shop",
        ],
    ),
];

pub const CASE_HEADER: &[&str] = &[
    "external_id",
    "party_external_id",
    "opened_at",
    "closed_at",
    "severity",
    "category",
    "status",
    "subject",
];

/// The cases file and the complaints, sorted by customer; records each complainer's first
/// complaint day on the customer.
pub fn cases(
    customers: &mut [Customer],
    seed: u64,
    last_day: NaiveDate,
) -> (CsvFile, Vec<CaseTouch>) {
    let mut file = CsvFile::new(CASE_HEADER);
    let mut touches = Vec::new();
    let horizon = end_of_day(last_day);
    for (i, customer) in customers.iter_mut().enumerate() {
        if !customer.complains || customer.duplicate_of.is_some() {
            continue;
        }
        let mut rng = Rng::stream(seed, Stream::Cases, i as u64);
        let until = customer.reachable_until(last_day);
        let first_day = if customer.history.dropped {
            add_days(customer.last_purchase(), -rng.range(0, 60)).max(customer.acquired_on)
        } else {
            day_between(&mut rng, customer.acquired_on, until)
        };
        customer.complaint_on = Some(first_day);
        let count = if rng.chance(0.2) { 2 } else { 1 };
        let mut day = first_day;
        for _ in 0..count {
            let opened = office_time(&mut rng, day);
            let (severity, _, mean_hours) = rng.weighted_by(&SEVERITIES, |s| s.1);
            let (category, _, subjects) = rng.weighted_by(&CATEGORIES, |c| c.1);
            let subject = rng.pick(subjects);
            let closing =
                opened + TimeDelta::minutes((60.0 + rng.exponential(mean_hours) * 60.0) as i64);
            let age = days_between(day, last_day);
            let (status, closed) = if closing > horizon {
                (
                    if rng.chance(0.6) {
                        "in_progress"
                    } else {
                        "open"
                    },
                    None,
                )
            } else if rng.chance(if age > 30 { 0.7 } else { 0.4 }) {
                ("closed", Some(closing))
            } else {
                ("resolved", Some(closing))
            };
            file.text(&format!("CS{:06}", touches.len() + 1))
                .text(&customer.id)
                .stamp(opened)
                .opt_stamp(closed)
                .text(severity)
                .text(category)
                .text(status)
                .text(subject);
            file.end_row();
            touches.push(CaseTouch {
                customer: i,
                opened,
                closed,
                subject,
            });
            day = add_days(day, rng.range(20, 200));
            if day > until {
                break;
            }
        }
    }
    (file, touches)
}

const PROMOTER_COMMENTS: &[&str] = &[
    "Great service, quick and friendly",
    "My advisor always calls back, thank you!",
    "Handset replacement took one day, \"no questions asked\"",
    "Good value for money",
];
const PASSIVE_COMMENTS: &[&str] = &[
    "OK overall",
    "Fine, but the app could be better",
    "Prices went up, service is still good",
];
const DETRACTOR_COMMENTS: &[&str] = &[
    "Waited far too long on the hotline",
    "Nobody solved my problem, I had to call three times",
    "Too expensive compared to others",
    "Delivery was late, again",
];

pub const SURVEY_HEADER: &[&str] = &[
    "external_id",
    "party_external_id",
    "kind",
    "score",
    "comment",
    "answered_at",
];

/// Survey answers from about 45% of the customers: mostly NPS (0–10), some CSAT (1–5) and
/// CES (1–7, higher meaning easier), each score drawn around the customer's mood that day.
pub fn surveys(customers: &[Customer], seed: u64, last_day: NaiveDate) -> CsvFile {
    let mut file = CsvFile::new(SURVEY_HEADER);
    let mut next = 1;
    for (i, customer) in customers.iter().enumerate() {
        let mut rng = Rng::stream(seed, Stream::Surveys, i as u64);
        if customer.duplicate_of.is_some() || !rng.chance(0.45) {
            continue;
        }
        let from = add_days(customer.acquired_on, 3);
        let until = customer.reachable_until(last_day);
        if from > until {
            continue;
        }
        let count = (1 + rng.poisson(0.5)).min(4);
        let mut answers: Vec<(NaiveDate, &str, i64)> = (0..count)
            .map(|_| {
                let day = day_between(&mut rng, from, until);
                let mood = customer.mood(day, last_day);
                let (kind, score) = match rng.weighted(&[0.65, 0.2, 0.15]) {
                    0 => (
                        "nps",
                        rng.normal(7.8 + 1.8 * mood, 1.2).round().clamp(0.0, 10.0),
                    ),
                    1 => (
                        "csat",
                        rng.normal(3.8 + 0.9 * mood, 0.7).round().clamp(1.0, 5.0),
                    ),
                    _ => (
                        "ces",
                        rng.normal(4.8 + 1.1 * mood, 0.9).round().clamp(1.0, 7.0),
                    ),
                };
                (day, kind, score as i64)
            })
            .collect();
        answers.sort_unstable();
        for (day, kind, score) in answers {
            let share = match kind {
                "nps" => score as f64 / 10.0,
                "csat" => (score - 1) as f64 / 4.0,
                _ => (score - 1) as f64 / 6.0,
            };
            let pool = if share >= 0.85 {
                PROMOTER_COMMENTS
            } else if share >= 0.65 {
                PASSIVE_COMMENTS
            } else {
                DETRACTOR_COMMENTS
            };
            let comment = rng.chance(0.4).then(|| rng.pick(pool));
            file.text(&format!("SV{:07}", next))
                .text(&customer.id)
                .text(kind)
                .int(score)
                .opt_text(comment);
            file.stamp(leisure_time(&mut rng, day));
            file.end_row();
            next += 1;
        }
    }
    file
}
