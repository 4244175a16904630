//! The people at organizations: one to three contacts at every business customer, partner and
//! supplier (two or three at enterprises), each with a job title and a work e-mail address at
//! the organization's domain.

use crate::DemoUser;
use crate::csv::CsvFile;
use crate::customers::{Customer, Segment};
use crate::identity::Directory;
use crate::names::{self, Flavour};
use crate::partners::Organization;
use crate::places::{self, Country};
use crate::rng::{Rng, Stream};

pub const HEADER: &[&str] = &[
    "external_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "organization_external_id",
    "job_title",
    "roles",
    "owner_email",
    "lifecycle",
    "country",
    "city",
    "tags",
];

/// An organization as the contacts file needs it.
struct Employer<'a> {
    id: &'a str,
    domain: String,
    owner: usize,
    country: &'static Country,
    flavour: Flavour,
    city: &'a str,
    large: bool,
}

/// The contacts file.
pub fn write(
    orgs: &[Organization],
    customers: &[Customer],
    users: &[DemoUser],
    seed: u64,
    directory: &mut Directory,
) -> CsvFile {
    let partners = orgs.iter().map(|o| Employer {
        id: &o.id,
        domain: o.domain.clone(),
        owner: o.owner,
        country: o.country,
        flavour: o.flavour,
        city: o.city,
        large: o.segment == "enterprise",
    });
    let businesses = customers
        .iter()
        .filter(|c| c.is_business() && c.duplicate_of.is_none())
        .map(|c| Employer {
            id: &c.id,
            domain: names::company_domain(&c.name, c.country),
            owner: c.owner,
            country: c.country,
            flavour: c.flavour,
            city: c.city,
            large: c.segment == Segment::Enterprise,
        });
    let mut file = CsvFile::new(HEADER);
    for (k, employer) in partners.chain(businesses).enumerate() {
        let mut rng = Rng::stream(seed, Stream::Contacts, k as u64);
        let count = if employer.large {
            rng.range(2, 3)
        } else {
            rng.range(1, 2)
        };
        for _ in 0..count {
            let (first, last) = names::person_name(&mut rng, employer.flavour);
            let email = directory.email(first, last, &employer.domain);
            let (_, area) = rng.pick(employer.country.cities);
            let phone = places::phone(&mut rng, employer.country, area, directory.phone_serial())
                .international();
            let title = rng.pick(names::JOB_TITLES);
            let tags = match title {
                "Managing Director" | "Owner" | "Head of Purchasing" => "decision_maker",
                "Chief Financial Officer" => "decision_maker;billing",
                _ => "",
            };
            let id = format!("K{:06}", file.rows() + 1);
            file.text(&id)
                .text(first)
                .text(last)
                .text(&email)
                .text(&phone)
                .text(employer.id)
                .text(title)
                .text("")
                .text(&users[employer.owner].email)
                .text("active")
                .text(employer.country.code)
                .text(employer.city)
                .text(tags);
            file.end_row();
        }
    }
    file
}
