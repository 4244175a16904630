//! Importing order lines, from Rapport's orders CSV (one row per order line) or from a bare
//! transaction log (customer, date, amount[, quantity][, sku]) such as CDNOW's, where every
//! transaction becomes an order of one line. Unknown customers are created as parties.
//!
//! Volume shapes this file: 10 million lines must load at hundreds of thousands of rows per
//! second in flat memory. So: records are written in batches; parties and orders created by
//! the import get ascending sequential ids (inserts append to the B-trees); only compact
//! fingerprints of the customers and orders seen are kept (16–20 bytes each, `keys.rs`), never
//! the rows; the loader checks its own references instead of the database checking each row;
//! and into an empty database the secondary indexes are dropped and rebuilt after the load,
//! inside the same transaction, so a killed import leaves them as they were.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rapport_domain::{AuditEntry, Currency, OrgId};
use rapport_store::schema::{ORDER_LINES, ORDERS, PARTIES, PRODUCTS};
use rapport_store::{Row, Store, StoreError, Tx, Value};
use uuid::Uuid;

use crate::import::header::map_header;
mod keys;
mod read;

use keys::{Customers, Key, KeyMap, KeySet, Orders, key};

use read::{LineIn, ParseOpts, Parsed, detect_positions, is_header, parse_file};
pub(crate) use read::{RequestLine, parse_request_line};

use crate::import::ids::SequentialIds;
use crate::import::kinds::ImportKind;
use crate::import::source::{Record, RecordSource};
use crate::import::write::product_lookup;
use crate::import::{
    ImportError, ImportOptions, ImportReport, Progress, RejectWriter, RowError, finish,
};

/// Import state kept across batches.
struct Loader {
    ids: SequentialIds,
    now: DateTime<Utc>,
    txlog: bool,
    parties_bulk: bool,
    orders_bulk: bool,
    customers: Customers,
    orders: Orders,
    next_line: KeyMap<u32>,
    stored_lines_seen: KeySet,
    products: HashMap<String, Uuid>,
    /// Whether the database's per-row foreign-key checks are off for this transaction, so
    /// referenced rows the import did not write must be locked (`Tx::lock_keys`).
    locks: bool,
}

#[derive(Default)]
struct Counts {
    created: u64,
    updated: u64,
    unchanged: u64,
    orders: u64,
    parties: u64,
}

