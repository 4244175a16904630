//! The company's partners (car dealers, brokers, phone shops, estate agents who bring in
//! customers) and suppliers, each with an owner and a hidden relationship quality that sets
//! the tone of their interactions.

use chrono::NaiveDate;

use crate::calendar::add_days;
use crate::customers::owners_for;
use crate::identity::Directory;
use crate::names::{self, Flavour};
use crate::places::{self, Country};
use crate::rng::{Rng, Stream};

/// A partner or supplier.
#[derive(Debug)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub roles: &'static str,
    pub owner: usize,
    pub country: &'static Country,
    pub flavour: Flavour,
    pub city: &'static str,
    pub domain: String,
    pub industry: &'static str,
    pub segment: &'static str,
    pub email: String,
    pub phone: String,
    pub since: NaiveDate,
    /// How well the relationship works, about −1.5..1.5 (negative: harmful).
    pub quality: f64,
}

/// `partners` partners (P0001…) and `suppliers` suppliers (S0001…), in business for years.
pub fn organizations(
    seed: u64,
    partners: usize,
    suppliers: usize,
    last_day: NaiveDate,
    directory: &mut Directory,
) -> Vec<Organization> {
    (0..partners + suppliers)
        .map(|k| {
            let mut rng = Rng::stream(seed, Stream::Partners, k as u64);
            let supplier = k >= partners;
            let country = places::country(&mut rng);
            let flavour = places::flavour(&mut rng, country);
            let (city, area) = rng.pick(country.cities);
            let trades = if supplier {
                names::SUPPLIER_TRADES
            } else {
                names::PARTNER_TRADES
            };
            let (name, industry) = names::company_name(&mut rng, country, flavour, trades);
            let domain = names::company_domain(&name, country);
            let roles = match (supplier, rng.chance(0.15)) {
                (true, _) => "supplier",
                (false, true) => "partner;supplier",
                (false, false) => "partner",
            };
            Organization {
                id: if supplier {
                    format!("S{:04}", k - partners + 1)
                } else {
                    format!("P{:04}", k + 1)
                },
                roles,
                owner: rng.pick(owners_for(country)),
                email: {
                    let mailbox = rng.pick(&["info", "office", "sales"]);
                    directory.claim(mailbox, &domain)
                },
                phone: places::phone(&mut rng, country, area, directory.phone_serial())
                    .international(),
                since: add_days(last_day, -rng.range(3 * 365, 8 * 365)),
                segment: if rng.chance(0.3) { "enterprise" } else { "smb" },
                quality: rng.normal(0.4, 0.6).clamp(-1.5, 1.5),
                name,
                country,
                flavour,
                city,
                domain,
                industry,
            }
        })
        .collect()
}
