//! Rapport's demo company: a mid-sized European insurance and mobile retailer, Northwind
//! Relations GmbH, with its users, products, customers, partners, suppliers, prospects and
//! three years of orders, contracts, interactions, surveys, complaints and tasks, written as
//! CSV files in the import formats of `docs/csv-formats.md`.
//!
//! Pure and deterministic: no IO (except [`write_bench_orders`] into the writer it is given),
//! no clock (the as-of date is passed in), and a hand-written random number generator, so the
//! same [`DemoConfig`] gives byte-identical files in every version.
//!
//! The data is made to be analysed. Purchases follow a buy-till-you-die process with
//! heterogeneous rates and dropout probabilities that depend on the acquisition channel;
//! baskets carry co-purchase patterns; contract withdrawals grow with the wait between signing
//! and delivery; a few cancellation reasons dominate; sentiment, survey scores and complaints
//! follow each customer's fate; about 1% of the customers are planted duplicates.

mod bench;
mod bench_contracts;
mod bench_touchpoints;
mod calendar;
mod catalog;
mod contacts;
mod contracts;
mod csv;
mod customers;
mod feedback;
mod identity;
mod interactions;
mod names;
mod orders;
mod parties;
mod partners;
mod places;
mod prospects;
mod rng;
mod tasks;
#[cfg(test)]
mod tests;

pub use bench::write_bench_orders;
pub use bench_contracts::{
    bench_as_of, bench_customer_id, write_bench_contracts, write_bench_customers,
    write_bench_products, write_bench_reasons,
};
pub use bench_touchpoints::{bench_party_id, write_bench_interactions, write_bench_parties};

use chrono::NaiveDate;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// The number of customers (prospects, partners, suppliers and duplicates come on top).
    pub customers: usize,
    pub seed: u64,
    /// The day the data is as of: every event happens before it.
    pub as_of: NaiveDate,
}

/// A user of the demo organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    /// admin, manager, relationship_manager, agent or viewer.
    pub role: &'static str,
    /// en, de, fr or el.
    pub locale: &'static str,
}

/// One CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// The import kind: `rapport import <kind>`.
    pub kind: &'static str,
    /// The whole file, header included.
    pub csv: String,
    /// The number of data rows.
    pub rows: usize,
}

/// The demo company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCompany {
    pub org_name: String,
    pub users: Vec<DemoUser>,
    /// In import order: products, cancellation-reasons, parties, contacts, orders,
    /// interactions, contracts, surveys, cases, tasks.
    pub files: Vec<DemoFile>,
}

/// Generates the demo company for `config`.
pub fn generate(config: &DemoConfig) -> DemoCompany {
    let seed = config.seed;
    let users = catalog::users();
    let last_day = config.as_of.pred_opt().unwrap_or(config.as_of);
    let mut directory = identity::Directory::default();

    let partner_count = (config.customers / 200).clamp(6, 40);
    let supplier_count = (config.customers / 300).clamp(4, 30);
    let orgs = partners::organizations(
        seed,
        partner_count,
        supplier_count,
        last_day,
        &mut directory,
    );
    let mut customers = customers::customers(
        config.customers,
        partner_count,
        seed,
        last_day,
        &mut directory,
    );
    let prospects = prospects::prospects(seed, config.customers / 10, &mut directory);

    let orders = orders::simulate(&mut customers, seed, last_day);
    let contracts = contracts::generate(&customers, seed, last_day);
    let (cases, complaints) = feedback::cases(&mut customers, seed, last_day);
    let surveys = feedback::surveys(&customers, seed, last_day);

    let interactions = interactions::write(
        &interactions::Parties {
            customers: &customers,
            complaints: &complaints,
            prospects: &prospects,
            orgs: &orgs,
        },
        &users,
        seed,
        last_day,
    );

    let tasks = tasks::write(&customers, &contracts, &prospects, &users, seed, last_day);
    let parties = parties::write(&orgs, &customers, &prospects, &contracts, &users, last_day);
    let contacts = contacts::write(&orgs, &customers, &users, seed, &mut directory);
    let contracts = contracts::write(&contracts, &customers);

    let files = vec![
        catalog::products_csv().finish("products"),
        catalog::reasons_csv().finish("cancellation-reasons"),
        parties.finish("parties"),
        contacts.finish("contacts"),
        orders.finish("orders"),
        interactions.finish("interactions"),
        contracts.finish("contracts"),
        surveys.finish("surveys"),
        cases.finish("cases"),
        tasks.finish("tasks"),
    ];
    DemoCompany {
        org_name: catalog::ORG_NAME.to_string(),
        users,
        files,
    }
}
