//! The tables as the store's generic operations see them: columns with types, the primary key
//! after `org_id`, the natural key imports match on, and the secondary indexes (which a bulk
//! load may drop and rebuild). Must agree with the migrations; a contract test checks that.

use crate::value::ColType::{self, *};

/// A column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
}

/// A secondary index: its name, the column list and whether it is unique.
#[derive(Debug, Clone, Copy)]
pub struct Index {
    pub name: &'static str,
    pub columns: &'static str,
    pub unique: bool,
}

/// A named foreign key, as the migrations declare it (so a bulk load on PostgreSQL can drop it
/// and add it back, validating every row in one pass).
#[derive(Debug, Clone, Copy)]
pub struct ForeignKey {
    pub name: &'static str,
    pub columns: &'static str,
    pub parent: &'static str,
    pub parent_columns: &'static str,
}

/// A table. Every table's real primary key is `(org_id, key...)`.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// Primary-key columns after `org_id`.
    pub key: &'static [&'static str],
    /// The column that identifies a record across systems (external id, sku, code), if any.
    pub natural_key: Option<&'static str>,
    /// Secondary indexes, as created by the migrations.
    pub indexes: &'static [Index],
    /// The named foreign keys a bulk load may suspend (others are never dropped).
    pub foreign_keys: &'static [ForeignKey],
}

impl Table {
    /// Position of a column in this table's rows. Panics on a name the table does not have:
    /// column names come from code, never from input, and the contract tests exercise them.
    pub fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("table {} has no column {name}", self.name))
    }

    pub fn try_col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

const fn c(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: false,
    }
}

const fn n(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        nullable: true,
    }
}

const fn ix(name: &'static str, columns: &'static str) -> Index {
    Index {
        name,
        columns,
        unique: false,
    }
}

const fn fk(
    name: &'static str,
    columns: &'static str,
    parent: &'static str,
    parent_columns: &'static str,
) -> ForeignKey {
    ForeignKey {
        name,
        columns,
        parent,
        parent_columns,
    }
}

const fn uq(name: &'static str, columns: &'static str) -> Index {
    Index {
        name,
        columns,
        unique: true,
    }
}

mod retention;
pub use retention::*;

pub static USERS: Table = Table {
    name: "users",
    columns: &[
        c("id", Uuid),
        c("email", Text),
        c("name", Text),
        c("role", Text),
        c("locale", Text),
        c("password_hash", Text),
        c("disabled", Bool),
        c("created_at", Time),
    ],
    key: &["id"],
    natural_key: Some("email"),
    indexes: &[uq("users_email", "org_id, email")],
    foreign_keys: &[],
};

pub static PARTIES: Table = Table {
    name: "parties",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("kind", Text),
        c("name", Text),
        n("first_name", Text),
        n("last_name", Text),
        c("roles", Text),
        n("owner_id", Uuid),
        c("lifecycle", Text),
        n("acquisition_channel", Text),
        n("acquired_on", Date),
        n("segment", Text),
        n("industry", Text),
        n("country", Text),
        n("city", Text),
        n("email", Text),
        n("phone", Text),
        c("tags", Text),
        c("attributes", Json),
        c("created_at", Time),
        c("updated_at", Time),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("parties_external_id", "org_id, external_id"),
        ix("parties_name", "org_id, name"),
        ix("parties_email", "org_id, email"),
    ],
    foreign_keys: &[
        fk("parties_org_id_fkey", "org_id", "orgs", "id"),
        fk(
            "parties_owner_fk",
            "org_id, owner_id",
            "users",
            "org_id, id",
        ),
    ],
};

pub static PARTY_ALIASES: Table = Table {
    name: "party_aliases",
    columns: &[c("external_id", Text), c("party_id", Uuid)],
    key: &["external_id"],
    natural_key: Some("external_id"),
    indexes: &[],
    foreign_keys: &[],
};

pub static PARTY_LINKS: Table = Table {
    name: "party_links",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("kind", Text),
        c("from_party_id", Uuid),
        c("to_party_id", Uuid),
        n("job_title", Text),
        n("since", Date),
        c("converted", Bool),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("party_links_external_id", "org_id, external_id"),
        ix("party_links_from", "org_id, from_party_id"),
        ix("party_links_to", "org_id, to_party_id"),
    ],
    foreign_keys: &[],
};

pub static INTERACTIONS: Table = Table {
    name: "interactions",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("party_id", Uuid),
        n("user_id", Uuid),
        c("channel", Text),
        c("direction", Text),
        c("occurred_at", Time),
        n("subject", Text),
        n("notes", Text),
        n("sentiment", Int),
        n("outcome", Text),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("interactions_external_id", "org_id, external_id"),
        ix("interactions_party", "org_id, party_id, occurred_at"),
    ],
    foreign_keys: &[],
};