pub(crate) async fn import(
    store: &Store,
    org: OrgId,
    source: RecordSource,
    first: Record,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let file = source.path().to_string();
    let header = is_header(&first);
    let (mapping, txlog) = if header {
        let m = map_header(&file, ImportKind::Orders, &first.fields, &opts.columns)?;
        let txlog = !m.has(ImportKind::Orders, "order_id");
        (m, txlog)
    } else {
        (detect_positions(&file, &first, opts)?, true)
    };
    let mut report = ImportReport {
        kind: Some(ImportKind::Orders),
        file: file.clone(),
        dry_run: opts.dry_run,
        ignored_columns: mapping.ignored.clone(),
        ..ImportReport::default()
    };
    let mut rejects = RejectWriter::new(opts, &mapping.header);
    let mut tx = store.begin_bulk(org).await?;
    let parties_bulk = tx.table_is_empty(&PARTIES).await?;
    let orders_bulk = tx.table_is_empty(&ORDERS).await? && tx.table_is_empty(&ORDER_LINES).await?;
    report.bulk = orders_bulk;
    // Every reference this path writes (customer, order, product) it resolved or created
    // itself, and the rows it did not write (stored customers and orders, products) it locks
    // as it resolves them: where the database lets it, the per-row foreign-key checks are
    // off for this transaction and the keys stay in place. Where it does not, into empty
    // tables the keys are dropped and re-validated in one pass at the end.
    let locks = tx.skip_foreign_key_triggers().await?;
    if parties_bulk {
        tx.drop_indexes(&PARTIES).await?;
        if !locks {
            tx.suspend_foreign_keys(&PARTIES).await?;
        }
    }
    if orders_bulk {
        tx.drop_indexes(&ORDERS).await?;
        if !locks {
            tx.suspend_foreign_keys(&ORDERS).await?;
            tx.suspend_foreign_keys(&ORDER_LINES).await?;
        }
        // Nothing references order lines, and the loader refuses duplicate lines itself
        // (`Orders::take_line`): their key may be built after the load. (The orders' own key
        // stays: appended in order, it costs little live, and rebuilding it costs more.)
        tx.suspend_primary_key(&ORDER_LINES).await?;
    }
    let products = product_lookup(&mut tx).await?;
    if locks {
        let ids: Vec<Uuid> = products.values().copied().collect();
        tx.lock_keys(&PRODUCTS, &ids).await?;
    }
    let mut loader = Loader {
        ids: SequentialIds::new(opts.now.timestamp_millis().max(0) as u64),
        now: opts.now,
        txlog,
        parties_bulk,
        orders_bulk,
        customers: Customers::default(),
        orders: Orders::default(),
        next_line: KeyMap::default(),
        stored_lines_seen: KeySet::default(),
        products,
        locks,
    };
    let mut counts = Counts::default();
    // Parsing runs on its own thread, a batch ahead of the writer: reading and checking the
    // file overlaps with the database's work. The channel holds two batches, so memory stays
    // flat however large the file.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Parsed, ImportError>>(2);
    let parse_opts = ParseOpts {
        default_currency: opts.default_currency,
        keep_raw: opts.skip_invalid,
    };
    let parse_mapping = mapping.clone();
    let pending_first = if header { None } else { Some(first) };
    let parser = std::thread::Builder::new()
        .name("rapport-reader".into())
        .spawn(move || {
            parse_file(
                source,
                pending_first,
                parse_mapping,
                txlog,
                parse_opts,
                sender,
            )
        })
        .map_err(|e| ImportError::File {
            file: file.clone(),
            message: format!("cannot start the reader: {e}"),
        })?;
    while let Some(parsed) = receiver.recv().await {
        let parsed = parsed?;
        report.rows = parsed.rows_read;
        for (raw, errors) in parsed.rejected {
            rejects.write(&raw, &errors);
            report.add_errors(errors);
        }
        let (rejected, c) = loader.write_batch(&mut tx, parsed.lines).await?;
        counts.add(&c);
        for (raw, errors) in rejected {
            rejects.write(&raw, &errors);
            report.add_errors(errors);
        }
        progress.advance(report.rows, parsed.position);
    }
    let bytes_total = parser.join().map_err(|_| ImportError::File {
        file: file.clone(),
        message: "the reader thread failed".into(),
    })?;
    // The loader's fingerprints are no longer needed: free them before the index builds sort.
    drop(loader);
    progress.advance(report.rows, bytes_total);
    if parties_bulk || orders_bulk {
        progress.stage("building indexes and keys");
    }
    if parties_bulk {
        tx.create_indexes(&PARTIES).await?;
        tx.analyze(&PARTIES).await?;
        if !locks {
            tx.restore_foreign_keys(&PARTIES).await?;
        }
    }
    if orders_bulk {
        tx.restore_primary_key(&ORDER_LINES).await?;
        tx.create_indexes(&ORDERS).await?;
        tx.analyze(&ORDERS).await?;
        tx.analyze(&ORDER_LINES).await?;
        if !locks {
            tx.restore_foreign_keys(&ORDERS).await?;
            tx.restore_foreign_keys(&ORDER_LINES).await?;
        }
    }
    report.created = counts.created;
    report.updated = counts.updated;
    report.unchanged = counts.unchanged;
    report.orders_created = counts.orders;
    report.parties_created = counts.parties;
    rejects.finish(&mut report)?;
    finish(tx, opts, &mut report, Vec::<AuditEntry>::new()).await?;
    Ok(report)
}

/// Rows refused, with their raw fields and reasons.
type Rejected = Vec<(Vec<String>, Vec<RowError>)>;

/// What one batch writes, planned from the parsed lines and what the database answered
/// (`Loader::plan_rows`), then written by `apply`. (Planning the next batch on another thread
/// while one is written was measured: no faster on two cores, where the reader, the planner and
/// the database already share them.)
#[derive(Default)]
struct Plan {
    parties: Vec<Row>,
    order_inserts: Vec<Row>,
    order_updates: Vec<Row>,
    /// New lines, and beside each its file line and raw fields.
    line_rows: Vec<Row>,
    line_meta: Vec<(u64, Vec<String>)>,
    /// Lines of orders stored before: compared with what is stored when written.
    stored_lines: Vec<(u64, Vec<String>, Row)>,
    rejected: Rejected,
    counts: Counts,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.orders += other.orders;
        self.parties += other.parties;
    }
}

