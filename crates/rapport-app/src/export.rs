//! Exporting a kind as CSV in the import format, ordered by natural key, so that exporting,
//! importing into an empty database and exporting again gives the same file byte for byte.
//! Streams page by page: memory stays flat.

use std::collections::HashMap;
use std::io::Write;

use rapport_domain::dates::format_timestamp;
use rapport_domain::{Currency, format_minor};
use rapport_store::schema::*;
use rapport_store::{Row, Store, StoreError, Table, Tx, Value};
use uuid::Uuid;

use crate::import::ImportKind;
use crate::import::Progress;

const PAGE: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Write(#[from] csv::Error),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes every record of `kind` in `org` to `out`; returns the number of data rows.
pub async fn export(
    store: &Store,
    org: rapport_domain::OrgId,
    kind: ImportKind,
    out: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<u64, ExportError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(kind.fields().iter().map(|f| f.name))?;
    let mut tx = store.begin(org).await?;
    let mut names = Names::load(&mut tx).await?;
    let (table, order_by) = stored_as(kind);
    let mut rows = 0u64;
    let mut after: Option<String> = None;
    loop {
        let page = tx
            .fetch_ordered(table, order_by, after.as_deref(), PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last[table.col(order_by)].as_str().map(str::to_string);
        let records = render_with(&mut tx, &mut names, kind, &page).await?;
        for rec in &records {
            w.write_record(rec)?;
        }
        rows += records.len() as u64;
        progress.advance(rows, 0);
    }
    w.flush()?;
    tx.rollback().await?;
    Ok(rows)
}

/// The table a kind's records live in, and the natural key that orders exports.
pub fn stored_as(kind: ImportKind) -> (&'static Table, &'static str) {
    match kind {
        ImportKind::Contacts => (&PARTY_LINKS, "external_id"),
        ImportKind::Parties => (&PARTIES, "external_id"),
        ImportKind::Interactions => (&INTERACTIONS, "external_id"),
        ImportKind::Products => (&PRODUCTS, "sku"),
        ImportKind::Orders => (&ORDERS, "external_id"),
        ImportKind::Contracts => (&CONTRACTS, "external_id"),
        ImportKind::CancellationReasons => (&CANCELLATION_REASONS, "code"),
        ImportKind::Surveys => (&SURVEY_RESPONSES, "external_id"),
        ImportKind::Cases => (&CASES, "external_id"),
        ImportKind::Tasks => (&TASKS, "external_id"),
    }
}

/// Renders stored rows of `kind` (from its table, see [`stored_as`]) as the fields files carry,
/// in the kind's field order: ids become external ids, e-mails and skus again. Orders give one
/// record per line.
pub async fn render(
    tx: &mut Tx,
    kind: ImportKind,
    page: &[Row],
) -> Result<Vec<Vec<String>>, StoreError> {
    let mut names = Names::load(tx).await?;
    render_with(tx, &mut names, kind, page).await
}

/// [`render`] with names already loaded (for callers rendering several kinds at once).
pub async fn render_with(
    tx: &mut Tx,
    names: &mut Names,
    kind: ImportKind,
    page: &[Row],
) -> Result<Vec<Vec<String>>, StoreError> {
    let (table, _) = stored_as(kind);
    if matches!(kind, ImportKind::Contracts | ImportKind::Orders) {
        names.need_products(tx).await?;
    }
    if kind != ImportKind::Contacts {
        names
            .learn_users(tx, &page.iter().collect::<Vec<_>>(), table)
            .await?;
    }
    Ok(match kind {
        ImportKind::Parties => parties(tx, names, page).await?,
        ImportKind::Contacts => contacts(tx, names, page).await?,
        ImportKind::Orders => orders(tx, names, page).await?,
        _ => {
            names.learn_parties(tx, page, table).await?;
            page.iter().map(|r| simple(kind, table, r, names)).collect()
        }
    })
}

/// Turns ids back into the names files use: party external ids, user e-mails, product skus.
/// Products are loaded when a kind first needs them; parties as pages refer to them.
pub struct Names {
    users: HashMap<Uuid, String>,
    products: Option<HashMap<Uuid, String>>,
    parties: HashMap<Uuid, String>,
    /// Whole party rows a caller has read already (the 360's linked parties), so rendering
    /// contacts does not read them again.
    party_rows: HashMap<Uuid, Row>,
}

/// Party names kept at most (an export forgets them page by page beyond this).
const KNOWN_PARTIES: usize = 100_000;

impl Names {
    /// Names to be learnt as pages of rows refer to them (nothing is read yet).
    pub async fn load(_tx: &mut Tx) -> Result<Names, StoreError> {
        Ok(Names {
            users: HashMap::new(),
            products: None,
            parties: HashMap::new(),
            party_rows: HashMap::new(),
        })
    }

    /// Loads the e-mails of the users `rows` of `table` refer to (owners, authors, assignees)
    /// that are not known yet: one query for a page, none when all are known.
    async fn learn_users(
        &mut self,
        tx: &mut Tx,
        rows: &[&Row],
        table: &Table,
    ) -> Result<(), StoreError> {
        let cols: Vec<usize> = ["owner_id", "user_id", "assignee_id", "remedy_owner_id"]
            .iter()
            .filter_map(|c| table.try_col(c))
            .collect();
        let mut ids: Vec<Uuid> = rows
            .iter()
            .flat_map(|r| cols.iter().filter_map(|c| r[*c].as_uuid()))
            .filter(|id| !self.users.contains_key(id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        ids.sort();
        ids.dedup();
        self.users.extend(tx.user_emails(&ids).await?);
        Ok(())
    }

    /// Names known already (the 360 reads the users, products and parties it names with its
    /// rows): rendering with them asks no query.
    pub fn known(
        users: impl IntoIterator<Item = (Uuid, String)>,
        products: impl IntoIterator<Item = (Uuid, String)>,
    ) -> Names {
        Names {
            users: users.into_iter().collect(),
            products: Some(products.into_iter().collect()),
            parties: HashMap::new(),
            party_rows: HashMap::new(),
        }
    }

    async fn need_products(&mut self, tx: &mut Tx) -> Result<(), StoreError> {
        if self.products.is_none() {
            self.products = Some(
                crate::import::product_ids(tx)
                    .await?
                    .into_iter()
                    .map(|(sku, id)| (id, sku))
                    .collect(),
            );
        }
        Ok(())
    }

    /// Tells the names whole party rows read elsewhere (their external ids, and the rows
    /// themselves for rendering contacts).
    pub fn know_party_rows(&mut self, rows: impl IntoIterator<Item = Row>) {
        let (id, ext) = (PARTIES.col("id"), PARTIES.col("external_id"));
        for row in rows {
            if let (Some(i), Some(e)) = (row[id].as_uuid(), row[ext].as_str()) {
                self.parties.insert(i, e.to_string());
                self.party_rows.insert(i, row);
            }
        }
    }

    /// Tells the names a party's external id (so rendering its own records asks no query).
    pub fn know_party(&mut self, id: Uuid, external_id: &str) {
        self.parties.insert(id, external_id.to_string());
    }

    /// Loads the external ids of the parties a page refers to.
    async fn learn_parties(
        &mut self,
        tx: &mut Tx,
        page: &[Row],
        table: &Table,
    ) -> Result<(), StoreError> {
        let cols: Vec<usize> = ["party_id", "from_party_id", "to_party_id"]
            .iter()
            .filter_map(|c| table.try_col(c))
            .collect();
        let ids: Vec<Uuid> = page
            .iter()
            .flat_map(|r| cols.iter().filter_map(|c| r[*c].as_uuid()))
            .collect();
        self.learn_party_ids(tx, ids).await
    }

    async fn learn_party_ids(&mut self, tx: &mut Tx, mut ids: Vec<Uuid>) -> Result<(), StoreError> {
        ids.retain(|id| !self.parties.contains_key(id));
        if ids.is_empty() {
            return Ok(());
        }
        ids.sort();
        ids.dedup();
        if self.parties.len() + ids.len() > KNOWN_PARTIES {
            self.parties.clear();
        }
        let values: Vec<Value> = ids.into_iter().map(Value::Uuid).collect();
        let (id, ext) = (PARTIES.col("id"), PARTIES.col("external_id"));
        for row in tx.fetch_in(&PARTIES, "id", &values).await? {
            if let (Some(i), Some(e)) = (row[id].as_uuid(), row[ext].as_str()) {
                self.parties.insert(i, e.to_string());
            }
        }
        Ok(())
    }

    fn party(&self, v: &Value) -> String {
        v.as_uuid()
            .and_then(|id| self.parties.get(&id).cloned())
            .unwrap_or_default()
    }

    fn user(&self, v: &Value) -> String {
        v.as_uuid()
            .and_then(|id| self.users.get(&id).cloned())
            .unwrap_or_default()
    }

    fn product(&self, v: &Value) -> String {
        v.as_uuid()
            .and_then(|id| self.products.as_ref()?.get(&id).cloned())
            .unwrap_or_default()
    }
}

/// A cell as files write it.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Uuid(u) => u.to_string(),
        Value::Time(t) => format_timestamp(t),
        Value::Date(d) => d.to_string(),
        Value::Json(j) => match j {
            serde_json::Value::Object(m) if m.is_empty() => String::new(),
            other => other.to_string(),
        },
    }
}

fn money(minor: &Value, currency: &Value) -> String {
    match (
        minor.as_int(),
        currency.as_str().and_then(|c| Currency::parse(c).ok()),
    ) {
        (Some(m), Some(c)) => format_minor(m, c.minor_digits()),
        (Some(m), None) => format_minor(m, 2),
        _ => String::new(),
    }
}

fn get<'a>(table: &Table, row: &'a Row, col: &str) -> &'a Value {
    &row[table.col(col)]
}