pub static PRODUCTS: Table = Table {
    name: "products",
    columns: &[
        c("id", Uuid),
        c("sku", Text),
        c("name", Text),
        n("category", Text),
        n("list_price_minor", Int),
        n("currency", Text),
    ],
    key: &["id"],
    natural_key: Some("sku"),
    indexes: &[uq("products_sku", "org_id, sku")],
    foreign_keys: &[],
};

pub static ORDERS: Table = Table {
    name: "orders",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("party_id", Uuid),
        c("ordered_at", Time),
        n("channel", Text),
        c("currency", Text),
        // The sum of the order's lines' `amount_minor`: every writer of lines keeps it.
        c("total_minor", Int),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("orders_external_id", "org_id, external_id"),
        ix("orders_party", "org_id, party_id, ordered_at"),
    ],
    foreign_keys: &[fk(
        "orders_party_fk",
        "org_id, party_id",
        "parties",
        "org_id, id",
    )],
};

pub static ORDER_LINES: Table = Table {
    name: "order_lines",
    columns: &[
        c("order_id", Uuid),
        c("line_no", Int),
        n("product_id", Uuid),
        n("sku", Text),
        c("quantity", Int),
        c("amount_minor", Int),
    ],
    key: &["order_id", "line_no"],
    natural_key: None,
    indexes: &[],
    foreign_keys: &[
        fk(
            "order_lines_order_fk",
            "org_id, order_id",
            "orders",
            "org_id, id",
        ),
        fk(
            "order_lines_product_fk",
            "org_id, product_id",
            "products",
            "org_id, id",
        ),
    ],
};

pub static CANCELLATION_REASONS: Table = Table {
    name: "cancellation_reasons",
    columns: &[
        c("code", Text),
        c("label", Text),
        c("category", Text),
        n("remedy", Text),
        n("label_de", Text),
        n("label_fr", Text),
        n("label_el", Text),
        n("remedy_owner_id", Uuid),
        c("remedy_status", Text),
    ],
    key: &["code"],
    natural_key: Some("code"),
    indexes: &[],
    foreign_keys: &[],
};

pub static CONTRACTS: Table = Table {
    name: "contracts",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("party_id", Uuid),
        n("product_id", Uuid),
        c("value_minor", Int),
        c("currency", Text),
        c("signed_at", Time),
        n("withdrawal_deadline", Time),
        n("delivery_due_at", Time),
        n("delivered_at", Time),
        n("ends_at", Time),
        c("status", Text),
        n("cancelled_at", Time),
        n("cancellation_reason", Text),
        n("cancellation_note", Text),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("contracts_external_id", "org_id, external_id"),
        ix("contracts_party", "org_id, party_id"),
        ix(
            "contracts_ended",
            "org_id, cancelled_at, cancellation_reason, status, value_minor, currency, party_id, product_id",
        ),
        ix("contracts_signed", "org_id, signed_at"),
    ],
    foreign_keys: &[],
};

pub static SURVEY_RESPONSES: Table = Table {
    name: "survey_responses",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("party_id", Uuid),
        c("kind", Text),
        c("score", Int),
        n("comment", Text),
        c("answered_at", Time),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("survey_responses_external_id", "org_id, external_id"),
        ix("survey_responses_party", "org_id, party_id, answered_at"),
    ],
    foreign_keys: &[],
};

pub static CASES: Table = Table {
    name: "cases",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("party_id", Uuid),
        c("opened_at", Time),
        n("closed_at", Time),
        c("severity", Text),
        n("category", Text),
        c("status", Text),
        n("subject", Text),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("cases_external_id", "org_id, external_id"),
        ix("cases_party", "org_id, party_id, opened_at"),
    ],
    foreign_keys: &[],
};

pub static TASKS: Table = Table {
    name: "tasks",
    columns: &[
        c("id", Uuid),
        c("external_id", Text),
        c("party_id", Uuid),
        n("assignee_id", Uuid),
        c("title", Text),
        n("due_on", Date),
        c("status", Text),
        n("origin", Text),
    ],
    key: &["id"],
    natural_key: Some("external_id"),
    indexes: &[
        uq("tasks_external_id", "org_id, external_id"),
        ix("tasks_assignee", "org_id, assignee_id, status"),
        ix("tasks_party", "org_id, party_id"),
    ],
    foreign_keys: &[],
};

