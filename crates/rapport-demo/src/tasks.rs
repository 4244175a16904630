//! Follow-up tasks of the relationship managers: welcome calls for new customers (nurture
//! program), check-ins while a signed contract waits for delivery, win-back calls for customers
//! who went quiet, referral requests to loyal customers, and follow-ups with prospects.

use chrono::NaiveDate;

use crate::DemoUser;
use crate::calendar::{add_days, days_between};
use crate::catalog::PRODUCTS;
use crate::contracts::{Contract, Status};
use crate::csv::CsvFile;
use crate::customers::{Customer, Fate};
use crate::prospects::Prospect;
use crate::rng::{Rng, Stream};

pub const HEADER: &[&str] = &[
    "external_id",
    "party_external_id",
    "assignee_email",
    "title",
    "due_on",
    "status",
    "origin",
];

/// Collects tasks and writes them with running ids.
struct Tasks<'a> {
    file: CsvFile,
    users: &'a [DemoUser],
    last_day: NaiveDate,
}

impl Tasks<'_> {
    /// A task; past-due ones are mostly done, some cancelled, some still open.
    fn add(
        &mut self,
        rng: &mut Rng,
        party: &str,
        assignee: usize,
        title: &str,
        due: NaiveDate,
        origin: &str,
    ) {
        let status = if due >= self.last_day {
            "open"
        } else {
            ["done", "cancelled", "open"][rng.weighted(&[0.8, 0.05, 0.15])]
        };
        let id = format!("T{:06}", self.file.rows() + 1);
        self.file
            .text(&id)
            .text(party)
            .text(&self.users[assignee].email)
            .text(title)
            .date(due)
            .text(status)
            .text(origin);
        self.file.end_row();
    }
}

/// The tasks file.
pub fn write(
    customers: &[Customer],
    contracts: &[Contract],
    prospects: &[Prospect],
    users: &[DemoUser],
    seed: u64,
    last_day: NaiveDate,
) -> CsvFile {
    let mut tasks = Tasks {
        file: CsvFile::new(HEADER),
        users,
        last_day,
    };
    let mut rng = Rng::stream(seed, Stream::Tasks, 0);
    let mut contract_at = 0;
    for (i, c) in customers.iter().enumerate() {
        if c.duplicate_of.is_some() {
            continue;
        }
        if days_between(c.acquired_on, last_day) <= 90 {
            let title = format!("Welcome call with {}", c.name);
            tasks.add(
                &mut rng,
                &c.id,
                c.owner,
                &title,
                add_days(c.acquired_on, 7),
                "nurture:welcome",
            );
        }
        while contract_at < contracts.len() && contracts[contract_at].customer <= i {
            let k = &contracts[contract_at];
            contract_at += 1;
            let gap = days_between(k.signed_at.date(), k.delivery_due_at.date());
            if k.customer == i
                && gap > 30
                && days_between(k.signed_at.date(), last_day) <= 365
                && k.status != Status::Withdrawn
            {
                let title = format!("Check in before delivery: {}", PRODUCTS[k.product].name);
                let due = add_days(k.signed_at.date(), (gap / 2).min(45));
                tasks.add(&mut rng, &c.id, c.owner, &title, due, "nurture:waiting");
            }
        }
        match c.fate(last_day) {
            Fate::Fading if rng.chance(0.4) => {
                let title = format!("Win-back call: no purchase since {}", c.last_purchase());
                let due = add_days(last_day, rng.range(-20, 14));
                tasks.add(&mut rng, &c.id, c.owner, &title, due, "manual");
            }
            Fate::Loyal if rng.chance(0.08) => {
                let title = format!("Ask {} for a referral", c.name);
                let due = add_days(last_day, rng.range(-60, 30));
                tasks.add(&mut rng, &c.id, c.owner, &title, due, "manual");
            }
            _ => {}
        }
    }
    for p in prospects {
        if rng.chance(0.5) {
            let title = format!("Follow up with prospect {}", p.name);
            let due = add_days(last_day, rng.range(-30, 21));
            tasks.add(&mut rng, &p.id, p.owner, &title, due, "manual");
        }
    }
    tasks.file
}
