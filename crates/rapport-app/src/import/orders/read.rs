//! Reading order lines: telling a header from data, recognizing the columns of a headerless
//! transaction log by their shape, parsing each line (a file's, or a request's through
//! `parse_request_line`), and the reader thread that parses the file a batch ahead of the
//! writer.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rapport_domain::{Currency, ExternalId, ParseError};

use super::{Key, key};
use crate::import::header::Mapping;
use crate::import::kinds::ImportKind;
use crate::import::parse::RowView;
use crate::import::source::{Record, RecordSource};
use crate::import::{BATCH, ImportError, ImportOptions, RowError, width_error};

/// One parsed order line.
pub(super) struct LineIn {
    pub(super) line: u64,
    pub(super) raw: Vec<String>,
    pub(super) order_ext: String,
    pub(super) line_no: Option<i64>,
    pub(super) customer: String,
    pub(super) customer_key: Key,
    /// The order's fingerprint (for transaction logs, set once the order id is assigned).
    pub(super) order_key: Key,
    pub(super) at: DateTime<Utc>,
    pub(super) sku: Option<String>,
    pub(super) quantity: i64,
    pub(super) amount: i64,
    pub(super) currency: Currency,
    pub(super) channel: Option<String>,
}

/// Whether a first record is a header: none of its fields reads as a number or a date.
pub(super) fn is_header(rec: &Record) -> bool {
    rec.fields.iter().all(|f| {
        let f = f.trim();
        f.parse::<f64>().is_err() && rapport_domain::parse_date(f).is_err()
    })
}

/// For a headerless transaction log: which positions hold customer, date, quantity and amount.
pub(super) fn detect_positions(
    file: &str,
    rec: &Record,
    opts: &ImportOptions,
) -> Result<Mapping, ImportError> {
    let n = rec.fields.len();
    let header: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let fields = ImportKind::Orders.fields();
    let mut mapping = Mapping {
        columns: vec![None; fields.len()],
        header,
        ..Mapping::default()
    };
    let set = |m: &mut Mapping, field: &str, col: usize| {
        if let Some(i) = fields.iter().position(|f| f.name == field) {
            m.columns[i] = Some(col);
        }
    };
    let looks_like_date = |s: &str| {
        let s = s.trim();
        (s.len() == 8 || s.contains('-') || s.contains('.'))
            && rapport_domain::parse_date(s).is_ok()
    };
    if let Some(date) = rec.fields.iter().position(|f| looks_like_date(f)) {
        let customer = if date == 0 { 1 } else { 0 };
        set(&mut mapping, "ordered_at", date);
        set(&mut mapping, "customer_id", customer);
        if n >= 3 {
            set(&mut mapping, "amount", n - 1);
            if date + 1 < n - 1 && rec.fields[date + 1].trim().parse::<i64>().is_ok() {
                set(&mut mapping, "quantity", date + 1);
            }
        }
    }
    for (column, target) in &opts.columns.maps {
        let pos = column
            .trim_start_matches('#')
            .parse::<usize>()
            .ok()
            .filter(|p| *p >= 1 && *p <= n);
        let Some(pos) = pos else {
            return Err(ImportError::Columns {
                file: file.to_string(),
                message: format!(
                    "the file has no header line: name columns by position (1..{n}), not '{column}'"
                ),
            });
        };
        match fields.iter().position(|f| f.name == target) {
            Some(i) => mapping.columns[i] = Some(pos - 1),
            None if target == "ignore" => {}
            None => {
                return Err(ImportError::Columns {
                    file: file.to_string(),
                    message: format!("orders have no field '{target}'"),
                });
            }
        }
    }
    let missing = mapping.missing_required(ImportKind::Orders);
    if !missing.is_empty() {
        return Err(ImportError::Columns {
            file: file.to_string(),
            message: format!(
                "no header line, and the columns for {} could not be recognized; name them with --map POSITION=FIELD",
                missing.join(", ")
            ),
        });
    }
    let used: HashSet<usize> = mapping.columns.iter().flatten().copied().collect();
    mapping.ignored = (0..n)
        .filter(|i| !used.contains(i))
        .map(|i| format!("column {}", i + 1))
        .collect();
    Ok(mapping)
}

/// One order line of a request (the API), parsed by the rules of a file's line.
pub(crate) struct RequestLine {
    pub(crate) line_no: Option<i64>,
    pub(crate) customer: String,
    pub(crate) at: DateTime<Utc>,
    pub(crate) sku: Option<String>,
    pub(crate) quantity: i64,
    pub(crate) amount: i64,
    pub(crate) currency: Currency,
    pub(crate) channel: Option<String>,
}

