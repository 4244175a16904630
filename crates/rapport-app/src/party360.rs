//! The party 360: one party with everything around it in one read — its contacts and links,
//! the latest interactions, an order summary with the latest orders, contracts, survey answers,
//! and the open cases and tasks. What the party page and `GET /parties/{key}/360` show.

use std::collections::HashMap;

use rapport_domain::{CaseStatus, TaskStatus};
use rapport_store::schema::{CASES, PARTIES, PARTY_LINKS, TASKS};
use rapport_store::{OrderSummary, Party360Limits, Row, StoreError, Tx};
use uuid::Uuid;

use crate::export::{self, Names};
use crate::import::ImportKind;
use crate::records::{self, StoredRecord};

/// How many of each list the 360 shows (the full lists are a filtered list call away).
pub const RECENT: usize = 10;
/// How many score runs the 360 shows (for the health trend).
pub const SCORE_HISTORY: usize = 12;

/// A link to another party, seen from this one.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkView {
    pub kind: String,
    /// `true` when this party is the link's source (a person working at, a referrer).
    pub outgoing: bool,
    pub other_id: Uuid,
    pub other_external_id: String,
    pub other_name: String,
    pub job_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Party360 {
    pub party: StoredRecord,
    pub contacts: Vec<StoredRecord>,
    pub links: Vec<LinkView>,
    pub interactions: Vec<StoredRecord>,
    pub order_summary: Vec<OrderSummary>,
    /// The latest orders, one record per order line.
    pub orders: Vec<StoredRecord>,
    pub contracts: Vec<StoredRecord>,
    pub surveys: Vec<StoredRecord>,
    pub open_cases: Vec<StoredRecord>,
    pub open_tasks: Vec<StoredRecord>,
    /// The party's scores in the latest runs, newest first (empty before the first run).
    pub scores: Vec<crate::score::PartyScore>,
}

/// How many of each part the 360 reads.
const LIMITS: Party360Limits = Party360Limits {
    interactions: RECENT,
    orders: 5,
    contracts: 100,
    surveys: RECENT,
    cases: 100,
    tasks: 100,
    links: 100,
    scores: SCORE_HISTORY,
};

/// The 360 of the party with external id (or id, or a merged-away external id) `key`; `None`
/// if there is none. Reads everything first (one statement on PostgreSQL), then renders with
/// the names read along, so rendering asks nothing more.
pub async fn load(tx: &mut Tx, key: &str) -> Result<Option<Party360>, StoreError> {
    let Some(rows) = tx.party_360_rows(key, &LIMITS).await? else {
        return Ok(None);
    };
    let mut names = Names::known(rows.users, rows.products);
    let id = rows.party[PARTIES.col("id")].as_uuid().unwrap_or_default();
    if let Some(ext) = rows.party[PARTIES.col("external_id")].as_str() {
        names.know_party(id, ext);
    }
    let linked: HashMap<Uuid, Row> = rows
        .linked_parties
        .into_iter()
        .filter_map(|p| Some((p[PARTIES.col("id")].as_uuid()?, p)))
        .collect();
    names.know_party_rows(linked.values().cloned());
    let referrer = export::referrers(&rows.links_in).get(&id).copied();
    let party = records::to_record(
        &PARTIES,
        &rows.party,
        export::party_fields(&rows.party, &names, referrer),
    );
    let simple = |kind: ImportKind, rows: &[Row]| -> Vec<StoredRecord> {
        let (table, _) = export::stored_as(kind);
        rows.iter()
            .map(|r| records::to_record(table, r, export::simple(kind, table, r, &names)))
            .collect()
    };
    let interactions = simple(ImportKind::Interactions, &rows.interactions);
    let contracts = simple(ImportKind::Contracts, &rows.contracts);
    let surveys = simple(ImportKind::Surveys, &rows.surveys);
    let status = CASES.col("status");
    let open_cases: Vec<Row> = rows
        .cases
        .into_iter()
        .filter(|r| {
            r[status]
                .as_str()
                .and_then(|s| CaseStatus::parse(s).ok())
                .is_some_and(CaseStatus::is_open)
        })
        .collect();
    let open_cases = simple(ImportKind::Cases, &open_cases);
    let status = TASKS.col("status");
    let open_tasks: Vec<Row> = rows
        .tasks
        .into_iter()
        .filter(|r| {
            r[status]
                .as_str()
                .and_then(|s| TaskStatus::parse(s).ok())
                .is_some_and(TaskStatus::is_open)
        })
        .collect();
    let open_tasks = simple(ImportKind::Tasks, &open_tasks);
    let orders = export::order_lines(&rows.orders, rows.order_lines, &names)
        .into_iter()
        .map(|fields| StoredRecord {
            id: Uuid::nil(),
            fields,
            created_at: None,
            updated_at: None,
        })
        .collect();
    let links = link_views(id, &rows.links_out, &rows.links_in, &linked);
    // Contacts are the people whose `works_at` link points here.
    let contacts = rows
        .links_in
        .iter()
        .filter(|l| l[PARTY_LINKS.col("kind")].as_str() == Some("works_at"))
        .filter_map(|l| {
            let person = linked.get(&l[PARTY_LINKS.col("from_party_id")].as_uuid()?)?;
            Some(records::to_record(
                &PARTY_LINKS,
                l,
                export::contact_fields(l, person, &names),
            ))
        })
        .collect();
    let scores = rows
        .scores
        .iter()
        .filter_map(|(as_of, currency, row)| {
            crate::score::PartyScore::from_row(*as_of, currency.clone(), row)
        })
        .collect();
    Ok(Some(Party360 {
        party,
        contacts,
        links,
        interactions,
        order_summary: rows.order_summary,
        orders,
        contracts,
        surveys,
        open_cases,
        open_tasks,
        scores,
    }))
}

/// The party's links both ways, as seen from it, with the parties at their other ends.
fn link_views(
    id: Uuid,
    outgoing: &[Row],
    incoming: &[Row],
    parties: &HashMap<Uuid, Row>,
) -> Vec<LinkView> {
    let (from, to) = (
        PARTY_LINKS.col("from_party_id"),
        PARTY_LINKS.col("to_party_id"),
    );
    outgoing
        .iter()
        .chain(incoming)
        .filter_map(|r| {
            let outgoing = r[from].as_uuid() == Some(id);
            let other_id = if outgoing {
                r[to].as_uuid()?
            } else {
                r[from].as_uuid()?
            };
            let p = parties.get(&other_id)?;
            Some(LinkView {
                kind: r[PARTY_LINKS.col("kind")].as_str()?.to_string(),
                outgoing,
                other_id,
                other_external_id: p[PARTIES.col("external_id")].as_str()?.to_string(),
                other_name: p[PARTIES.col("name")].as_str()?.to_string(),
                job_title: r[PARTY_LINKS.col("job_title")].as_str().map(str::to_string),
            })
        })
        .collect()
}
