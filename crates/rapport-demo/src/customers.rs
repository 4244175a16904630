//! The customer base: who each customer is (person or organization, country, segment,
//! acquisition channel and date, owner, referrer) and the hidden traits that drive what they
//! do: a purchase rate λ ~ Gamma and a dropout probability p ~ Beta after each purchase
//! (BG/NBD, Fader, Hardie & Lee 2005), both shifted by the acquisition channel, and a
//! propensity to complain. The purchase history is attached by [`crate::orders`]; from it
//! follow each customer's fate and mood, which colour every other touchpoint.

use chrono::NaiveDate;

use crate::calendar::{Stamp, add_days, days_between};
use crate::catalog::{CHANNELS, PARTNER, REFERRAL, RM_CAMILLE, RM_KATHARINA, RM_LUKAS, RM_NIKOS};
use crate::identity::Directory;
use crate::names::{self, Flavour};
use crate::places::{self, Country, Phone};
use crate::rng::{Rng, Stream};

/// How long before the as-of date the oldest customers were acquired.
pub const HISTORY_DAYS: i64 = 3 * 365;

/// Private households and businesses by size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Private,
    Smb,
    Enterprise,
}

impl Segment {
    pub fn code(self) -> &'static str {
        match self {
            Segment::Private => "private",
            Segment::Smb => "smb",
            Segment::Enterprise => "enterprise",
        }
    }
}

/// Where a customer's relationship stands in truth (the company only sees the traces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Still buying, often, and never complained.
    Loyal,
    /// Still buying, at an ordinary pace.
    Steady,
    /// Has silently left within the last half year.
    Fading,
    /// Left more than half a year ago.
    Gone,
}

/// The simulated purchase history of a customer.
#[derive(Debug, Default, Clone)]
pub struct History {
    /// Purchase times, ascending; the first is the acquisition.
    pub purchases: Vec<Stamp>,
    /// Whether the customer dropped out after their last purchase.
    pub dropped: bool,
    /// The total of all order lines.
    pub spend_cents: i64,
    /// Contract products bought in orders: (when, product index).
    pub contract_buys: Vec<(Stamp, usize)>,
}

/// One customer: the visible record and the hidden traits.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    /// First and last name, for persons.
    pub person: Option<(String, String)>,
    pub name: String,
    pub segment: Segment,
    pub industry: Option<&'static str>,
    pub country: &'static Country,
    pub flavour: Flavour,
    pub city: &'static str,
    pub email: Option<String>,
    pub phone: Phone,
    /// The phone number as written in the file (planted duplicates write it differently).
    pub phone_text: Option<String>,
    /// Index into [`CHANNELS`].
    pub channel: usize,
    /// The partner (index among partners) that brought the customer in.
    pub via_partner: Option<usize>,
    pub acquired_on: NaiveDate,
    /// Index into the users.
    pub owner: usize,
    pub referred_by: Option<usize>,
    pub also_partner: bool,
    pub newsletter: bool,
    pub employees: u32,
    /// Expected purchases per day while alive.
    pub rate_per_day: f64,
    /// Probability of dropping out right after each purchase.
    pub dropout: f64,
    pub complains: bool,
    /// For a planted duplicate: the index of the customer it duplicates.
    pub duplicate_of: Option<usize>,
    pub history: History,
    /// When the customer's complaint was opened, once cases are generated.
    pub complaint_on: Option<NaiveDate>,
}

impl Customer {
    pub fn is_business(&self) -> bool {
        self.segment != Segment::Private
    }

    /// The day of the last purchase (the acquisition day if there was none).
    pub fn last_purchase(&self) -> NaiveDate {
        self.history
            .purchases
            .last()
            .map_or(self.acquired_on, |t| t.date())
    }

    pub fn fate(&self, last_day: NaiveDate) -> Fate {
        if self.history.dropped {
            if days_between(self.last_purchase(), last_day) > 180 {
                Fate::Gone
            } else {
                Fate::Fading
            }
        } else if self.rate_per_day * 365.0 >= 3.0
            && self.history.purchases.len() >= 3
            && self.complaint_on.is_none()
        {
            Fate::Loyal
        } else {
            Fate::Steady
        }
    }

    /// The last day the company still hears from the customer: a while after a dropout,
    /// otherwise the as-of date's eve.
    pub fn reachable_until(&self, last_day: NaiveDate) -> NaiveDate {
        if self.history.dropped {
            add_days(self.last_purchase(), 120).min(last_day)
        } else {
            last_day
        }
    }

