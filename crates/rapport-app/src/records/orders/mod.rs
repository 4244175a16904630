//! Orders with their lines as one record, for the API: read and list them, create or upsert
//! them in bulk, change one (its header fields, and its lines replaced when given) and delete
//! one with its lines. Every line goes through the orders import's parsing (the same fields,
//! amounts in the currency's minor digits, dates and currencies as a line of a file), but a
//! request refers only to what exists: an unknown customer or sku is refused by name where a
//! file would create the customer or keep the sku as text. Each call is one transaction with
//! the caller's rights checked (`WriteCommerce` with the customer's owner) and an audit entry
//! per order holding its lines; a purchase takes a dormant customer off the churned list
//! (`retention::purchases`).
//!
//! `read.rs` renders stored orders, `plan.rs` turns requests into the rows to write, `write.rs`
//! runs the transactions.

mod plan;
mod read;
mod write;

pub use read::{get, list};
pub use write::{delete, update, write};

use uuid::Uuid;

/// The fields of an order itself, in the order the API shows them.
pub const HEADER_FIELDS: [&str; 5] = [
    "order_id",
    "customer_id",
    "ordered_at",
    "currency",
    "channel",
];

/// The fields of each of its lines (`line`: the line number; `amount`: the line's total).
pub const LINE_FIELDS: [&str; 4] = ["line", "sku", "quantity", "amount"];

/// At most this many lines per order.
pub const MAX_LINES: usize = 1_000;

/// An order as a request gives it: the header fields it names (`HEADER_FIELDS`), as text (an
/// empty value clears the field), and its lines when it gives them (each with the
/// `LINE_FIELDS` it names). Lines without a `line` number are numbered by their position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderInput {
    pub fields: Vec<(String, String)>,
    pub lines: Option<Vec<Vec<(String, String)>>>,
}

impl OrderInput {
    /// The value given for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }
}

/// A stored order: its id, its header fields (in `HEADER_FIELDS` order) and its lines (each in
/// `LINE_FIELDS` order, by line number), as text in the import format.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    pub id: Uuid,
    pub fields: Vec<String>,
    pub lines: Vec<Vec<String>>,
}

impl StoredOrder {
    /// The order's external id.
    pub fn key(&self) -> &str {
        self.fields.first().map_or("", String::as_str)
    }
}
