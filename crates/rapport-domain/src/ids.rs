//! Typed ids. Every entity is keyed by a UUIDv7 (time-ordered), generated outside this crate
//! and passed in; the newtypes keep a party id from being used where an order id belongs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map($name)
                    .map_err(|_| crate::ParseError::new(format!("'{s}' is not a UUID")))
            }
        }
    )*};
}

id_type!(
    /// A tenant: one company using Rapport.
    OrgId,
    /// A person who logs in to Rapport.
    UserId,
    /// An organization or person the company has a relationship with.
    PartyId,
    /// A link between two parties (employment, referral).
    LinkId,
    InteractionId,
    ProductId,
    OrderId,
    ContractId,
    SurveyId,
    CaseId,
    TaskId,
    AuditId,
);