/// Parses a record holding every field of the orders format, in its order (`order_id`,
/// `line`, `customer_id`, `ordered_at`, `sku`, `quantity`, `amount`, `currency`, `channel`),
/// exactly as a line of an orders file is parsed; errors name the fields.
pub(crate) fn parse_request_line(
    rec: &Record,
    default_currency: Currency,
) -> Result<RequestLine, Vec<RowError>> {
    let fields = ImportKind::Orders.fields();
    let mapping = Mapping {
        columns: (0..fields.len()).map(Some).collect(),
        header: fields.iter().map(|f| f.name.to_string()).collect(),
        ..Mapping::default()
    };
    let opts = ParseOpts {
        default_currency,
        keep_raw: false,
    };
    parse_line(rec, &mapping, false, &opts).map(|l| RequestLine {
        line_no: l.line_no,
        customer: l.customer,
        at: l.at,
        sku: l.sku,
        quantity: l.quantity,
        amount: l.amount,
        currency: l.currency,
        channel: l.channel,
    })
}

fn parse_line(
    rec: &Record,
    mapping: &Mapping,
    txlog: bool,
    opts: &ParseOpts,
) -> Result<LineIn, Vec<RowError>> {
    let mut v = RowView::new(ImportKind::Orders, rec, mapping);
    if rec.fields.len() != mapping.header.len()
        && !(txlog
            && rec.fields.len() > mapping.columns.iter().flatten().max().copied().unwrap_or(0))
    {
        return Err(vec![width_error(rec, mapping)]);
    }
    let order_ext = if txlog {
        None
    } else {
        v.parse_required("order_id", ExternalId::parse)
    };
    let line_no = v.parse("line", |s| match s.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ParseError::new(format!(
            "'{s}' is not a line number (1, 2, ...)"
        ))),
    });
    let customer = v.parse_required("customer_id", ExternalId::parse);
    let at = v.parse_required("ordered_at", rapport_domain::parse_timestamp);
    let sku = v.text("sku", 100);
    let quantity = v
        .parse("quantity", rapport_domain::parse_quantity)
        .unwrap_or(1);
    let currency = v
        .parse("currency", Currency::parse)
        .unwrap_or(opts.default_currency);
    let amount = v.parse_required("amount", |s| {
        rapport_domain::parse_minor(s, currency.minor_digits())
    });
    let channel = v.text("channel", 100);
    match (customer, at, amount) {
        (Some(customer), Some(at), Some(amount)) if v.errors.is_empty() => Ok(LineIn {
            line: rec.line,
            raw: if opts.keep_raw {
                rec.fields.clone()
            } else {
                Vec::new()
            },
            order_key: order_ext
                .as_ref()
                .map(|e| key(e.as_str()))
                .unwrap_or_default(),
            order_ext: order_ext
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            line_no,
            customer_key: key(customer.as_str()),
            customer: customer.as_str().to_string(),
            at,
            sku,
            quantity,
            amount,
            currency,
            channel,
        }),
        _ => Err(v.errors),
    }
}

/// What parsing needs from the options (owned: it runs on its own thread).
pub(super) struct ParseOpts {
    pub(super) default_currency: Currency,
    /// Keep each row's fields, for the reject file.
    pub(super) keep_raw: bool,
}

/// One batch from the reader thread.
pub(super) struct Parsed {
    pub(super) lines: Vec<LineIn>,
    pub(super) rejected: Vec<(Vec<String>, Vec<RowError>)>,
    pub(super) rows_read: u64,
    pub(super) position: u64,
}

/// Reads and parses the file in batches; returns the file's size when done.
pub(super) fn parse_file(
    mut source: RecordSource,
    mut pending_first: Option<Record>,
    mapping: Mapping,
    txlog: bool,
    opts: ParseOpts,
    sender: tokio::sync::mpsc::Sender<Result<Parsed, ImportError>>,
) -> u64 {
    let mut rows_read = 0u64;
    let mut batch = Parsed {
        lines: Vec::with_capacity(BATCH),
        rejected: Vec::new(),
        rows_read: 0,
        position: 0,
    };
    loop {
        let rec = match pending_first.take() {
            Some(r) => r,
            None => match source.next_record() {
                None => break,
                Some(Err(e)) => {
                    let _ = sender.blocking_send(Err(e));
                    return source.bytes_total;
                }
                Some(Ok(r)) => r,
            },
        };
        rows_read += 1;
        match parse_line(&rec, &mapping, txlog, &opts) {
            Ok(line) => batch.lines.push(line),
            Err(errors) => batch.rejected.push((rec.fields, errors)),
        }
        if batch.lines.len() >= BATCH {
            batch.rows_read = rows_read;
            batch.position = source.position();
            let next = Parsed {
                lines: Vec::with_capacity(BATCH),
                rejected: Vec::new(),
                rows_read: 0,
                position: 0,
            };
            if sender
                .blocking_send(Ok(std::mem::replace(&mut batch, next)))
                .is_err()
            {
                return source.bytes_total;
            }
        }
    }
    batch.rows_read = rows_read;
    batch.position = source.bytes_total;
    let _ = sender.blocking_send(Ok(batch));
    source.bytes_total
}