    /// The customer's mood on `day`, −2..2: steady for those who stay, sliding towards −1.2
    /// over the life of those who leave, with a dip for two months after a complaint.
    pub fn mood(&self, day: NaiveDate, last_day: NaiveDate) -> f64 {
        let base = match self.fate(last_day) {
            Fate::Loyal => 0.9,
            Fate::Steady => 0.35,
            Fate::Fading | Fate::Gone => {
                let life = days_between(self.acquired_on, self.last_purchase()).max(1) as f64;
                let elapsed = days_between(self.acquired_on, day).max(0) as f64;
                0.5 - 1.7 * (elapsed / life).min(1.0)
            }
        };
        let dip = match self.complaint_on {
            Some(opened) if (0..=60).contains(&days_between(opened, day)) => {
                1.5 * (1.0 - days_between(opened, day) as f64 / 60.0)
            }
            _ => 0.0,
        };
        (base - dip).clamp(-2.0, 2.0)
    }
}

/// Which relationship managers look after a country's customers.
pub fn owners_for(country: &Country) -> &'static [usize] {
    match country.code {
        "DE" => &[RM_KATHARINA, RM_KATHARINA, RM_LUKAS],
        "AT" => &[RM_LUKAS],
        "CH" => &[RM_LUKAS, RM_CAMILLE],
        "FR" => &[RM_CAMILLE],
        "GR" => &[RM_NIKOS],
        _ => &[RM_NIKOS, RM_CAMILLE],
    }
}

/// The local parts of companies' general addresses.
const MAILBOXES: &[&str] = &["info", "office", "contact"];

const MAIL_PROVIDERS: &[&str] = &[
    "mailbox.example",
    "webpost.example",
    "netmail.example",
    "inbox.example",
];

/// What a new customer starts from, before the hidden traits are drawn.
struct Draft {
    business: bool,
    channel: usize,
    referred_by: Option<usize>,
    country: &'static Country,
}

fn draft(rng: &mut Rng, earlier: &[Customer], referrers: &[usize]) -> Draft {
    let business = rng.chance(0.3);
    let referred_by = (!referrers.is_empty() && rng.chance(0.05)).then(|| rng.pick(referrers));
    let channel = match referred_by {
        Some(_) => REFERRAL,
        None if business => rng.weighted(
            &CHANNELS
                .iter()
                .map(|c| c.business_weight)
                .collect::<Vec<_>>(),
        ),
        None => rng.weighted(&CHANNELS.iter().map(|c| c.person_weight).collect::<Vec<_>>()),
    };
    // People mostly recommend the company to people near them.
    let country = match referred_by {
        Some(r) if rng.chance(0.8) => earlier[r].country,
        _ => places::country(rng),
    };
    Draft {
        business,
        channel,
        referred_by,
        country,
    }
}

