//! What the API offers per record kind: its path, which fields sort and filter a list, which
//! columns the search looks at, and the time column `since`/`until` bound.

use rapport_app::import::ImportKind;

/// A kind as the API serves it.
#[derive(Debug, Clone, Copy)]
pub struct KindApi {
    pub kind: ImportKind,
    /// The list endpoint, e.g. `/api/v1/parties`.
    pub path: &'static str,
    /// The path of one record, e.g. `/api/v1/parties/{key}`.
    pub item: &'static str,
    /// The bulk endpoint.
    pub bulk: &'static str,
    /// Sortable fields and their columns; the first is the default order.
    pub sorts: &'static [(&'static str, &'static str)],
    /// Searched with `q`: columns that contain the text, columns equal to it.
    pub search_contains: &'static [&'static str],
    pub search_exact: &'static [&'static str],
    /// The column `since` and `until` bound, if the kind has a main time.
    pub time: Option<&'static str>,
    /// Singular noun for messages and the API document.
    pub noun: &'static str,
}

macro_rules! kind {
    ($kind:ident, $slug:literal, $noun:literal, sorts: $sorts:expr, contains: $c:expr, exact: $e:expr, time: $t:expr) => {
        KindApi {
            kind: ImportKind::$kind,
            path: concat!("/api/v1/", $slug),
            item: concat!("/api/v1/", $slug, "/{key}"),
            bulk: concat!("/api/v1/", $slug, "/bulk"),
            sorts: $sorts,
            search_contains: $c,
            search_exact: $e,
            time: $t,
            noun: $noun,
        }
    };
}

pub static KINDS: &[KindApi] = &[
    kind!(Parties, "parties", "party",
        sorts: &[("external_id", "external_id"), ("name", "name"), ("created_at", "created_at"), ("updated_at", "updated_at")],
        contains: &["name", "email"], exact: &["external_id"], time: None),
    kind!(Contacts, "contacts", "contact",
        sorts: &[("external_id", "external_id")],
        contains: &[], exact: &["external_id"], time: None),
    kind!(Interactions, "interactions", "interaction",
        sorts: &[("occurred_at", "occurred_at"), ("external_id", "external_id")],
        contains: &["subject"], exact: &["external_id"], time: Some("occurred_at")),
    kind!(Products, "products", "product",
        sorts: &[("sku", "sku"), ("name", "name")],
        contains: &["name"], exact: &["sku"], time: None),
    kind!(Orders, "orders", "order",
        sorts: &[("ordered_at", "ordered_at"), ("order_id", "external_id")],
        contains: &[], exact: &["external_id"], time: Some("ordered_at")),
    kind!(Contracts, "contracts", "contract",
        sorts: &[("signed_at", "signed_at"), ("external_id", "external_id")],
        contains: &[], exact: &["external_id"], time: Some("signed_at")),
    kind!(CancellationReasons, "cancellation-reasons", "cancellation reason",
        sorts: &[("code", "code"), ("label", "label")],
        contains: &["label"], exact: &["code"], time: None),
    kind!(Surveys, "surveys", "survey answer",
        sorts: &[("answered_at", "answered_at"), ("external_id", "external_id")],
        contains: &["comment"], exact: &["external_id"], time: Some("answered_at")),
    kind!(Cases, "cases", "case",
        sorts: &[("opened_at", "opened_at"), ("external_id", "external_id")],
        contains: &["subject"], exact: &["external_id"], time: Some("opened_at")),
    kind!(Tasks, "tasks", "task",
        sorts: &[("external_id", "external_id"), ("title", "title")],
        contains: &["title"], exact: &["external_id"], time: None),
];

/// Fields filtering by a person or a party: they name a user by e-mail or a party by external
/// id, and filter on the id column.
pub fn reference_filter(kind: ImportKind, field: &str) -> Option<(&'static str, Reference)> {
    use ImportKind as K;
    Some(match (kind, field) {
        (K::Parties, "owner_email") => ("owner_id", Reference::User),
        (K::Interactions, "user_email") => ("user_id", Reference::User),
        (K::Tasks, "assignee_email") => ("assignee_id", Reference::User),
        (K::Contacts, "organization_external_id") => ("to_party_id", Reference::Party),
        (K::Orders, "customer_id") => ("party_id", Reference::Party),
        (
            K::Interactions | K::Contracts | K::Surveys | K::Cases | K::Tasks,
            "party_external_id",
        ) => ("party_id", Reference::Party),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    User,
    Party,
}
