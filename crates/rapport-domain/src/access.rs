//! Who may do what. Every entry point (API route, UI form, command) asks [`allows`] before it
//! reads or writes; the rules live here once, so the API and the UI cannot drift apart.
//!
//! The roles, from the product's definition:
//! - `admin`: everything, including users, settings and the audit log;
//! - `manager`: reads and writes every relationship, runs campaigns, imports and exports;
//! - `relationship_manager`: reads every relationship, writes the parties they own and those
//!   parties' touchpoints, exports;
//! - `agent`: looks parties up, logs interactions and cases on any party; no exports;
//! - `viewer`: reads; no exports.

use crate::{UserId, UserRole};

/// The user asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: UserRole,
}

/// A touchpoint logged on a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touchpoint {
    Interaction,
    Case,
    SurveyAnswer,
    Task,
}

/// What a request wants to do. Where a rule depends on whose party it is, the action carries the
/// party's owner (its relationship manager; `None` when it has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read relationships: parties, touchpoints, orders, contracts, scores, reports.
    Read,
    /// Take data out in bulk (CSV exports, report downloads).
    Export,
    /// Create, change or delete a party. A change is asked twice, with the owner as stored and
    /// as it would be after the change, so nobody hands themselves someone else's party.
    WriteParty { owner: Option<UserId> },
    /// Log, change or delete a touchpoint on a party.
    LogTouchpoint {
        kind: Touchpoint,
        owner: Option<UserId>,
    },
    /// Write orders, contracts and their lines for a party.
    WriteCommerce { owner: Option<UserId> },
    /// Merge two parties into one: both must be writable.
    MergeParties {
        keep_owner: Option<UserId>,
        other_owner: Option<UserId>,
    },
    /// Import files (any kind, any owner).
    Import,
    /// Edit the catalogues: products, cancellation reasons and their remedies.
    WriteCatalogue,
    /// Plan and run campaigns (win-back, nurture, cross-selling).
    RunCampaigns,
    /// Record a campaign's contact attempt and its outcome for a customer assigned to (or owned
    /// by) `assignee`: agents record outcomes, relationship managers work their own tasks.
    WorkCampaign { assignee: Option<UserId> },
    /// Add, change, disable users; reset passwords; manage anyone's API tokens.
    ManageUsers,
    /// Change org settings (score weights, withdrawal rules, thresholds).
    ManageSettings,
    /// Browse the audit log.
    ReadAudit,
}

/// Whether `actor` may do `action`.
pub fn allows(actor: Actor, action: Action) -> bool {
    use Action::*;
    use UserRole::*;
    let owns = |owner: Option<UserId>| owner == Some(actor.user);
    match (actor.role, action) {
        (Admin, _) => true,
        (_, ManageUsers | ManageSettings | ReadAudit) => false,
        (Manager, _) => true,
        (RelationshipManager | Agent | Viewer, Read) => true,
        (RelationshipManager, Export) => true,
        (Agent | Viewer, Export) => false,
        (RelationshipManager, WriteParty { owner }) => owns(owner),
        (RelationshipManager, LogTouchpoint { owner, .. }) => owns(owner),
        (RelationshipManager, WriteCommerce { owner }) => owns(owner),
        (RelationshipManager, WorkCampaign { assignee }) => owns(assignee),
        (Agent, WorkCampaign { .. }) => true,
        (
            RelationshipManager,
            MergeParties {
                keep_owner,
                other_owner,
            },
        ) => owns(keep_owner) && owns(other_owner),
        (
            Agent,
            LogTouchpoint {
                kind: Touchpoint::Interaction | Touchpoint::Case,
                ..
            },
        ) => true,
        (RelationshipManager | Agent | Viewer, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn actor(role: UserRole) -> Actor {
        Actor {
            user: UserId(Uuid::from_u128(1)),
            role,
        }
    }

    const MINE: Option<UserId> = Some(UserId(Uuid::from_u128(1)));
    const THEIRS: Option<UserId> = Some(UserId(Uuid::from_u128(2)));

    /// Every role against every kind of action: the product's role definitions as a table.
    #[test]
    fn the_roles_do_what_the_product_says() {
        use Touchpoint::*;
        use UserRole::*;
        let log = |kind, owner| Action::LogTouchpoint { kind, owner };
        // (action, admin, manager, relationship manager, agent, viewer)
        let table: Vec<(Action, [bool; 5])> = vec![
            (Action::Read, [true, true, true, true, true]),
            (Action::Export, [true, true, true, false, false]),
            (
                Action::WriteParty { owner: MINE },
                [true, true, true, false, false],
            ),
            (
                Action::WriteParty { owner: THEIRS },
                [true, true, false, false, false],
            ),
            (
                Action::WriteParty { owner: None },
                [true, true, false, false, false],
            ),
            (log(Interaction, THEIRS), [true, true, false, true, false]),
            (log(Case, THEIRS), [true, true, false, true, false]),
            (log(Interaction, MINE), [true, true, true, true, false]),
            (log(SurveyAnswer, MINE), [true, true, true, false, false]),
            (log(Task, THEIRS), [true, true, false, false, false]),
            (
                Action::WriteCommerce { owner: MINE },
                [true, true, true, false, false],
            ),
            (
                Action::MergeParties {
                    keep_owner: MINE,
                    other_owner: THEIRS,
                },
                [true, true, false, false, false],
            ),
            (
                Action::MergeParties {
                    keep_owner: MINE,
                    other_owner: MINE,
                },
                [true, true, true, false, false],
            ),
            (Action::Import, [true, true, false, false, false]),
            (Action::WriteCatalogue, [true, true, false, false, false]),
            (Action::RunCampaigns, [true, true, false, false, false]),
            (
                Action::WorkCampaign { assignee: MINE },
                [true, true, true, true, false],
            ),
            (
                Action::WorkCampaign { assignee: THEIRS },
                [true, true, false, true, false],
            ),
            (Action::ManageUsers, [true, false, false, false, false]),
            (Action::ManageSettings, [true, false, false, false, false]),
            (Action::ReadAudit, [true, false, false, false, false]),
        ];
        let roles = [Admin, Manager, RelationshipManager, Agent, Viewer];
        assert_eq!(roles.len(), UserRole::ALL.len(), "a role is missing here");
        for (action, expected) in table {
            for (role, want) in roles.iter().zip(expected) {
                assert_eq!(allows(actor(*role), action), want, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn a_viewer_writes_nothing_even_on_a_party_assigned_to_them() {
        for action in [
            Action::WriteParty { owner: MINE },
            Action::WriteCommerce { owner: MINE },
            Action::LogTouchpoint {
                kind: Touchpoint::Interaction,
                owner: MINE,
            },
        ] {
            assert!(!allows(actor(UserRole::Viewer), action), "{action:?}");
        }
    }
}
