//! What the demo company is made of before any customer exists: its users, its products with
//! their co-purchase patterns and contract terms, its cancellation-reason catalogue, and the
//! acquisition channels with the customer value each one brings.

use crate::DemoUser;
use crate::csv::CsvFile;

/// The company's legal name.
pub const ORG_NAME: &str = "Northwind Relations GmbH";

/// Indexes into [`users`] of the relationship managers, who own the portfolios.
pub const RM_KATHARINA: usize = 2;
pub const RM_LUKAS: usize = 3;
pub const RM_CAMILLE: usize = 4;
pub const RM_NIKOS: usize = 5;
/// Indexes into [`users`] of the call-center agents.
pub const AGENTS: [usize; 3] = [6, 7, 8];

/// The company's users: an admin, a manager, four relationship managers, three agents and a viewer.
pub fn users() -> Vec<DemoUser> {
    const DOMAIN: &str = "northwind-demo.example";
    [
        ("anna.berger", "Anna Berger", "admin", "de"),
        ("oliver.grant", "Oliver Grant", "manager", "en"),
        (
            "katharina.vogel",
            "Katharina Vogel",
            "relationship_manager",
            "de",
        ),
        ("lukas.hofer", "Lukas Hofer", "relationship_manager", "de"),
        (
            "camille.dubois",
            "Camille Dubois",
            "relationship_manager",
            "fr",
        ),
        (
            "nikos.papadakis",
            "Nikos Papadakis",
            "relationship_manager",
            "el",
        ),
        ("sophie.laurent", "Sophie Laurent", "agent", "fr"),
        ("eleni.georgiou", "Eleni Georgiou", "agent", "el"),
        ("tom.baker", "Tom Baker", "agent", "en"),
        ("max.keller", "Max Keller", "viewer", "de"),
    ]
    .into_iter()
    .map(|(local, name, role, locale)| DemoUser {
        email: format!("{local}@{DOMAIN}"),
        name: name.to_string(),
        role,
        locale,
    })
    .collect()
}

/// The terms of a product sold as a contract.
#[derive(Debug)]
pub struct ContractTerms {
    /// The cooling-off period in days.
    pub withdrawal_days: i64,
    /// How long one term runs before it renews or expires.
    pub term_months: u32,
    /// The contract value in list prices (12 for a monthly plan sold for a year...).
    pub value_in_prices: i64,
    /// Weights of the signing-to-delivery gap falling in 0–7, 8–30, 31–90 and 91–180 days.
    pub gap_weights: [f64; 4],
    /// Mobile contracts get mobile cancellation reasons, the others insurance ones.
    pub mobile: bool,
}

/// One product of the catalogue.
#[derive(Debug)]
pub struct Product {
    pub sku: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub price_cents: i64,
    /// How often a private customer's order starts with this product.
    pub person_weight: f64,
    /// How often a business customer's order starts with this product.
    pub business_weight: f64,
    /// Whether businesses buy it by the dozen.
    pub bulk: bool,
    /// Products bought together with this one, with the probability of each.
    pub companions: &'static [(&'static str, f64)],
    pub contract: Option<ContractTerms>,
}

#[rustfmt::skip]
const fn contract(withdrawal_days: i64, term_months: u32, value_in_prices: i64, gap_weights: [f64; 4], mobile: bool) -> Option<ContractTerms> {
    Some(ContractTerms { withdrawal_days, term_months, value_in_prices, gap_weights, mobile })
}

/// Builds a catalogue row; the table below reads best with positional arguments.
#[allow(clippy::too_many_arguments)]
const fn product(
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    price_cents: i64,
    weights: (f64, f64),
    bulk: bool,
    companions: &'static [(&'static str, f64)],
    contract: Option<ContractTerms>,
) -> Product {
    Product {
        sku,
        name,
        category,
        price_cents,
        person_weight: weights.0,
        business_weight: weights.1,
        bulk,
        companions,
        contract,
    }
}