impl Loader {
    /// Plans and writes one batch.
    async fn write_batch(
        &mut self,
        tx: &mut Tx,
        batch: Vec<LineIn>,
    ) -> Result<(Rejected, Counts), StoreError> {
        let mut plan = Plan::default();
        let batch = self.prepare(batch, &mut plan);
        let stored = self.look_up(tx, &batch).await?;
        self.plan_rows(batch, &stored, &mut plan);
        apply(tx, plan).await
    }

    /// Refuses lines that disagree with their order's earlier lines and names the orders of
    /// transaction logs.
    fn prepare(&mut self, batch: Vec<LineIn>, plan: &mut Plan) -> Vec<LineIn> {
        // Lines of one order must agree on customer, time and currency; the ones that do not
        // are refused before anything of theirs (such as a new customer) is written.
        let mut first_line: KeyMap<(String, DateTime<Utc>, Currency)> = KeyMap::default();
        let mut batch: Vec<LineIn> = batch
            .into_iter()
            .filter_map(|l| {
                if self.txlog {
                    return Some(l);
                }
                match first_line.get(&l.order_key) {
                    Some((c, at, cur)) if *c != l.customer || *at != l.at || *cur != l.currency => {
                        plan.rejected.push((
                            l.raw,
                            vec![RowError {
                                line: l.line,
                                column: Some("order_id".into()),
                                value: Some(l.order_ext),
                                reason: "disagrees with the order's earlier lines on customer, date or currency".into(),
                            }],
                        ));
                        None
                    }
                    Some(_) => Some(l),
                    None => {
                        first_line.insert(l.order_key, (l.customer.clone(), l.at, l.currency));
                        Some(l)
                    }
                }
            })
            .collect();

        // Order external ids for transaction logs: customer, day and a running number.
        if self.txlog {
            for l in &mut batch {
                let day = l.at.format("%Y%m%d");
                let mut k = 1;
                loop {
                    let candidate = format!("{}-{day}-{k}", l.customer);
                    if !self.orders.contains(&key(&candidate)) {
                        l.order_ext = candidate;
                        break;
                    }
                    k += 1;
                }
                l.order_key = key(&l.order_ext);
                self.orders.reserve(l.order_key);
            }
            // Reservations only kept the names apart; resolution decides.
            for l in &batch {
                self.orders.release(&l.order_key);
            }
        }
        batch
    }

    /// Asks the database for the batch's customers and orders this import has not seen:
    /// remembers the customers found, returns the orders found by external id. Nothing to
    /// ask into empty tables.
    async fn look_up(
        &mut self,
        tx: &mut Tx,
        batch: &[LineIn],
    ) -> Result<HashMap<String, Row>, StoreError> {
        if !self.parties_bulk {
            let mut unknown: Vec<String> = Vec::new();
            let mut asked = HashSet::new();
            for l in batch {
                if !self.customers.contains(&l.customer_key) && asked.insert(l.customer.as_str()) {
                    unknown.push(l.customer.clone());
                }
            }
            if !unknown.is_empty() {
                let found = tx.resolve_parties(&unknown).await?;
                if self.locks {
                    let ids: Vec<Uuid> = found.values().copied().collect();
                    tx.lock_keys(&PARTIES, &ids).await?;
                }
                for (ext, id) in found {
                    self.customers.insert_stored(key(&ext), id);
                }
            }
        }
        let mut stored: HashMap<String, Row> = HashMap::new();
        if !self.orders_bulk {
            let mut lookup: Vec<Value> = Vec::new();
            let mut asked = HashSet::new();
            for l in batch {
                let known_new = self.orders.seq(&l.order_key).is_some();
                if !known_new && asked.insert(l.order_ext.clone()) {
                    lookup.push(Value::text(l.order_ext.as_str()));
                }
            }
            let ext = ORDERS.col("external_id");
            for row in tx.fetch_in(&ORDERS, "external_id", &lookup).await? {
                if let Some(e) = row[ext].as_str() {
                    stored.insert(e.to_string(), row.clone());
                }
            }
            if self.locks {
                let ids: Vec<Uuid> = stored.values().filter_map(|r| r[0].as_uuid()).collect();
                tx.lock_keys(&ORDERS, &ids).await?;
            }
        }
        Ok(stored)
    }