pub static AUDIT_LOG: Table = Table {
    name: "audit_log",
    columns: &[
        c("id", Uuid),
        c("at", Time),
        n("user_id", Uuid),
        c("source", Text),
        c("entity", Text),
        n("entity_id", Text),
        c("action", Text),
        n("before", Json),
        n("after", Json),
    ],
    key: &["id"],
    natural_key: None,
    indexes: &[ix("audit_log_entity", "org_id, entity, entity_id")],
    foreign_keys: &[],
};

pub static SESSIONS: Table = Table {
    name: "sessions",
    columns: &[
        c("id_hash", Text),
        c("user_id", Uuid),
        c("csrf", Text),
        c("created_at", Time),
        c("expires_at", Time),
    ],
    key: &["id_hash"],
    natural_key: None,
    indexes: &[ix("sessions_user", "org_id, user_id")],
    foreign_keys: &[],
};

pub static API_TOKENS: Table = Table {
    name: "api_tokens",
    columns: &[
        c("id", Uuid),
        c("user_id", Uuid),
        c("name", Text),
        c("token_hash", Text),
        c("prefix", Text),
        c("created_at", Time),
        n("last_used_at", Time),
        n("revoked_at", Time),
    ],
    key: &["id"],
    natural_key: None,
    indexes: &[
        uq("api_tokens_hash", "org_id, token_hash"),
        ix("api_tokens_user", "org_id, user_id"),
    ],
    foreign_keys: &[],
};

/// One run of `rapport score`: when, as of which day, the model and its fit (parameters,
/// standard errors, log-likelihood, spend model, notes) as JSON.
pub static SCORE_RUNS: Table = Table {
    name: "score_runs",
    columns: &[
        c("id", Uuid),
        c("as_of", Date),
        c("started_at", Time),
        c("finished_at", Time),
        c("model", Text),
        n("currency", Text),
        c("customers", Int),
        c("repeat_customers", Int),
        c("fit", Json),
        n("insights", Json),
    ],
    key: &["id"],
    natural_key: None,
    indexes: &[ix("score_runs_as_of", "org_id, as_of")],
    foreign_keys: &[],
};

/// A party's scores in one run: RFM and segment, P(alive), expected purchases and CLV over the
/// run's horizons, health with its components, the class and its reasons.
pub static PARTY_SCORES: Table = Table {
    name: "party_scores",
    columns: &[
        c("run_id", Uuid),
        c("party_id", Uuid),
        c("frequency", Int),
        c("recency", Float),
        c("age", Float),
        c("monetary", Float),
        c("rfm_r", Int),
        c("rfm_f", Int),
        c("rfm_m", Int),
        c("segment", Text),
        n("p_alive", Float),
        n("expected_purchases", Float),
        n("clv", Float),
        c("health", Float),
        n("previous_health", Float),
        c("components", Json),
        c("class", Text),
        c("reasons", Json),
    ],
    key: &["run_id", "party_id"],
    natural_key: None,
    indexes: &[
        ix("party_scores_party", "org_id, party_id, run_id"),
        ix("party_scores_health", "org_id, run_id, health, party_id"),
    ],
    foreign_keys: &[],
};

/// Org settings: one JSON value per key (e.g. `health_weights`).
pub static ORG_SETTINGS: Table = Table {
    name: "org_settings",
    columns: &[c("key", Text), c("value", Json), c("updated_at", Time)],
    key: &["key"],
    natural_key: None,
    indexes: &[],
    foreign_keys: &[],
};

/// Every org-scoped table, parents before children (the order to load and to check).
pub static ALL: &[&Table] = &[
    &USERS,
    &PARTIES,
    &PARTY_ALIASES,
    &PARTY_LINKS,
    &INTERACTIONS,
    &PRODUCTS,
    &ORDERS,
    &ORDER_LINES,
    &CANCELLATION_REASONS,
    &CONTRACTS,
    &SURVEY_RESPONSES,
    &CASES,
    &TASKS,
    &AUDIT_LOG,
    &SESSIONS,
    &API_TOKENS,
    &SCORE_RUNS,
    &PARTY_SCORES,
    &ORG_SETTINGS,
    &WINBACK_ENTRIES,
    &SAVED_FILTERS,
    &CAMPAIGNS,
    &CAMPAIGN_MEMBERS,
    &CAMPAIGN_ATTEMPTS,
];

/// The tables whose `party_id`-like columns point at a party: what a merge moves.
pub static PARTY_REFERENCES: &[(&Table, &str)] = &[
    (&PARTY_ALIASES, "party_id"),
    (&PARTY_LINKS, "from_party_id"),
    (&PARTY_LINKS, "to_party_id"),
    (&INTERACTIONS, "party_id"),
    (&ORDERS, "party_id"),
    (&CONTRACTS, "party_id"),
    (&SURVEY_RESPONSES, "party_id"),
    (&CASES, "party_id"),
    (&TASKS, "party_id"),
];