/// The customers, acquired over the [`HISTORY_DAYS`] before `last_day`, numbered in order of
/// acquisition (so every referrer comes earlier), followed by about 1% planted duplicates.
pub fn customers(
    count: usize,
    partners: usize,
    seed: u64,
    last_day: NaiveDate,
    directory: &mut Directory,
) -> Vec<Customer> {
    let first_day = add_days(last_day, -HISTORY_DAYS);
    let mut rng = Rng::stream(seed, Stream::Acquisition, 0);
    // The company grows: later days see more acquisitions.
    let mut offsets: Vec<i64> = (0..count)
        .map(|_| (rng.f64().powf(0.8) * HISTORY_DAYS as f64) as i64)
        .collect();
    offsets.sort_unstable();

    let mut out: Vec<Customer> = Vec::with_capacity(count + count / 50);
    let mut referrers = Vec::new();
    for (i, offset) in offsets.into_iter().enumerate() {
        let mut rng = Rng::stream(seed, Stream::Customer, i as u64);
        let d = draft(&mut rng, &out, &referrers);
        let channel = &CHANNELS[d.channel];
        let flavour = places::flavour(&mut rng, d.country);
        let (city, area) = rng.pick(d.country.cities);
        let phone = places::phone(&mut rng, d.country, area, directory.phone_serial());
        let (person, name, segment, industry, email, employees) = if d.business {
            let (name, industry) = names::company_name(&mut rng, d.country, flavour, names::TRADES);
            let domain = names::company_domain(&name, d.country);
            let mailbox = rng.pick(MAILBOXES);
            let email = directory.claim(mailbox, &domain);
            let enterprise = rng.chance(0.18);
            let employees = if enterprise {
                rng.range(250, 5000)
            } else {
                rng.range(3, 249)
            } as u32;
            let segment = if enterprise {
                Segment::Enterprise
            } else {
                Segment::Smb
            };
            (None, name, segment, Some(industry), Some(email), employees)
        } else {
            let (first, last) = names::person_name(&mut rng, flavour);
            let email = rng.chance(0.9).then(|| {
                let provider = rng.pick(MAIL_PROVIDERS);
                directory.email(first, last, provider)
            });
            let person = Some((first.to_string(), last.to_string()));
            (
                person,
                format!("{first} {last}"),
                Segment::Private,
                None,
                email,
                1,
            )
        };
        let annual = match segment {
            Segment::Private => 2.0,
            Segment::Smb => 3.2,
            Segment::Enterprise => 4.5,
        };
        let rate_year = rng.gamma(1.6, annual / 1.6) * channel.rate;
        let complains = rng.chance(0.08);
        let complaint_factor = if complains { 1.8 } else { 1.0 };
        let dropout = (rng.beta(1.3, 5.5) * channel.dropout * complaint_factor).clamp(0.01, 0.9);
        let phone_text = rng.chance(0.85).then(|| phone.international());
        let customer = Customer {
            id: format!("C{:06}", i + 1),
            person,
            name,
            segment,
            industry,
            country: d.country,
            flavour,
            city,
            email,
            phone,
            phone_text,
            channel: d.channel,
            via_partner: (d.channel == PARTNER && partners > 0).then(|| rng.index(partners)),
            acquired_on: add_days(first_day, offset),
            owner: rng.pick(owners_for(d.country)),
            referred_by: d.referred_by,
            also_partner: d.business && rng.chance(0.04),
            newsletter: rng.chance(0.45),
            employees,
            rate_per_day: rate_year / 365.0,
            dropout,
            complains,
            duplicate_of: None,
            history: History::default(),
            complaint_on: None,
        };
        // Good customers are the ones who recommend the company.
        if customer.dropout < 0.12 && rate_year > annual {
            referrers.push(i);
        }
        out.push(customer);
    }
    plant_duplicates(&mut out, seed, last_day);
    out
}

/// Appends about 1% duplicates: the same person or company again under a new external id,
/// with the e-mail in other letter case, a misspelt name or the phone number typed otherwise.
/// Each buys once, at its own (later) acquisition.
fn plant_duplicates(customers: &mut Vec<Customer>, seed: u64, last_day: NaiveDate) {
    let originals = customers.len();
    let count = (originals + 50) / 100;
    for k in 0..count {
        let mut rng = Rng::stream(seed, Stream::Duplicates, k as u64);
        let of = rng.index(originals);
        let mut dup = customers[of].clone();
        dup.id = format!("C{:06}", originals + k + 1);
        dup.duplicate_of = Some(of);
        dup.referred_by = None;
        dup.via_partner = None;
        dup.also_partner = false;
        dup.channel = rng.pick(&[2, 5, 6]);
        dup.acquired_on = add_days(dup.acquired_on, rng.range(30, 400)).min(last_day);
        dup.rate_per_day = 0.0;
        dup.dropout = 1.0;
        dup.complains = false;
        match k % 3 {
            // Same person, the address typed in other letter case.
            0 if dup.email.is_some() => {
                dup.email = dup.email.map(|e| shout_email(&e));
                dup.phone_text = None;
            }
            // A misspelt name with the phone number typed differently.
            1 => {
                if let Some((first, last)) = dup.person.take() {
                    let last = names::misspell(&mut rng, &last);
                    dup.name = format!("{first} {last}");
                    dup.person = Some((first, last));
                } else {
                    dup.name = names::misspell(&mut rng, &dup.name);
                }
                dup.email = None;
                dup.phone_text = Some(dup.phone.variant(rng.next_u64()));
            }
            // Same name and phone number (typed differently), registered in another city.
            _ => {
                dup.email = None;
                dup.phone_text = Some(dup.phone.variant(rng.next_u64()));
                dup.city = rng.pick(dup.country.cities).0;
            }
        }
        customers.push(dup);
    }
}

/// The same address in other letter case: `Anna.Mueller@Mailbox.example`.
fn shout_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut upper = true;
    for c in email.chars() {
        out.extend(if upper {
            c.to_uppercase().collect::<Vec<_>>()
        } else {
            vec![c]
        });
        upper = matches!(c, '.' | '@');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shouted_emails_differ_only_in_case() {
        assert_eq!(
            shout_email("anna.mueller@mailbox.example"),
            "Anna.Mueller@Mailbox.Example"
        );
    }
}