/// The fields of a row of a kind stored in one table (not parties, contacts or orders).
pub fn simple(kind: ImportKind, table: &Table, r: &Row, n: &Names) -> Vec<String> {
    let c = |col: &str| cell(get(table, r, col));
    match kind {
        ImportKind::Interactions => vec![
            c("external_id"),
            n.party(get(table, r, "party_id")),
            n.user(get(table, r, "user_id")),
            c("channel"),
            c("direction"),
            c("occurred_at"),
            c("subject"),
            c("notes"),
            c("sentiment"),
            c("outcome"),
        ],
        ImportKind::Products => vec![
            c("sku"),
            c("name"),
            c("category"),
            money(get(table, r, "list_price_minor"), get(table, r, "currency")),
            c("currency"),
        ],
        ImportKind::Contracts => vec![
            c("external_id"),
            n.party(get(table, r, "party_id")),
            n.product(get(table, r, "product_id")),
            money(get(table, r, "value_minor"), get(table, r, "currency")),
            c("currency"),
            c("signed_at"),
            c("withdrawal_deadline"),
            c("delivery_due_at"),
            c("delivered_at"),
            c("ends_at"),
            c("status"),
            c("cancelled_at"),
            c("cancellation_reason"),
            c("cancellation_note"),
        ],
        ImportKind::CancellationReasons => vec![
            c("code"),
            c("label"),
            c("category"),
            c("remedy"),
            c("label_de"),
            c("label_fr"),
            c("label_el"),
            n.user(get(table, r, "remedy_owner_id")),
            c("remedy_status"),
        ],
        ImportKind::Surveys => vec![
            c("external_id"),
            n.party(get(table, r, "party_id")),
            c("kind"),
            c("score"),
            c("comment"),
            c("answered_at"),
        ],
        ImportKind::Cases => vec![
            c("external_id"),
            n.party(get(table, r, "party_id")),
            c("opened_at"),
            c("closed_at"),
            c("severity"),
            c("category"),
            c("status"),
            c("subject"),
        ],
        ImportKind::Tasks => vec![
            c("external_id"),
            n.party(get(table, r, "party_id")),
            n.user(get(table, r, "assignee_id")),
            c("title"),
            c("due_on"),
            c("status"),
            c("origin"),
        ],
        ImportKind::Parties | ImportKind::Contacts | ImportKind::Orders => Vec::new(),
    }
}