/// The catalogue: insurance, mobile devices and plans, accessories and services.
#[rustfmt::skip]
pub const PRODUCTS: &[Product] = &[
    product("SKU-INS-CAR", "Car insurance", "insurance", 42000, (6.0, 5.0), true, &[("SKU-SRV-ROADSIDE", 0.6), ("SKU-SRV-INSPECT", 0.15)], contract(14, 12, 1, [0.25, 0.25, 0.25, 0.25], false)),
    product("SKU-INS-HOME", "Home insurance", "insurance", 18000, (5.0, 1.0), false, &[("SKU-INS-LEGAL", 0.3)], contract(14, 12, 1, [0.35, 0.3, 0.25, 0.1], false)),
    product("SKU-INS-LIFE", "Term life insurance", "insurance", 60000, (2.0, 0.5), false, &[("SKU-SRV-CONSULT", 0.4)], contract(30, 240, 1, [0.4, 0.35, 0.2, 0.05], false)),
    product("SKU-INS-LEGAL", "Legal protection insurance", "insurance", 15000, (2.0, 3.0), false, &[], contract(14, 12, 1, [0.7, 0.2, 0.1, 0.0], false)),
    product("SKU-INS-BUSINESS", "Business liability insurance", "insurance", 89000, (0.0, 4.0), false, &[("SKU-INS-LEGAL", 0.35), ("SKU-SRV-CONSULT", 0.25)], contract(14, 12, 1, [0.5, 0.3, 0.15, 0.05], false)),
    product("SKU-INS-TRAVEL", "Travel insurance", "insurance", 4900, (4.0, 1.0), false, &[], None),
    product("SKU-INS-DEVICE", "Device insurance", "insurance", 7900, (1.0, 1.0), true, &[], contract(14, 24, 1, [0.75, 0.2, 0.05, 0.0], true)),
    product("SKU-MOB-PHONE-S", "Smartphone Standard", "mobile", 39900, (8.0, 4.0), true, &[("SKU-ACC-CASE", 0.65), ("SKU-ACC-SCREEN", 0.45), ("SKU-INS-DEVICE", 0.25), ("SKU-SRV-SETUP", 0.2)], None),
    product("SKU-MOB-PHONE-P", "Smartphone Pro", "mobile", 99900, (5.0, 4.0), true, &[("SKU-ACC-CASE", 0.7), ("SKU-INS-DEVICE", 0.45), ("SKU-ACC-EARBUDS", 0.3), ("SKU-ACC-SCREEN", 0.3)], None),
    product("SKU-MOB-TABLET", "Tablet 11\"", "mobile", 54900, (2.0, 2.0), true, &[("SKU-ACC-COVER", 0.55), ("SKU-ACC-CHARGER", 0.25)], None),
    product("SKU-MOB-PLAN-S", "Mobile plan S (monthly)", "mobile", 1500, (5.0, 2.0), true, &[("SKU-MOB-SIM", 0.5), ("SKU-MOB-PHONE-S", 0.35)], contract(14, 24, 24, [0.6, 0.3, 0.08, 0.02], true)),
    product("SKU-MOB-PLAN-L", "Mobile plan L (monthly)", "mobile", 3500, (4.0, 5.0), true, &[("SKU-MOB-PHONE-P", 0.45), ("SKU-MOB-SIM", 0.4)], contract(14, 24, 24, [0.55, 0.3, 0.1, 0.05], true)),
    product("SKU-MOB-SIM", "Prepaid SIM card", "mobile", 990, (3.0, 1.0), true, &[], None),
    product("SKU-ACC-CASE", "Phone case", "accessories", 1990, (3.0, 1.0), true, &[("SKU-ACC-SCREEN", 0.3)], None),
    product("SKU-ACC-SCREEN", "Screen protector", "accessories", 1290, (2.0, 0.5), true, &[], None),
    product("SKU-ACC-COVER", "Tablet cover", "accessories", 3490, (1.0, 0.5), true, &[], None),
    product("SKU-ACC-CHARGER", "Fast charger", "accessories", 2990, (3.0, 1.0), true, &[("SKU-ACC-POWERBANK", 0.2)], None),
    product("SKU-ACC-EARBUDS", "Wireless earbuds", "accessories", 8900, (3.0, 0.5), false, &[], None),
    product("SKU-ACC-POWERBANK", "Power bank", "accessories", 3990, (2.0, 0.5), false, &[], None),
    product("SKU-ACC-HOLDER", "Car phone holder", "accessories", 2490, (1.0, 0.5), true, &[("SKU-ACC-CHARGER", 0.4)], None),
    product("SKU-SRV-ROADSIDE", "Roadside assistance", "services", 5900, (1.0, 1.0), true, &[], None),
    product("SKU-SRV-INSPECT", "Vehicle inspection", "services", 7900, (1.0, 1.0), true, &[], None),
    product("SKU-SRV-SETUP", "Device setup and data transfer", "services", 2900, (1.0, 1.0), true, &[], None),
    product("SKU-SRV-REPAIR", "Display repair", "services", 8900, (2.0, 1.0), false, &[("SKU-ACC-SCREEN", 0.5)], None),
    product("SKU-SRV-CONSULT", "Insurance review consultation", "services", 4900, (1.0, 2.0), false, &[], None),
];

