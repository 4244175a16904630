//! The interaction log: calls, e-mails, meetings, visits, chats and letters with customers,
//! prospects, partners and suppliers. Agents log most of the everyday contact, relationship
//! managers the meetings and visits. Sentiment is drawn around the customer's mood on the day,
//! so those who are leaving, and those who just complained, trend negative.

use chrono::NaiveDate;

use crate::DemoUser;
use crate::calendar::{Stamp, add_days, day_between, days_between, office_time};
use crate::catalog::AGENTS;
use crate::csv::CsvFile;
use crate::customers::{Customer, Segment};
use crate::feedback::CaseTouch;
use crate::names::Flavour;
use crate::partners::Organization;
use crate::prospects::Prospect;
use crate::rng::{Rng, Stream};

/// Channel codes with their weights for private and for business customers.
const CHANNELS: [(&str, f64, f64); 6] = [
    ("call", 35.0, 30.0),
    ("email", 30.0, 30.0),
    ("chat", 20.0, 5.0),
    ("visit", 8.0, 15.0),
    ("meeting", 2.0, 20.0),
    ("letter", 5.0, 3.0),
];

const SUBJECTS: &[&str] = &[
    "Question about the invoice",
    "Contract renewal",
    "Product advice",
    "Delivery status",
    "Upgrade options",
    "Claim report",
    "Address change",
    "Payment reminder",
    "Feedback on service",
    "Cross-selling: roadside assistance",
    "Annual review",
];

const NOTES: &[&str] = &[
    "Sent brochure and price list",
    "Customer asked for a callback next week",
    "Explained the cooling-off period, customer satisfied",
    "Customer said: \"I'll think about it\"",
    "Offered a loyalty discount, under consideration",
];

const POSITIVE: &[&str] = &["resolved", "interested", "sale"];
const NEUTRAL: &[&str] = &["info_sent", "follow_up"];
const NEGATIVE: &[&str] = &["unresolved", "escalated", "not_interested"];

/// One interaction waiting to be written.
struct Row {
    at: Stamp,
    user: usize,
    channel: &'static str,
    inbound: bool,
    subject: &'static str,
    notes: Option<&'static str>,
    sentiment: i64,
    outcome: &'static str,
}

pub const HEADER: &[&str] = &[
    "external_id",
    "party_external_id",
    "user_email",
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "notes",
    "sentiment",
    "outcome",
];

/// Everyone the company talks to; complaints sorted by customer.
pub struct Parties<'a> {
    pub customers: &'a [Customer],
    pub complaints: &'a [CaseTouch],
    pub prospects: &'a [Prospect],
    pub orgs: &'a [Organization],
}

/// The interactions file: customers (not the planted duplicates), then prospects, then
/// partners and suppliers.
pub fn write(parties: &Parties, users: &[DemoUser], seed: u64, last_day: NaiveDate) -> CsvFile {
    let mut log = Log::new(users);
    let mut complaint_at = 0;
    for (i, customer) in parties.customers.iter().enumerate() {
        let from = complaint_at;
        while parties
            .complaints
            .get(complaint_at)
            .is_some_and(|c| c.customer == i)
        {
            complaint_at += 1;
        }
        if customer.duplicate_of.is_none() {
            let mut rng = Rng::stream(seed, Stream::Interactions, i as u64);
            log.customer(
                &mut rng,
                customer,
                &parties.complaints[from..complaint_at],
                last_day,
            );
        }
    }
    for (k, p) in parties.prospects.iter().enumerate() {
        let mut rng = Rng::stream(seed, Stream::ProspectInteractions, k as u64);
        log.prospect(&mut rng, &p.id, p.owner, last_day);
    }
    for (k, o) in parties.orgs.iter().enumerate() {
        let mut rng = Rng::stream(seed, Stream::PartnerInteractions, k as u64);
        log.partner(&mut rng, &o.id, o.owner, o.quality, last_day);
    }
    log.finish()
}

/// Writes the interaction log, party by party, each party's interactions in time order.
struct Log<'a> {
    file: CsvFile,
    users: &'a [DemoUser],
    next: usize,
    rows: Vec<Row>,
}

fn outcome(rng: &mut Rng, sentiment: i64) -> &'static str {
    let pool = match sentiment {
        1.. => POSITIVE,
        0 => NEUTRAL,
        _ => NEGATIVE,
    };
    rng.pick(pool)
}

/// The agent who speaks the customer's language, now and then another one.
fn agent(rng: &mut Rng, flavour: Flavour) -> usize {
    let own = match flavour {
        Flavour::French => AGENTS[0],
        Flavour::Greek => AGENTS[1],
        Flavour::German | Flavour::English => AGENTS[2],
    };
    if rng.chance(0.75) {
        own
    } else {
        rng.pick(&AGENTS)
    }
}

impl<'a> Log<'a> {
    fn new(users: &'a [DemoUser]) -> Self {
        Self {
            file: CsvFile::new(HEADER),
            users,
            next: 1,
            rows: Vec::new(),
        }
    }