async fn parties(tx: &mut Tx, n: &mut Names, page: &[Row]) -> Result<Vec<Vec<String>>, StoreError> {
    // Who referred each party of the page.
    let ids: Vec<Value> = page
        .iter()
        .map(|r| get(&PARTIES, r, "id").clone())
        .collect();
    let links = tx.fetch_in(&PARTY_LINKS, "to_party_id", &ids).await?;
    let referrer = referrers(&links);
    n.learn_party_ids(tx, referrer.values().copied().collect())
        .await?;
    Ok(page
        .iter()
        .map(|r| {
            let id = get(&PARTIES, r, "id").as_uuid().unwrap_or_default();
            party_fields(r, n, referrer.get(&id).copied())
        })
        .collect())
}

/// Who referred whom, from links to the parties concerned: referred party -> referrer.
pub fn referrers(links: &[Row]) -> HashMap<Uuid, Uuid> {
    let kind = PARTY_LINKS.col("kind");
    links
        .iter()
        .filter(|l| l[kind].as_str() == Some("referral"))
        .filter_map(|l| {
            Some((
                get(&PARTY_LINKS, l, "to_party_id").as_uuid()?,
                get(&PARTY_LINKS, l, "from_party_id").as_uuid()?,
            ))
        })
        .collect()
}

