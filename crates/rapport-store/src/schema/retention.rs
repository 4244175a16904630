//! The retention tables: the win-back lists, saved filters, and campaigns with their members
//! and contact attempts.

use super::*;

/// The win-back lists (`at_risk`, `churned`): one entry per customer and list, with the value
/// at stake or lost and the reasons (`[{code, params}]`).
pub static WINBACK_ENTRIES: Table = Table {
    name: "winback_entries",
    columns: &[
        c("list", Text),
        c("party_id", Uuid),
        c("value", Float),
        c("revenue_minor", Int),
        n("reason_code", Text),
        c("reasons", Json),
        n("since", Time),
        c("refreshed_at", Time),
    ],
    key: &["list", "party_id"],
    natural_key: None,
    indexes: &[ix("winback_entries_value", "org_id, list, value, party_id")],
    foreign_keys: &[fk(
        "winback_entries_party_fk",
        "org_id, party_id",
        "parties",
        "org_id, id",
    )],
};

/// A user's saved filters of the win-back lists.
pub static SAVED_FILTERS: Table = Table {
    name: "saved_filters",
    columns: &[
        c("id", Uuid),
        c("user_id", Uuid),
        c("list", Text),
        c("name", Text),
        c("query", Text),
        c("created_at", Time),
    ],
    key: &["id"],
    natural_key: None,
    indexes: &[uq("saved_filters_name", "org_id, user_id, list, name")],
    foreign_keys: &[fk(
        "saved_filters_user_fk",
        "org_id, user_id",
        "users",
        "org_id, id",
    )],
};

/// Win-back campaigns.
pub static CAMPAIGNS: Table = Table {
    name: "campaigns",
    columns: &[
        c("id", Uuid),
        c("name", Text),
        c("list", Text),
        c("query", Text),
        c("status", Text),
        c("control_share", Float),
        c("offers", Json),
        c("cost_minor", Int),
        c("currency", Text),
        c("due_days", Int),
        n("created_by", Uuid),
        c("created_at", Time),
        n("closed_at", Time),
    ],
    key: &["id"],
    natural_key: Some("name"),
    indexes: &[uq("campaigns_name", "org_id, name")],
    foreign_keys: &[],
};

/// A campaign's customers: treatment or control, the offer, the task, the outcome.
pub static CAMPAIGN_MEMBERS: Table = Table {
    name: "campaign_members",
    columns: &[
        c("campaign_id", Uuid),
        c("party_id", Uuid),
        c("arm", Text),
        n("reason_code", Text),
        n("offer", Text),
        c("value", Float),
        n("assignee_id", Uuid),
        n("due_on", Date),
        n("task_id", Uuid),
        n("outcome", Text),
        n("outcome_at", Time),
        c("attempts", Int),
    ],
    key: &["campaign_id", "party_id"],
    natural_key: None,
    indexes: &[ix(
        "campaign_members_assignee",
        "org_id, assignee_id, campaign_id",
    )],
    foreign_keys: &[
        fk(
            "campaign_members_campaign_fk",
            "org_id, campaign_id",
            "campaigns",
            "org_id, id",
        ),
        fk(
            "campaign_members_party_fk",
            "org_id, party_id",
            "parties",
            "org_id, id",
        ),
    ],
};

/// Each contact attempt of a campaign and its outcome.
pub static CAMPAIGN_ATTEMPTS: Table = Table {
    name: "campaign_attempts",
    columns: &[
        c("id", Uuid),
        c("campaign_id", Uuid),
        c("party_id", Uuid),
        c("at", Time),
        c("outcome", Text),
        n("note", Text),
        n("user_id", Uuid),
        c("recorded_at", Time),
    ],
    key: &["id"],
    natural_key: None,
    indexes: &[ix(
        "campaign_attempts_member",
        "org_id, campaign_id, party_id, at",
    )],
    foreign_keys: &[fk(
        "campaign_attempts_member_fk",
        "org_id, campaign_id, party_id",
        "campaign_members",
        "org_id, campaign_id, party_id",
    )],
};