    /// A customer's contact over their life: about 1.5 a year for households, 3 for small
    /// businesses and 6 for enterprises, plus the complaint and its resolution.
    fn customer(
        &mut self,
        rng: &mut Rng,
        customer: &Customer,
        cases: &[CaseTouch],
        last_day: NaiveDate,
    ) {
        let until = customer.reachable_until(last_day);
        let years = days_between(customer.acquired_on, until).max(0) as f64 / 365.0;
        let per_year = match customer.segment {
            Segment::Private => 1.5,
            Segment::Smb => 3.0,
            Segment::Enterprise => 6.0,
        };
        let business = customer.is_business();
        let count = 1 + rng.poisson(per_year * years);
        for n in 0..count {
            let day = if n == 0 {
                customer.acquired_on
            } else {
                day_between(rng, customer.acquired_on, until)
            };
            let (channel, _, _) = rng.weighted_by(&CHANNELS, |c| if business { c.2 } else { c.1 });
            let personal = channel == "meeting" || (channel == "visit" && business);
            let user = if personal || rng.chance(0.3) {
                customer.owner
            } else {
                agent(rng, customer.flavour)
            };
            let inbound = match channel {
                "call" | "chat" => rng.chance(0.6),
                "email" => rng.chance(0.5),
                "visit" => !business,
                _ => rng.chance(0.15),
            };
            let sentiment = rng
                .normal(customer.mood(day, last_day), 0.7)
                .round()
                .clamp(-2.0, 2.0) as i64;
            let subject = if n == 0 {
                "Welcome"
            } else {
                rng.pick(SUBJECTS)
            };
            let notes = rng.chance(0.25).then(|| rng.pick(NOTES));
            let outcome = if !inbound && channel == "call" && rng.chance(0.15) {
                "no_answer"
            } else {
                outcome(rng, sentiment)
            };
            self.rows.push(Row {
                at: office_time(rng, day),
                user,
                channel,
                inbound,
                subject,
                notes,
                sentiment,
                outcome,
            });
        }
        for case in cases {
            let sentiment = -rng.range(1, 2);
            let user = agent(rng, customer.flavour);
            self.rows.push(Row {
                at: case.opened,
                user,
                channel: "call",
                inbound: true,
                subject: case.subject,
                notes: Some("Complaint logged"),
                sentiment,
                outcome: "escalated",
            });
            if let Some(closed) = case.closed {
                let sentiment = rng.range(-1, 1);
                self.rows.push(Row {
                    at: closed,
                    user: customer.owner,
                    channel: "call",
                    inbound: false,
                    subject: case.subject,
                    notes: None,
                    sentiment,
                    outcome: "resolved",
                });
            }
        }
        self.flush(&customer.id);
    }

    /// A prospect's sales contact: a few outbound calls and e-mails over the last half year.
    fn prospect(&mut self, rng: &mut Rng, id: &str, owner: usize, last_day: NaiveDate) {
        for _ in 0..rng.range(0, 3) {
            let day = day_between(rng, add_days(last_day, -180), last_day);
            let channel = if rng.chance(0.6) { "call" } else { "email" };
            let sentiment = rng.range(-1, 2);
            let outcome = rng.pick(&["interested", "not_interested", "follow_up", "no_answer"]);
            self.rows.push(Row {
                at: office_time(rng, day),
                user: owner,
                channel,
                inbound: false,
                subject: "Introductory offer",
                notes: None,
                sentiment,
                outcome,
            });
        }
        self.flush(id);
    }

    /// A partner's or supplier's contact: reviews, negotiations and escalations, in a tone
    /// set by how well the relationship works (`quality`, about −1..1).
    fn partner(
        &mut self,
        rng: &mut Rng,
        id: &str,
        owner: usize,
        quality: f64,
        last_day: NaiveDate,
    ) {
        const TOPICS: &[(&str, &str)] = &[
            ("Quarterly business review", "meeting"),
            ("Price negotiation", "meeting"),
            ("Late delivery", "call"),
            ("Joint campaign planning", "email"),
            ("Contract renewal talks", "meeting"),
            ("Invoice dispute", "email"),
        ];
        for _ in 0..rng.range(3, 12) {
            let day = day_between(rng, add_days(last_day, -730), last_day);
            let (subject, channel) = rng.pick(TOPICS);
            let sentiment = rng.normal(quality, 0.8).round().clamp(-2.0, 2.0) as i64;
            let outcome = outcome(rng, sentiment);
            self.rows.push(Row {
                at: office_time(rng, day),
                user: owner,
                channel,
                inbound: rng.chance(0.4),
                subject,
                notes: None,
                sentiment,
                outcome,
            });
        }
        self.flush(id);
    }

    fn flush(&mut self, party: &str) {
        self.rows.sort_by_key(|r| r.at);
        for row in self.rows.drain(..) {
            self.file
                .text(&format!("I{:07}", self.next))
                .text(party)
                .text(&self.users[row.user].email)
                .text(row.channel)
                .text(if row.inbound { "inbound" } else { "outbound" })
                .stamp(row.at)
                .text(row.subject)
                .opt_text(row.notes)
                .int(row.sentiment)
                .text(row.outcome);
            self.file.end_row();
            self.next += 1;
        }
    }

    fn finish(self) -> CsvFile {
        self.file
    }
}
