//! The closed vocabularies of the domain: each is an enum with a stable lower-case code (what
//! the database, CSV files and the API carry) and the spellings accepted on input.

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Declares a vocabulary: `Name { Variant = "code" | "alias" ..., }`. Parsing ignores case,
/// surrounding blanks, and treats '-' and ' ' like '_'.
macro_rules! vocab {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every value's code, in declaration order.
            pub const CODES: &'static [&'static str] = &[$($code),+];

            /// The stable code stored in the database and written to files.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a code or one of its accepted spellings.
            pub fn parse(input: &str) -> Result<Self, ParseError> {
                let key = input.trim().to_lowercase().replace(['-', ' '], "_");
                match key.as_str() {
                    $($code $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(ParseError::new(format!(
                        "'{}' is not a valid {}; expected one of: {}",
                        input.trim(),
                        stringify!($name),
                        [$($code),+].join(", ")
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Self::parse(s) }
        }
    };
}

vocab!(
    /// What a user may do; the permission checks arrive with the server.
    UserRole {
        Admin = "admin" | "administrator",
        Manager = "manager",
        RelationshipManager = "relationship_manager" | "rm",
        Agent = "agent",
        Viewer = "viewer" | "read_only",
    }
);

vocab!(
    /// Whether a party is an organization or a natural person.
    PartyKind {
        Organization = "organization" | "organisation" | "company" | "org" | "account",
        Person = "person" | "individual" | "contact",
    }
);

vocab!(
    /// A role a party plays for the company; a party can play several at once.
    PartyRole {
        Customer = "customer" | "client",
        Prospect = "prospect" | "lead",
        Partner = "partner",
        Supplier = "supplier" | "vendor",
    }
);

vocab!(
    /// Where a party stands in its life cycle with the company.
    LifecycleStatus {
        Lead = "lead" | "subscriber" | "other",
        Prospect = "prospect" | "opportunity" | "marketingqualifiedlead" | "salesqualifiedlead",
        Active = "active" | "customer" | "evangelist",
        Inactive = "inactive" | "dormant",
        Churned = "churned" | "lost" | "former",
    }
);

vocab!(
    /// How two parties are linked.
    LinkKind {
        WorksAt = "works_at" | "employee",
        Referral = "referral" | "referred",
    }
);

vocab!(
    /// The medium of an interaction.
    InteractionChannel {
        Call = "call" | "phone" | "telephone",
        Email = "email" | "e_mail" | "mail",
        Meeting = "meeting",
        Visit = "visit",
        Chat = "chat",
        Letter = "letter" | "post",
        Other = "other",
    }
);

vocab!(
    /// Who started an interaction.
    Direction {
        Inbound = "inbound" | "in" | "incoming",
        Outbound = "outbound" | "out" | "outgoing",
    }
);

vocab!(
    /// Where a contract stands.
    ContractStatus {
        Signed = "signed",
        Withdrawn = "withdrawn",
        Active = "active" | "delivered",
        Renewed = "renewed",
        Cancelled = "cancelled" | "canceled",
        Expired = "expired",
    }
);

vocab!(
    /// The family a cancellation reason belongs to.
    ReasonCategory {
        Price = "price",
        Service = "service",
        Product = "product",
        Competitor = "competitor",
        UpgradeWish = "upgrade_wish" | "upgrade",
        Relocation = "relocation" | "moved",
        Payment = "payment",
        Other = "other",
    }
);

vocab!(
    /// How far the remedy for a cancellation reason has come.
    RemedyStatus {
        Open = "open",
        Planned = "planned",
        InProgress = "in_progress" | "in progress" | "doing",
        Done = "done" | "implemented",
        Rejected = "rejected" | "wont_fix",
    }
);

vocab!(
    /// The survey instrument a response answers.
    SurveyKind {
        Nps = "nps",
        Csat = "csat",
        Ces = "ces",
    }
);

vocab!(
    /// How bad a case or complaint is.
    CaseSeverity {
        Low = "low",
        Medium = "medium" | "normal",
        High = "high",
        Critical = "critical" | "urgent",
    }
);

vocab!(
    /// Where a case stands.
    CaseStatus {
        Open = "open" | "new",
        InProgress = "in_progress" | "working",
        Resolved = "resolved",
        Closed = "closed",
    }
);

vocab!(
    /// Where a task stands.
    TaskStatus {
        Open = "open" | "todo",
        Done = "done" | "completed",
        Cancelled = "cancelled" | "canceled",
    }
);

impl TaskStatus {
    pub fn is_open(self) -> bool {
        self == TaskStatus::Open
    }
}

impl CaseStatus {
    pub fn is_open(self) -> bool {
        matches!(self, CaseStatus::Open | CaseStatus::InProgress)
    }
}

/// The set of roles a party plays, stored as a sorted `;`-separated list of codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRoles(Vec<PartyRole>);

impl PartyRoles {
    pub fn new(mut roles: Vec<PartyRole>) -> Self {
        roles.sort();
        roles.dedup();
        Self(roles)
    }

    /// Parses a list separated by `;`, `,` or `|`. An empty list is allowed.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let roles = input
            .split([';', ',', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PartyRole::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(roles))
    }

    pub fn contains(&self, role: PartyRole) -> bool {
        self.0.contains(&role)
    }

    pub fn roles(&self) -> &[PartyRole] {
        &self.0
    }

    pub fn insert(&mut self, role: PartyRole) {
        if !self.contains(role) {
            self.0.push(role);
            self.0.sort();
        }
    }

    /// The stored form: codes joined by `;`.
    pub fn to_code(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_accept_their_codes_and_aliases() {
        assert_eq!(
            InteractionChannel::parse("Phone"),
            Ok(InteractionChannel::Call)
        );
        assert_eq!(
            ContractStatus::parse(" canceled "),
            Ok(ContractStatus::Cancelled)
        );
        assert_eq!(
            UserRole::parse("relationship-manager"),
            Ok(UserRole::RelationshipManager)
        );
        for role in UserRole::ALL {
            assert_eq!(UserRole::parse(role.as_str()), Ok(*role));
        }
    }

    #[test]
    fn unknown_codes_list_what_is_allowed() {
        let err = Direction::parse("sideways").unwrap_err();
        assert!(err.0.contains("inbound, outbound"), "{err}");
    }

    #[test]
    fn party_roles_are_a_sorted_set() {
        let roles = PartyRoles::parse("supplier; customer,customer").unwrap();
        assert_eq!(roles.to_code(), "customer;supplier");
        assert!(PartyRoles::parse("customer;king").is_err());
        assert_eq!(PartyRoles::parse("").unwrap().to_code(), "");
    }
}
