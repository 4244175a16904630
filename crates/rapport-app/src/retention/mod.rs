//! Retention and win-back: the cancellation-reason catalogue (`reasons`), the top ten
//! cancellation reasons of a period with their trend and what they cost (`top`), and buyer's
//! remorse: withdrawal rates by signing-to-delivery gap, product and channel, and the contracts
//! in their withdrawal period whose customer nobody has contacted since signing (`remorse`).

pub mod campaigns;
pub mod contracts;
pub mod filters;
pub mod lists;
pub mod purchases;
pub mod reasons;
pub mod remorse;
pub mod rules;
pub mod text;
pub mod thresholds;
pub mod top;

pub use reasons::{Reason, catalogue, install_defaults};
pub use remorse::{Gap, Rate, Remorse, RemorseQuery, call_list_json, call_today, remorse};
pub use top::{
    Ended, ProductChoice, TopQuery, TopReasons, product_choices, reason_contracts, top_reasons,
};

use crate::import::RowError;
use crate::records::RecordError;

/// A request's field that is wrong, and why.
pub(crate) fn invalid(field: &str, value: Option<&str>, reason: impl Into<String>) -> RecordError {
    RecordError::Invalid(vec![RowError {
        line: 0,
        column: Some(field.to_string()),
        value: value.map(str::to_string),
        reason: reason.into(),
    }])
}
