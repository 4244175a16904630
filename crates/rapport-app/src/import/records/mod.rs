//! One function per import kind: a record in, a pending row (or the record's errors) out. The
//! rules each kind enforces are written next to the fields they concern: parties and contacts
//! in `parties.rs`, touchpoints (interactions, surveys, cases, tasks) in `touchpoints.rs`,
//! products, reasons and contracts in `commerce.rs`.

mod commerce;
mod parties;
mod touchpoints;

pub use commerce::{contract, product, reason};
pub use parties::{contact, parse_country, parse_roles, party};
pub use touchpoints::{case, interaction, survey, task};

use rapport_store::{Table, Value};

use super::parse::{Pending, PendingLink, Ref, RefKind, RowBuilder, RowView};

const NAME_MAX: usize = 300;
const TEXT_MAX: usize = 20_000;

pub(super) fn finish(
    v: &mut RowView,
    b: RowBuilder,
    key: String,
    refs: Vec<Ref>,
    links: Vec<PendingLink>,
) -> Option<Pending> {
    if !v.errors.is_empty() {
        return None;
    }
    Some(Pending {
        line: v.rec.line,
        raw: v.rec.fields.clone(),
        key,
        row: b.row,
        present: b.present,
        refs,
        links,
    })
}

pub(super) fn reference(
    b: &RowBuilder,
    column: &str,
    kind: RefKind,
    key: &str,
    field: &'static str,
) -> Ref {
    Ref {
        col: b.table.col(column),
        kind,
        key: key.to_string(),
        field,
    }
}

pub(super) fn opt_text(v: &mut RowView, b: &mut RowBuilder, field: &str, column: &str, max: usize) {
    let value = v.text(field, max);
    let present = v.has(field);
    b.set(column, Value::opt(value), present);
}

/// The start of every record about one party (interactions, surveys, cases, tasks,
/// contracts): its builder, its external id (given or derived) and the party reference.
pub(super) fn about_party(
    v: &mut RowView,
    table: &'static Table,
) -> (RowBuilder, String, Vec<Ref>) {
    let mut b = RowBuilder::new(table);
    let key = v.external_id("external_id");
    b.fixed("external_id", Value::text(&key));
    let mut refs = Vec::new();
    if let Some(party) = v.required("party_external_id") {
        refs.push(reference(
            &b,
            "party_id",
            RefKind::Party,
            party,
            "party_external_id",
        ));
    }
    (b, key, refs)
}
