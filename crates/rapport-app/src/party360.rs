//! The party 360: one party with everything around it in one read — its contacts and links,
//! the latest interactions, an order summary with the latest orders, contracts, survey answers,
//! and the open cases and tasks. What the party page and `GET /parties/{key}/360` show.

use rapport_domain::{CaseStatus, TaskStatus};
use rapport_store::schema::{CASES, PARTIES, PARTY_LINKS, TASKS};
use rapport_store::{Filter, ListQuery, OrderSummary, Row, StoreError, Tx, Value};
use uuid::Uuid;

use crate::export::{Names, render_with};
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

fn about(column: &'static str, party: Uuid, sort: &'static str, limit: usize) -> ListQuery {
    let mut q = ListQuery::new(sort, limit);
    q.filters.push(Filter::eq(column, Value::Uuid(party)));
    q.descending = true;
    q
}

/// The 360 of the party with external id (or id) `key`; `None` if there is none.
pub async fn load(tx: &mut Tx, key: &str) -> Result<Option<Party360>, StoreError> {
    let Some(row) = records::find_row(tx, ImportKind::Parties, key).await? else {
        return Ok(None);
    };
    let mut names = Names::load(tx).await?;
    let Some(fields) = render_with(
        tx,
        &mut names,
        ImportKind::Parties,
        std::slice::from_ref(&row),
    )
    .await?
    .into_iter()
    .next() else {
        return Ok(None);
    };
    let party = records::to_record(&PARTIES, &row, fields);
    let id = party.id;
    names.know_party(id, &party.fields[0]);
    let section = async |tx: &mut Tx,
                         names: &mut Names,
                         kind: ImportKind,
                         q: ListQuery|
           -> Result<(Vec<Row>, Vec<StoredRecord>), StoreError> {
        let (table, _) = crate::export::stored_as(kind);
        let rows = tx.list(table, &q).await?;
        let rendered = render_with(tx, names, kind, &rows).await?;
        let recs = if kind == ImportKind::Orders {
            rendered
                .into_iter()
                .map(|fields| StoredRecord {
                    id: Uuid::nil(),
                    fields,
                    created_at: None,
                    updated_at: None,
                })
                .collect()
        } else {
            rows.iter()
                .zip(rendered)
                .map(|(row, fields)| records::to_record(table, row, fields))
                .collect()
        };
        Ok((rows, recs))
    };
    let (_, interactions) = section(
        tx,
        &mut names,
        ImportKind::Interactions,
        about("party_id", id, "occurred_at", RECENT),
    )
    .await?;
    let (_, orders) = section(
        tx,
        &mut names,
        ImportKind::Orders,
        about("party_id", id, "ordered_at", 5),
    )
    .await?;
    let (_, contracts) = section(
        tx,
        &mut names,
        ImportKind::Contracts,
        about("party_id", id, "signed_at", 100),
    )
    .await?;
    let (_, surveys) = section(
        tx,
        &mut names,
        ImportKind::Surveys,
        about("party_id", id, "answered_at", RECENT),
    )
    .await?;
    let (case_rows, cases) = section(
        tx,
        &mut names,
        ImportKind::Cases,
        about("party_id", id, "opened_at", 100),
    )
    .await?;
    let status = CASES.col("status");
    let open_cases = case_rows
        .iter()
        .zip(cases)
        .filter(|(r, _)| {
            r[status]
                .as_str()
                .and_then(|s| CaseStatus::parse(s).ok())
                .is_some_and(CaseStatus::is_open)
        })
        .map(|(_, c)| c)
        .collect();
    let (task_rows, tasks) = section(
        tx,
        &mut names,
        ImportKind::Tasks,
        about("party_id", id, "id", 100),
    )
    .await?;
    let status = TASKS.col("status");
    let open_tasks = task_rows
        .iter()
        .zip(tasks)
        .filter(|(r, _)| {
            r[status]
                .as_str()
                .and_then(|s| TaskStatus::parse(s).ok())
                .is_some_and(TaskStatus::is_open)
        })
        .map(|(_, t)| t)
        .collect();
    // Contacts are the people whose `works_at` link points here: the same rows as the incoming
    // links, rendered with the linked parties' rows read once for both.
    let (links, incoming) = links(tx, &mut names, id).await?;
    let works: Vec<Row> = incoming
        .into_iter()
        .filter(|l| l[PARTY_LINKS.col("kind")].as_str() == Some("works_at"))
        .collect();
    let contacts = render_with(tx, &mut names, ImportKind::Contacts, &works)
        .await?
        .into_iter()
        .zip(&works)
        .map(|(fields, row)| records::to_record(&PARTY_LINKS, row, fields))
        .collect();
    let order_summary = tx.order_summary(id).await?;
    let scores = crate::score::history(tx, id, SCORE_HISTORY).await?;
    Ok(Some(Party360 {
        party,
        contacts,
        links,
        interactions,
        order_summary,
        orders,
        contracts,
        surveys,
        open_cases,
        open_tasks,
        scores,
    }))
}

/// The party's links both ways, as seen from it, and the incoming link rows (for contacts).
/// The parties they name are read once and told to `names`.
async fn links(
    tx: &mut Tx,
    names: &mut Names,
    id: Uuid,
) -> Result<(Vec<LinkView>, Vec<Row>), StoreError> {
    let mut rows = tx
        .list(&PARTY_LINKS, &about("from_party_id", id, "id", 100))
        .await?;
    let outgoing = rows.len();
    rows.extend(
        tx.list(&PARTY_LINKS, &about("to_party_id", id, "id", 100))
            .await?,
    );
    let (from, to) = (
        PARTY_LINKS.col("from_party_id"),
        PARTY_LINKS.col("to_party_id"),
    );
    let others: Vec<Value> = rows
        .iter()
        .map(|r| {
            if r[from].as_uuid() == Some(id) {
                r[to].clone()
            } else {
                r[from].clone()
            }
        })
        .collect();
    let parties: std::collections::HashMap<Uuid, Row> = tx
        .fetch_in(&PARTIES, "id", &others)
        .await?
        .into_iter()
        .filter_map(|p| p[PARTIES.col("id")].as_uuid().map(|i| (i, p)))
        .collect();
    let views = rows
        .iter()
        .zip(others)
        .filter_map(|(r, other)| {
            let other_id = other.as_uuid()?;
            let p = parties.get(&other_id)?;
            Some(LinkView {
                kind: r[PARTY_LINKS.col("kind")].as_str()?.to_string(),
                outgoing: r[from].as_uuid() == Some(id),
                other_id,
                other_external_id: p[PARTIES.col("external_id")].as_str()?.to_string(),
                other_name: p[PARTIES.col("name")].as_str()?.to_string(),
                job_title: r[PARTY_LINKS.col("job_title")].as_str().map(str::to_string),
            })
        })
        .collect();
    names.know_party_rows(parties.into_values());
    Ok((views, rows.split_off(outgoing)))
}