/// The index of the product with `sku`.
pub fn product_index(sku: &str) -> Option<usize> {
    PRODUCTS.iter().position(|p| p.sku == sku)
}

/// The products file.
pub fn products_csv() -> CsvFile {
    let mut file = CsvFile::new(&["sku", "name", "category", "list_price", "currency"]);
    for p in PRODUCTS {
        file.text(p.sku)
            .text(p.name)
            .text(p.category)
            .money(p.price_cents)
            .text("EUR");
        file.end_row();
    }
    file
}

/// Which contracts a cancellation reason can be given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fits {
    Any,
    Mobile,
    Insurance,
}

/// An entry of the cancellation-reason catalogue, with how often customers give it.
#[derive(Debug)]
pub struct Reason {
    pub code: &'static str,
    pub label: &'static str,
    pub category: &'static str,
    pub remedy: &'static str,
    /// Weight among cancellations after delivery: a few reasons dominate (Pareto).
    pub cancel_weight: f64,
    /// Weight among withdrawals in the cooling-off period.
    pub withdraw_weight: f64,
    pub fits: Fits,
}

#[rustfmt::skip]
pub const REASONS: &[Reason] = &[
    Reason { code: "price_too_high", label: "Price too high", category: "price", remedy: "Offer a loyalty discount before the renewal date", cancel_weight: 34.0, withdraw_weight: 15.0, fits: Fits::Any },
    Reason { code: "handset_upgrade", label: "Wants a new handset", category: "upgrade_wish", remedy: "Offer automatic handset upgrades after 18 months", cancel_weight: 40.0, withdraw_weight: 0.0, fits: Fits::Mobile },
    Reason { code: "competitor_offer", label: "Better offer from a competitor", category: "competitor", remedy: "Price-match review for customers holding a competing quote", cancel_weight: 14.0, withdraw_weight: 20.0, fits: Fits::Any },
    Reason { code: "poor_service", label: "Poor service experience", category: "service", remedy: "Call back within 24 hours after every complaint", cancel_weight: 9.0, withdraw_weight: 3.0, fits: Fits::Any },
    Reason { code: "claim_handling", label: "Unhappy with claim handling", category: "service", remedy: "One named claims handler and weekly status updates", cancel_weight: 8.0, withdraw_weight: 0.0, fits: Fits::Insurance },
    Reason { code: "coverage_gaps", label: "Coverage does not fit the need", category: "product", remedy: "Modular add-ons instead of fixed packages", cancel_weight: 5.0, withdraw_weight: 5.0, fits: Fits::Any },
    Reason { code: "relocation", label: "Moving abroad or out of the area", category: "relocation", remedy: "Transfer to a partner company in the new country", cancel_weight: 4.0, withdraw_weight: 1.0, fits: Fits::Any },
    Reason { code: "payment_trouble", label: "Cannot keep up the payments", category: "payment", remedy: "Offer a payment holiday or instalments", cancel_weight: 3.0, withdraw_weight: 3.0, fits: Fits::Any },
    Reason { code: "network_coverage", label: "Poor network coverage at home", category: "product", remedy: "Coverage check before signing; free signal booster", cancel_weight: 5.0, withdraw_weight: 2.0, fits: Fits::Mobile },
    Reason { code: "delivery_delay", label: "Waited too long for delivery", category: "service", remedy: "Keep in touch while customers wait; give firm delivery dates", cancel_weight: 1.0, withdraw_weight: 8.0, fits: Fits::Any },
    Reason { code: "changed_mind", label: "Changed mind after signing", category: "other", remedy: "Nurture program between signing and delivery that repeats the reasons to buy", cancel_weight: 0.0, withdraw_weight: 40.0, fits: Fits::Any },
];

