//! Rapport's domain: the entities of the relationship register, the value types that outside
//! data is parsed into at the edge, and the closed vocabularies (channels, statuses, roles).
//!
//! This crate does no IO, reads no clock and draws no random numbers: time, ids and seeds are
//! passed in. A value of a type from here is valid by construction (an NPS of 11 or a sentiment
//! of 5 cannot exist), so code further in never re-checks it.

pub mod access;
pub mod dates;
pub mod duplicates;
pub mod entities;
pub mod ids;
pub mod lifecycle;
pub mod values;
pub mod vocab;

pub use dates::{parse_date, parse_timestamp};
pub use entities::*;
pub use ids::*;
pub use values::*;
pub use vocab::*;

/// Why a piece of outside data could not become a domain value. The message is written for the
/// person who typed the data: it says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
