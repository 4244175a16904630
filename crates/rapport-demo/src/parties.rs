//! The parties file that lists everyone: partners and suppliers first, then the customers in order of acquisition
//! (so a referrer always comes before those it referred), the planted duplicates, then the
//! prospects. Lifecycle and tags are what the company can see: recency, live contracts, spend.

use chrono::NaiveDate;

use crate::DemoUser;
use crate::calendar::days_between;
use crate::catalog::{CHANNELS, PRODUCTS};
use crate::contracts::{Contract, Status};
use crate::csv::CsvFile;
use crate::customers::{Customer, Segment};
use crate::names::Flavour;
use crate::partners::Organization;
use crate::prospects::Prospect;

fn language(flavour: Flavour) -> &'static str {
    match flavour {
        Flavour::German => "de",
        Flavour::French => "fr",
        Flavour::Greek => "el",
        Flavour::English => "en",
    }
}

pub const HEADER: &[&str] = &[
    "external_id",
    "kind",
    "name",
    "first_name",
    "last_name",
    "roles",
    "owner_email",
    "lifecycle",
    "acquisition_channel",
    "acquired_on",
    "segment",
    "industry",
    "country",
    "city",
    "email",
    "phone",
    "tags",
    "attributes",
    "referred_by",
];

/// One row of the parties file.
struct Line<'a> {
    id: &'a str,
    person: Option<(&'a str, &'a str)>,
    name: &'a str,
    roles: &'a str,
    owner: &'a str,
    lifecycle: &'a str,
    channel: &'a str,
    acquired_on: Option<NaiveDate>,
    segment: &'a str,
    industry: Option<&'a str>,
    country: &'a str,
    city: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    tags: &'a str,
    attributes: &'a str,
    referred_by: Option<&'a str>,
}

fn write_line(file: &mut CsvFile, l: &Line) {
    file.text(l.id)
        .text(if l.person.is_some() {
            "person"
        } else {
            "organization"
        })
        .text(l.name)
        .opt_text(l.person.map(|p| p.0))
        .opt_text(l.person.map(|p| p.1))
        .text(l.roles)
        .text(l.owner)
        .text(l.lifecycle)
        .text(l.channel)
        .opt_date(l.acquired_on)
        .text(l.segment)
        .opt_text(l.industry)
        .text(l.country)
        .text(l.city)
        .opt_text(l.email)
        .opt_text(l.phone)
        .text(l.tags)
        .text(l.attributes)
        .opt_text(l.referred_by);
    file.end_row();
}

/// What the company sees of a customer's standing: live contracts or recent purchases keep a
/// customer active; a cancellation or long silence marks them churned.
fn lifecycle(
    customer: &Customer,
    live: bool,
    cancelled: bool,
    last_day: NaiveDate,
) -> &'static str {
    let silence = days_between(customer.last_purchase(), last_day);
    if live || silence <= 270 {
        "active"
    } else if silence > 540 || (cancelled && silence > 180) {
        "churned"
    } else {
        "inactive"
    }
}

fn customer_tags(customer: &Customer, referrals: u32) -> String {
    let mut tags = Vec::new();
    let vip_from = if customer.is_business() {
        2_000_000
    } else {
        250_000
    };
    if customer.history.spend_cents >= vip_from {
        tags.push("vip");
    }
    if customer.segment == Segment::Enterprise {
        tags.push("key_account");
    }
    if customer.is_business()
        && customer
            .history
            .contract_buys
            .iter()
            .any(|(_, p)| PRODUCTS[*p].sku == "SKU-INS-CAR")
    {
        tags.push("fleet");
    }
    if referrals > 0 {
        tags.push("referrer");
    }
    if customer.via_partner.is_some() {
        tags.push("partner_lead");
    }
    tags.join(";")
}

/// The parties file.
pub fn write(
    orgs: &[Organization],
    customers: &[Customer],
    prospects: &[Prospect],
    contracts: &[Contract],
    users: &[DemoUser],
    last_day: NaiveDate,
) -> CsvFile {
    let mut file = CsvFile::new(HEADER);
    for o in orgs {
        let tags = if o.quality < -0.5 {
            "under_review"
        } else if o.quality > 1.0 {
            "preferred"
        } else {
            ""
        };
        let attributes = format!(
            "{{\"payment_terms_days\":{},\"scorecard\":\"quarterly\"}}",
            if o.segment == "enterprise" { 60 } else { 30 }
        );
        let lifecycle = if o.quality < -1.0 {
            "inactive"
        } else {
            "active"
        };
        write_line(
            &mut file,
            &Line {
                id: &o.id,
                person: None,
                name: &o.name,
                roles: o.roles,
                owner: &users[o.owner].email,
                lifecycle,
                channel: "",
                acquired_on: Some(o.since),
                segment: o.segment,
                industry: Some(o.industry),
                country: o.country.code,
                city: o.city,
                email: Some(&o.email),
                phone: Some(&o.phone),
                tags,
                attributes: &attributes,
                referred_by: None,
            },
        );
    }
    let mut live = vec![false; customers.len()];
    let mut cancelled = vec![false; customers.len()];
    for c in contracts {
        live[c.customer] |= c.status.is_live();
        cancelled[c.customer] |= c.status == Status::Cancelled;
    }
    let mut referrals = vec![0u32; customers.len()];
    for c in customers {
        if let Some(r) = c.referred_by {
            referrals[r] += 1;
        }
    }
    for (i, c) in customers.iter().enumerate() {
        let mut attributes = format!(
            "{{\"newsletter\":{},\"preferred_language\":\"{}\"",
            c.newsletter,
            language(c.flavour)
        );
        if c.is_business() {
            attributes.push_str(&format!(",\"employees\":{}", c.employees));
        }
        if let Some(p) = c.via_partner {
            attributes.push_str(&format!(",\"partner\":\"{}\"", orgs[p].id));
        }
        attributes.push('}');
        let person = c.person.as_ref().map(|(f, l)| (f.as_str(), l.as_str()));
        let roles = if c.also_partner {
            "customer;partner"
        } else {
            "customer"
        };
        let lifecycle = lifecycle(c, live[i], cancelled[i], last_day);
        let tags = customer_tags(c, referrals[i]);
        write_line(
            &mut file,
            &Line {
                id: &c.id,
                person,
                name: &c.name,
                roles,
                owner: &users[c.owner].email,
                lifecycle,
                channel: CHANNELS[c.channel].code,
                acquired_on: Some(c.acquired_on),
                segment: c.segment.code(),
                industry: c.industry,
                country: c.country.code,
                city: c.city,
                email: c.email.as_deref(),
                phone: c.phone_text.as_deref(),
                tags: &tags,
                attributes: &attributes,
                referred_by: c.referred_by.map(|r| customers[r].id.as_str()),
            },
        );
    }
    for p in prospects {
        let attributes = format!(
            "{{\"lead_score\":{},\"preferred_language\":\"{}\"}}",
            p.lead_score,
            language(p.flavour)
        );
        let segment = if p.person.is_some() { "private" } else { "smb" };
        write_line(
            &mut file,
            &Line {
                id: &p.id,
                person: p.person,
                name: &p.name,
                roles: "prospect",
                owner: &users[p.owner].email,
                lifecycle: "prospect",
                channel: CHANNELS[p.channel].code,
                acquired_on: None,
                segment,
                industry: p.industry,
                country: p.country.code,
                city: p.city,
                email: p.email.as_deref(),
                phone: Some(&p.phone),
                tags: "lead",
                attributes: &attributes,
                referred_by: None,
            },
        );
    }
    file
}