    /// The rows of a batch: new customers, new or changed orders, their lines.
    fn plan_rows(&mut self, batch: Vec<LineIn>, stored: &HashMap<String, Row>, plan: &mut Plan) {
        plan.parties = self.new_customers(&batch, &mut plan.counts);
        for l in batch {
            let k = l.order_key;
            let party = self.customers.get(&l.customer_key, &self.ids);
            let Some(party) = party else { continue };
            // A new order's total is summed from its lines when they are written (`apply`); a
            // stored order keeps its own until then.
            let order_row = |id: Uuid, total: Value| {
                vec![
                    Value::Uuid(id),
                    Value::text(l.order_ext.as_str()),
                    Value::Uuid(party),
                    Value::Time(l.at),
                    Value::opt(l.channel.clone()),
                    Value::text(l.currency.as_str()),
                    total,
                ]
            };
            let (order_id, is_stored) = if let Some(row) = stored.get(&l.order_ext) {
                let id = row[0].as_uuid().unwrap_or_default();
                let wanted = order_row(id, row[ORDERS.col("total_minor")].clone());
                if &wanted != row && !plan.order_updates.iter().any(|r: &Row| r[0] == wanted[0]) {
                    plan.order_updates.push(wanted);
                }
                self.orders.insert_stored(k);
                (id, true)
            } else {
                match self.orders.seq(&k) {
                    Some(seq) => (self.ids.id(seq), false),
                    _ => {
                        let seq = self.ids.next_seq();
                        let id = self.ids.id(seq);
                        self.orders.insert_created(k, seq);
                        plan.order_inserts.push(order_row(id, Value::Int(0)));
                        plan.counts.orders += 1;
                        (id, false)
                    }
                }
            };
            let line_no = match l.line_no {
                Some(n) => n,
                None if self.txlog => 1,
                None => {
                    let next = self.next_line.entry(k).or_insert(0);
                    *next += 1;
                    *next as i64
                }
            };
            let product = l.sku.as_ref().and_then(|s| self.products.get(s)).copied();
            let row = vec![
                Value::Uuid(order_id),
                Value::Int(line_no),
                Value::opt(product),
                Value::opt(l.sku.clone()),
                Value::Int(l.quantity),
                Value::Int(l.amount),
            ];
            if is_stored {
                let lk = key(&format!("{}#{line_no}", l.order_ext));
                if !self.stored_lines_seen.insert(lk) {
                    plan.rejected
                        .push((l.raw, vec![duplicate_line(l.line, &l.order_ext, line_no)]));
                    continue;
                }
                plan.stored_lines.push((l.line, l.raw, row));
            } else if !self.orders.take_line(&k, line_no) {
                plan.rejected
                    .push((l.raw, vec![duplicate_line(l.line, &l.order_ext, line_no)]));
            } else {
                plan.line_rows.push(row);
                plan.line_meta.push((l.line, l.raw));
            }
        }
    }

    /// Rows for the batch's customers that are neither known nor stored: new parties.
    fn new_customers(&mut self, batch: &[LineIn], counts: &mut Counts) -> Vec<Row> {
        let mut first_seen: HashMap<&str, DateTime<Utc>> = HashMap::new();
        for l in batch {
            if self.customers.contains(&l.customer_key) {
                continue;
            }
            let e = first_seen.entry(l.customer.as_str()).or_insert(l.at);
            if l.at < *e {
                *e = l.at;
            }
        }
        let mut rows = Vec::new();
        for l in batch {
            let ext = l.customer.as_str();
            let Some(acquired) = first_seen.remove(ext) else {
                continue;
            };
            let seq = self.ids.next_seq();
            let id = self.ids.id(seq);
            self.customers.insert_created(l.customer_key, seq);
            counts.parties += 1;
            let mut row = vec![Value::Null; PARTIES.columns.len()];
            let mut set = |c: &str, v: Value| row[PARTIES.col(c)] = v;
            set("id", Value::Uuid(id));
            set("external_id", Value::text(ext));
            set("kind", Value::text("person"));
            set("name", Value::text(format!("Customer {ext}")));
            set("roles", Value::text("customer"));
            set("lifecycle", Value::text("active"));
            set("acquired_on", Value::Date(acquired.date_naive()));
            set("tags", Value::text(""));
            set("attributes", Value::Json(serde_json::json!({})));
            set("created_at", Value::Time(self.now));
            set("updated_at", Value::Time(self.now));
            rows.push(row);
        }
        rows
    }
}

