//! Prospects: people and companies that showed interest (through search, social media,
//! events or a sales call) but have not bought yet.

use crate::customers::owners_for;
use crate::identity::Directory;
use crate::names::{self, Flavour};
use crate::places::{self, Country};
use crate::rng::{Rng, Stream};

/// A lead not yet won.
#[derive(Debug)]
pub struct Prospect {
    pub id: String,
    pub person: Option<(&'static str, &'static str)>,
    pub name: String,
    pub owner: usize,
    pub country: &'static Country,
    pub flavour: Flavour,
    pub city: &'static str,
    pub email: Option<String>,
    pub phone: String,
    pub channel: usize,
    pub industry: Option<&'static str>,
    pub lead_score: i64,
}

/// `count` prospects (PR0001…): people and companies that showed interest but never bought.
pub fn prospects(seed: u64, count: usize, directory: &mut Directory) -> Vec<Prospect> {
    (0..count)
        .map(|k| {
            let mut rng = Rng::stream(seed, Stream::Prospects, k as u64);
            let country = places::country(&mut rng);
            let flavour = places::flavour(&mut rng, country);
            let (city, area) = rng.pick(country.cities);
            let channel = rng.pick(&[3, 4, 5, 6, 7]);
            let (person, name, industry, email) = if rng.chance(0.6) {
                let (first, last) = names::person_name(&mut rng, flavour);
                let email = rng
                    .chance(0.8)
                    .then(|| directory.email(first, last, "inbox.example"));
                (Some((first, last)), format!("{first} {last}"), None, email)
            } else {
                let (name, industry) =
                    names::company_name(&mut rng, country, flavour, names::TRADES);
                let email = directory.claim("info", &names::company_domain(&name, country));
                (None, name, Some(industry), Some(email))
            };
            Prospect {
                id: format!("PR{:04}", k + 1),
                owner: rng.pick(owners_for(country)),
                phone: places::phone(&mut rng, country, area, directory.phone_serial())
                    .international(),
                lead_score: rng.range(5, 95),
                person,
                name,
                country,
                flavour,
                city,
                email,
                channel,
                industry,
            }
        })
        .collect()
}