/// The cancellation-reasons file.
pub fn reasons_csv() -> CsvFile {
    let mut file = CsvFile::new(&["code", "label", "category", "remedy"]);
    for r in REASONS {
        file.text(r.code)
            .text(r.label)
            .text(r.category)
            .text(r.remedy);
        file.end_row();
    }
    file
}

/// How a customer first came to the company, and what that says about their value.
#[derive(Debug)]
pub struct Channel {
    pub code: &'static str,
    pub person_weight: f64,
    pub business_weight: f64,
    /// Multiplies the purchase rate.
    pub rate: f64,
    /// Multiplies the probability of dropping out after a purchase.
    pub dropout: f64,
    /// Multiplies the probability of withdrawing from a contract.
    pub withdrawal: f64,
    /// The order channel such customers prefer (index into [`ORDER_CHANNELS`]).
    pub buys_via: usize,
}

/// Where orders are placed.
pub const ORDER_CHANNELS: [&str; 4] = ["web", "shop", "phone", "partner"];

/// Index of the referral channel in [`CHANNELS`]; its customers have `referred_by` set.
pub const REFERRAL: usize = 0;
/// Index of the partner channel in [`CHANNELS`].
pub const PARTNER: usize = 1;

#[rustfmt::skip]
pub const CHANNELS: &[Channel] = &[
    Channel { code: "referral", person_weight: 0.0, business_weight: 0.0, rate: 1.4, dropout: 0.45, withdrawal: 0.6, buys_via: 1 },
    Channel { code: "partner", person_weight: 10.0, business_weight: 16.0, rate: 1.3, dropout: 0.6, withdrawal: 0.8, buys_via: 3 },
    Channel { code: "shop", person_weight: 20.0, business_weight: 4.0, rate: 1.0, dropout: 0.9, withdrawal: 0.9, buys_via: 1 },
    Channel { code: "events", person_weight: 4.0, business_weight: 18.0, rate: 1.1, dropout: 0.8, withdrawal: 0.9, buys_via: 2 },
    Channel { code: "outbound_sales", person_weight: 2.0, business_weight: 20.0, rate: 1.0, dropout: 1.0, withdrawal: 1.2, buys_via: 2 },
    Channel { code: "organic_search", person_weight: 20.0, business_weight: 16.0, rate: 1.0, dropout: 1.0, withdrawal: 1.0, buys_via: 0 },
    Channel { code: "paid_search", person_weight: 22.0, business_weight: 12.0, rate: 0.8, dropout: 1.6, withdrawal: 1.4, buys_via: 0 },
    Channel { code: "social", person_weight: 17.0, business_weight: 4.0, rate: 0.7, dropout: 1.9, withdrawal: 1.5, buys_via: 0 },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companions_name_real_products() {
        for p in PRODUCTS {
            for (sku, probability) in p.companions {
                assert!(
                    product_index(sku).is_some(),
                    "{} names unknown {sku}",
                    p.sku
                );
                assert!(*probability > 0.0 && *probability < 1.0);
            }
        }
    }

    #[test]
    fn skus_and_reason_codes_are_unique() {
        let mut skus: Vec<_> = PRODUCTS.iter().map(|p| p.sku).collect();
        skus.sort_unstable();
        skus.dedup();
        assert_eq!(skus.len(), PRODUCTS.len());
        let mut codes: Vec<_> = REASONS.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REASONS.len());
    }

    #[test]
    fn users_have_the_asked_for_roles() {
        let users = users();
        let count = |role: &str| users.iter().filter(|u| u.role == role).count();
        assert_eq!(
            (
                count("admin"),
                count("manager"),
                count("relationship_manager"),
                count("agent"),
                count("viewer")
            ),
            (1, 1, 4, 3, 1)
        );
        for i in [RM_KATHARINA, RM_LUKAS, RM_CAMILLE, RM_NIKOS] {
            assert_eq!(users[i].role, "relationship_manager");
        }
        for i in AGENTS {
            assert_eq!(users[i].role, "agent");
        }
    }
}