/// A party row's fields, its referrer (a party id) named by external id.
pub fn party_fields(r: &Row, n: &Names, referrer: Option<Uuid>) -> Vec<String> {
    let c = |col: &str| cell(get(&PARTIES, r, col));
    vec![
        c("external_id"),
        c("kind"),
        c("name"),
        c("first_name"),
        c("last_name"),
        c("roles"),
        n.user(get(&PARTIES, r, "owner_id")),
        c("lifecycle"),
        c("acquisition_channel"),
        c("acquired_on"),
        c("segment"),
        c("industry"),
        c("country"),
        c("city"),
        c("email"),
        c("phone"),
        c("tags"),
        c("attributes"),
        referrer
            .and_then(|p| n.parties.get(&p).cloned())
            .unwrap_or_default(),
    ]
}

async fn contacts(
    tx: &mut Tx,
    n: &mut Names,
    page: &[Row],
) -> Result<Vec<Vec<String>>, StoreError> {
    let kind = PARTY_LINKS.col("kind");
    let works: Vec<&Row> = page
        .iter()
        .filter(|l| l[kind].as_str() == Some("works_at"))
        .collect();
    let mut persons: HashMap<Uuid, Row> = HashMap::new();
    let mut missing: Vec<Value> = Vec::new();
    for l in &works {
        let person = get(&PARTY_LINKS, l, "from_party_id");
        match person.as_uuid().and_then(|p| n.party_rows.get(&p)) {
            Some(row) => {
                persons.insert(person.as_uuid().unwrap_or_default(), row.clone());
            }
            None => missing.push(person.clone()),
        }
    }
    if !missing.is_empty() {
        for p in tx.fetch_in(&PARTIES, "id", &missing).await? {
            if let Some(id) = get(&PARTIES, &p, "id").as_uuid() {
                persons.insert(id, p);
            }
        }
    }
    n.learn_party_ids(
        tx,
        works
            .iter()
            .filter_map(|l| get(&PARTY_LINKS, l, "to_party_id").as_uuid())
            .collect(),
    )
    .await?;
    n.learn_users(tx, &persons.values().collect::<Vec<_>>(), &PARTIES)
        .await?;
    Ok(works
        .iter()
        .filter_map(|l| {
            let person = persons.get(&get(&PARTY_LINKS, l, "from_party_id").as_uuid()?)?;
            Some(contact_fields(l, person, n))
        })
        .collect())
}

/// A contact's fields: a `works_at` link and the person it starts from.
pub fn contact_fields(link: &Row, person: &Row, n: &Names) -> Vec<String> {
    let c = |col: &str| cell(get(&PARTIES, person, col));
    vec![
        c("external_id"),
        c("first_name"),
        c("last_name"),
        c("email"),
        c("phone"),
        n.party(get(&PARTY_LINKS, link, "to_party_id")),
        cell(get(&PARTY_LINKS, link, "job_title")),
        c("roles"),
        n.user(get(&PARTIES, person, "owner_id")),
        c("lifecycle"),
        c("country"),
        c("city"),
        c("tags"),
    ]
}

async fn orders(tx: &mut Tx, n: &mut Names, page: &[Row]) -> Result<Vec<Vec<String>>, StoreError> {
    n.learn_parties(tx, page, &ORDERS).await?;
    let ids: Vec<Value> = page.iter().map(|r| get(&ORDERS, r, "id").clone()).collect();
    let lines = tx.fetch_in(&ORDER_LINES, "order_id", &ids).await?;
    Ok(order_lines(page, lines, n))
}

/// One record per line of the orders of `page`, in the page's order and then by line number;
/// `lines` holds the lines of those orders.
pub fn order_lines(page: &[Row], lines: Vec<Row>, n: &Names) -> Vec<Vec<String>> {
    let mut by_order: HashMap<Uuid, Vec<Row>> = HashMap::new();
    for l in lines {
        if let Some(o) = get(&ORDER_LINES, &l, "order_id").as_uuid() {
            by_order.entry(o).or_default().push(l);
        }
    }
    let mut out = Vec::new();
    for o in page {
        let id = get(&ORDERS, o, "id").as_uuid().unwrap_or_default();
        let mut ls = by_order.remove(&id).unwrap_or_default();
        ls.sort_by_key(|l| get(&ORDER_LINES, l, "line_no").as_int());
        let currency = get(&ORDERS, o, "currency");
        for l in ls {
            out.push(vec![
                cell(get(&ORDERS, o, "external_id")),
                cell(get(&ORDER_LINES, &l, "line_no")),
                n.party(get(&ORDERS, o, "party_id")),
                cell(get(&ORDERS, o, "ordered_at")),
                cell(get(&ORDER_LINES, &l, "sku")),
                cell(get(&ORDER_LINES, &l, "quantity")),
                money(get(&ORDER_LINES, &l, "amount_minor"), currency),
                cell(currency),
                cell(get(&ORDERS, o, "channel")),
            ]);
        }
    }
    out
}