/// Writes a planned batch; returns the rows refused and what was counted.
async fn apply(tx: &mut Tx, plan: Plan) -> Result<(Rejected, Counts), StoreError> {
    let Plan {
        parties,
        mut order_inserts,
        order_updates,
        mut line_rows,
        mut line_meta,
        stored_lines,
        mut rejected,
        mut counts,
    } = plan;
    // Order totals: an order created in this batch has all its lines so far among the new
    // lines, so its total goes in with it; every other order whose lines this batch adds or
    // changes (created by an earlier batch, or stored before) is summed again afterwards.
    let mut refresh: HashSet<Uuid> = HashSet::new();
    {
        let total = ORDERS.col("total_minor");
        let mut sums: HashMap<Uuid, i64> = order_inserts
            .iter()
            .filter_map(|o| Some((o[0].as_uuid()?, 0)))
            .collect();
        for l in &line_rows {
            let (Some(order), Some(amount)) = (l[0].as_uuid(), l[5].as_int()) else {
                continue;
            };
            match sums.get_mut(&order) {
                Some(sum) => *sum += amount,
                None => {
                    refresh.insert(order);
                }
            }
        }
        for o in &mut order_inserts {
            if let Some(sum) = o[0].as_uuid().and_then(|id| sums.get(&id)) {
                o[total] = Value::Int(*sum);
            }
        }
    }
    tx.insert_rows(&PARTIES, &parties).await?;
    tx.insert_rows(&ORDERS, &order_inserts).await?;
    for row in &order_updates {
        tx.update_row(&ORDERS, row).await?;
    }

    // Lines of orders stored before: compare with what is stored.
    if !stored_lines.is_empty() {
        let ids: Vec<Value> = stored_lines
            .iter()
            .filter_map(|(_, _, r)| r[0].as_uuid())
            .collect::<HashSet<_>>()
            .into_iter()
            .map(Value::Uuid)
            .collect();
        let existing: HashMap<(Uuid, i64), Row> = tx
            .fetch_in(&ORDER_LINES, "order_id", &ids)
            .await?
            .into_iter()
            .map(|r| {
                (
                    (
                        r[0].as_uuid().unwrap_or_default(),
                        r[1].as_int().unwrap_or(0),
                    ),
                    r,
                )
            })
            .collect();
        for (line, raw, row) in stored_lines {
            let k = (
                row[0].as_uuid().unwrap_or_default(),
                row[1].as_int().unwrap_or(0),
            );
            match existing.get(&k) {
                Some(old) if *old == row => counts.unchanged += 1,
                Some(_) => {
                    tx.update_row(&ORDER_LINES, &row).await?;
                    refresh.extend(row[0].as_uuid());
                    counts.updated += 1;
                }
                None => {
                    refresh.extend(row[0].as_uuid());
                    line_rows.push(row);
                    line_meta.push((line, raw));
                }
            }
        }
    }

    match tx.insert_rows(&ORDER_LINES, &line_rows).await {
        Ok(()) => counts.created += line_rows.len() as u64,
        Err(StoreError::Constraint(_)) => {
            // Find the culprits one by one; the rest goes in.
            for ((line, raw), row) in line_meta.into_iter().zip(line_rows) {
                match tx
                    .insert_rows(&ORDER_LINES, std::slice::from_ref(&row))
                    .await
                {
                    Ok(()) => counts.created += 1,
                    Err(StoreError::Constraint(_)) => {
                        // Its order's total counted it: sum the order again.
                        refresh.extend(row[0].as_uuid());
                        let ext = raw_order_ext(&row, &order_inserts).unwrap_or_default();
                        rejected.push((
                            raw,
                            vec![duplicate_line(line, &ext, row[1].as_int().unwrap_or(0))],
                        ));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Err(e) => return Err(e),
    }
    if !refresh.is_empty() {
        let mut orders: Vec<Uuid> = refresh.into_iter().collect();
        orders.sort_unstable();
        tx.refresh_order_totals(&orders).await?;
    }
    Ok((rejected, counts))
}

fn raw_order_ext(line: &Row, orders: &[Row]) -> Option<String> {
    orders
        .iter()
        .find(|o| o[0] == line[0])
        .and_then(|o| o[1].as_str().map(str::to_string))
}

fn duplicate_line(line: u64, order: &str, line_no: i64) -> RowError {
    RowError {
        line,
        column: Some("line".into()),
        value: Some(line_no.to_string()),
        reason: format!("order {order} has line {line_no} twice"),
    }
}
