//! Reading a transaction log for `rapport clv`: one purchase per line with a customer id, a
//! date and an amount, delimited by commas, semicolons, tabs or runs of whitespace, with or
//! without a header. Built for logs of tens of millions of lines on every core:
//!
//! 1. the file is mapped into memory and cut into one piece per core at line ends; each reader
//!    parses its piece without allocating per line and deals every purchase into one of
//!    [`PARTS`] partitions by a hash of its customer id ([`read_log`]);
//! 2. each partition (a few thousand customers, small enough to stay in the processor's
//!    cache) numbers its customers, groups their purchases sorted by day and amount, and
//!    summarizes them ([`Log::summarize`], once the calibration end is known);
//! 3. the customers of all partitions are put in order of first appearance in the file.
//!
//! No step looks a customer up in a map of all customers: that lookup, a cache miss per line,
//! was most of the time of an earlier reader.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rapport_analytics::{AnalyticsError, RfmBuilder, RfmOptions, RfmSummary};

use super::ClvError;
use super::fields::{
    Columns, DateFormat, Layout, amount_of, day_of, fields, layout, pick, trim, unquote,
};
use crate::import::source::detect_delimiter;

type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Partitions the purchases are dealt into by customer.
const PARTS: usize = 512;
/// Ids up to this many bytes are compared by value, longer ones by their bytes in the file.
const SHORT_ID: usize = 16;

/// The file's bytes: mapped into memory where the system allows it (no copy, and the pages
/// are the system's file cache), else read.
enum Data {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }
}

/// A parsed log: its purchases dealt into partitions by customer, ready to be summarized.
pub struct Log {
    data: Data,
    /// Per partition, per reader (in file order), the purchases.
    parts: Vec<std::sync::Mutex<Vec<Vec<Purchase>>>>,
    /// Data lines read (header and blank lines not counted).
    pub lines: u64,
    /// The latest purchase day; `None` for a log without purchases.
    pub last_day: Option<i64>,
    pub header: bool,
    pub date_format: DateFormat,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("lines", &self.lines)
            .field("last_day", &self.last_day)
            .field("header", &self.header)
            .field("date_format", &self.date_format)
            .finish_non_exhaustive()
    }
}

/// The RFM summary of a log, its customers numbered from 0 in order of first appearance in
/// the file, and each number's id as written there.
#[derive(Debug)]
pub struct Summarized {
    pub summary: RfmSummary,
    pub ids: Vec<String>,
}

/// One purchase as a reader found it: the customer's id (its bytes when short, else where it
/// is in the data and its length), the day, the amount, and in `tag` the purchase's number
/// within its reader << 5 | the id's length (1 to 16), or [`LONG`] for a longer id.
#[derive(Debug, Clone, Copy)]
struct Purchase {
    key: [u64; 2],
    amount: f64,
    day: i32,
    tag: u32,
}

/// The length code of an id longer than [`SHORT_ID`].
const LONG: u32 = SHORT_ID as u32 + 1;
/// Purchases one reader can number in `tag`.
const READER_LIMIT: u32 = 1 << 27;
/// Largest piece of the file one reader takes (so its purchases stay under [`READER_LIMIT`]:
/// a line holds at least an id, a date of 8 characters, an amount and two delimiters).
const PIECE_LIMIT: usize = 1 << 30;

/// The key, length code and partition of an id at `offset` in the data.
fn key_of(id: &[u8], offset: usize) -> ([u64; 2], u32, usize) {
    use std::hash::BuildHasher;
    let hasher = foldhash::fast::FixedState::with_seed(0x5241_5050);
    if id.len() <= SHORT_ID {
        let mut bytes = [0u8; 16];
        bytes[..id.len()].copy_from_slice(id);
        let key = [
            u64::from_le_bytes(bytes[..8].try_into().unwrap_or_default()),
            u64::from_le_bytes(bytes[8..].try_into().unwrap_or_default()),
        ];
        let h = hasher.hash_one((key, id.len()));
        (key, id.len() as u32, (h >> 32) as usize % PARTS)
    } else {
        let h = hasher.hash_one(id);
        (
            [offset as u64, id.len() as u64],
            LONG,
            (h >> 32) as usize % PARTS,
        )
    }
}

/// The id a key stands for.
fn id_of<'a>(key: &'a [u64; 2], code: u32, data: &'a [u8]) -> std::borrow::Cow<'a, str> {
    if code == LONG {
        let (offset, len) = (key[0] as usize, key[1] as usize);
        String::from_utf8_lossy(&data[offset..offset + len])
    } else {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&key[0].to_le_bytes());
        bytes[8..].copy_from_slice(&key[1].to_le_bytes());
        String::from_utf8_lossy(&bytes[..code as usize])
            .into_owned()
            .into()
    }
}

/// Reads and parses the whole log at `path`.
pub fn read_log(path: &Path, columns: &Columns, format: DateFormat) -> Result<Log, ClvError> {
    let file = path.display().to_string();
    let io = |e: std::io::Error| ClvError::File {
        file: file.clone(),
        message: e.to_string(),
    };
    let opened = std::fs::File::open(path).map_err(io)?;
    // SAFETY: the map is only read; a file changed by another process while it is read gives
    // wrong numbers for that run, as any reader would, but no memory outside the map is touched.
    let mapped = unsafe { memmap2::MmapOptions::new().populate().map(&opened) };
    let data = match mapped {
        Ok(m) => Data::Mapped(m),
        Err(_) => Data::Owned(std::fs::read(path).map_err(io)?),
    };
    parse(data, &file, columns, format)
}

/// Parses a whole log held in memory (`file` names it in messages).
pub fn parse_log(
    bytes: Vec<u8>,
    file: &str,
    columns: &Columns,
    format: DateFormat,
) -> Result<Log, ClvError> {
    parse(Data::Owned(bytes), file, columns, format)
}

fn parse(data: Data, file: &str, columns: &Columns, format: DateFormat) -> Result<Log, ClvError> {
    let all: &[u8] = &data;
    let bom = if all.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let bytes = &all[bom..];
    let mut lines = bytes.split(|&b| b == b'\n').enumerate();
    let Some((first_no, first)) = lines.find(|(_, l)| !trim(l).is_empty()) else {
        return Err(ClvError::Empty { file: file.into() });
    };
    let delimiter = detect_delimiter(first);
    let first_fields = fields(first, delimiter);
    let header = first_fields.iter().all(|f| {
        std::str::from_utf8(f).map_or(true, |s| s.parse::<f64>().is_err())
            && DateFormat::detect(f).is_none()
    });
    let (sample_no, sample) = if header {
        lines
            .find(|(_, l)| !trim(l).is_empty())
            .ok_or_else(|| ClvError::Empty { file: file.into() })?
    } else {
        (first_no, first)
    };
    let sample_fields = fields(sample, delimiter);
    let layout = Layout {
        line_length: sample.len() + 1,
        ..layout(
            file,
            header.then_some(&first_fields[..]),
            &sample_fields,
            sample_no as u64 + 1,
            delimiter,
            columns,
            format,
        )?
    };
    // The data starts after the header line.
    let data_start = if header {
        let offset: usize = bytes
            .split(|&b| b == b'\n')
            .take(first_no + 1)
            .map(|l| l.len() + 1)
            .sum();
        bom + offset.min(bytes.len())
    } else {
        bom
    };
    let first_line_no = if header { first_no as u64 + 2 } else { 1 };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let body = &all[data_start..];
    let pieces = split_at_lines(body, threads.max(body.len().div_ceil(PIECE_LIMIT)));

    // Parse the pieces, each dealing its purchases into partitions.
    let dealt: Vec<Result<Dealt, ClvError>> = std::thread::scope(|s| {
        let handles: Vec<_> = pieces
            .iter()
            .map(|&(piece, _)| {
                let base = piece.as_ptr() as usize - all.as_ptr() as usize;
                s.spawn(move || parse_piece(piece, base, file, &layout))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut readers = Vec::with_capacity(dealt.len());
    let mut line_base = first_line_no - 1;
    for (piece, &(_, newlines)) in dealt.into_iter().zip(&pieces) {
        readers.push(piece.map_err(|e| e.shifted(line_base))?);
        line_base += newlines;
    }
    let lines_read = readers.iter().map(|r| r.lines).sum();
    let last_day = readers.iter().filter_map(|r| r.last_day).max();
    let mut parts: Vec<Vec<Vec<Purchase>>> = (0..PARTS)
        .map(|_| Vec::with_capacity(readers.len()))
        .collect();
    for reader in readers {
        for (part, purchases) in parts.iter_mut().zip(reader.parts) {
            part.push(purchases);
        }
    }
    Ok(Log {
        data,
        parts: parts.into_iter().map(std::sync::Mutex::new).collect(),
        lines: lines_read,
        last_day,
        header,
        date_format: layout.format,
    })
}

impl Log {
    /// The RFM summary of the log, the partitions on every core; each partition's memory is
    /// given back as soon as it is summarized.
    pub fn summarize(self, options: &RfmOptions) -> Result<Summarized, AnalyticsError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let next = AtomicUsize::new(0);
        let done: Vec<Result<Vec<PartSummary>, AnalyticsError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let (log, next) = (&self, &next);
                    s.spawn(move || {
                        let mut scratch = Scratch::default();
                        let mut out = Vec::new();
                        loop {
                            let p = next.fetch_add(1, Ordering::Relaxed);
                            let Some(part) = log.parts.get(p) else {
                                return Ok(out);
                            };
                            let pieces = std::mem::take(
                                &mut *part.lock().unwrap_or_else(|e| e.into_inner()),
                            );
                            let mut builder = RfmBuilder::new(options)?;
                            let mut failed = None;
                            let firsts = scratch.group(&pieces, &log.data, |k, history| {
                                if failed.is_none()
                                    && let Err(e) = builder.push(k as u64, history)
                                {
                                    failed = Some(e);
                                }
                            });
                            drop(pieces);
                            if let Some(e) = failed {
                                return Err(e);
                            }
                            out.push(PartSummary {
                                summary: builder.finish(),
                                firsts,
                            });
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let parts = done.into_iter().collect::<Result<Vec<_>, _>>()?;
        let parts: Vec<PartSummary> = parts.into_iter().flatten().collect();
        // Number the customers in order of first appearance.
        let mut order: Vec<(u64, u32, u32)> = parts
            .iter()
            .enumerate()
            .flat_map(|(p, part)| {
                part.summary
                    .customers
                    .iter()
                    .enumerate()
                    .map(move |(i, c)| (part.firsts[c.customer as usize].0, p as u32, i as u32))
            })
            .collect();
        order.sort_unstable_by_key(|o| o.0);
        let mut ids = Vec::with_capacity(order.len());
        let mut customers = Vec::with_capacity(order.len());
        for (number, &(_, p, i)) in order.iter().enumerate() {
            let part = &parts[p as usize];
            let mut c = part.summary.customers[i as usize].clone();
            let (_, key, code) = part.firsts[c.customer as usize];
            ids.push(id_of(&key, code, &self.data).into_owned());
            c.customer = number as u64;
            customers.push(c);
        }
        Ok(Summarized {
            summary: RfmSummary {
                options: *options,
                customers,
                excluded_late_customers: parts
                    .iter()
                    .map(|p| p.summary.excluded_late_customers)
                    .sum(),
                ignored_transactions: parts.iter().map(|p| p.summary.ignored_transactions).sum(),
            },
            ids,
        })
    }

    /// Every customer's purchases as `(id, [(day, amount)])` sorted by day and amount, in
    /// order of first appearance (what [`Log::summarize`] summarizes; for tests).
    #[cfg(test)]
    fn histories(self) -> Vec<(String, Vec<(i64, f64)>)> {
        let mut scratch = Scratch::default();
        let mut all = Vec::new();
        for part in &self.parts {
            let pieces = std::mem::take(&mut *part.lock().unwrap());
            let mut histories = Vec::new();
            let firsts = scratch.group(&pieces, &self.data, |_, h| histories.push(h.to_vec()));
            for (first, history) in firsts.into_iter().zip(histories) {
                all.push((
                    first.0,
                    id_of(&first.1, first.2, &self.data).into_owned(),
                    history,
                ));
            }
        }
        all.sort_by_key(|h| h.0);
        all.into_iter().map(|(_, id, h)| (id, h)).collect()
    }
}

/// A partition's summary (customers numbered within the partition) and per customer number
/// its first appearance (reader << 32 | purchase number) and its key and length code.
struct PartSummary {
    summary: RfmSummary,
    firsts: Vec<(u64, [u64; 2], u32)>,
}

/// Buffers a worker reuses from partition to partition.
#[derive(Default)]
struct Scratch {
    short: Map<([u64; 2], u32), u32>,
    numbers: Vec<u32>,
    counts: Vec<usize>,
    starts: Vec<usize>,
    lines: Vec<(i64, f64)>,
}

impl Scratch {
    /// Numbers a partition's customers in order of first appearance and hands each one's
    /// purchases, sorted by day and amount, to `each`. `pieces` are the readers' purchases of
    /// the partition, in file order. Gives per customer number its first appearance and key.
    fn group(
        &mut self,
        pieces: &[Vec<Purchase>],
        data: &[u8],
        mut each: impl FnMut(usize, &[(i64, f64)]),
    ) -> Vec<(u64, [u64; 2], u32)> {
        let mut long: Map<&[u8], u32> = Map::default();
        self.short.clear();
        self.numbers.clear();
        self.counts.clear();
        let mut firsts = Vec::new();
        for (reader, purchases) in pieces.iter().enumerate() {
            for p in purchases {
                let next = firsts.len() as u32;
                let code = p.tag & 31;
                let k = if code == LONG {
                    let (offset, len) = (p.key[0] as usize, p.key[1] as usize);
                    *long.entry(&data[offset..offset + len]).or_insert(next)
                } else {
                    *self.short.entry((p.key, code)).or_insert(next)
                };
                if k == next {
                    firsts.push(((reader as u64) << 32 | u64::from(p.tag >> 5), p.key, code));
                    self.counts.push(0);
                }
                self.counts[k as usize] += 1;
                self.numbers.push(k);
            }
        }
        self.starts.clear();
        self.starts.push(0);
        let mut sum = 0;
        for &c in &self.counts {
            sum += c;
            self.starts.push(sum);
        }
        self.lines.clear();
        self.lines.resize(sum, (0, 0.0));
        // The counts become each customer's next free place.
        for (count, &start) in self.counts.iter_mut().zip(&self.starts) {
            *count = start;
        }
        for (p, &k) in pieces.iter().flatten().zip(&self.numbers) {
            let at = &mut self.counts[k as usize];
            self.lines[*at] = (i64::from(p.day), p.amount);
            *at += 1;
        }
        for (k, w) in self.starts.windows(2).enumerate() {
            let history = &mut self.lines[w[0]..w[1]];
            history.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            each(k, history);
        }
        firsts
    }
}

/// What one reader made of its piece of the file.
struct Dealt {
    /// The piece's purchases, dealt into [`PARTS`] partitions by customer, in file order.
    parts: Vec<Vec<Purchase>>,
    lines: u64,
    last_day: Option<i64>,
}

/// Parses a piece of the data that starts `base` bytes into it; line numbers in errors count
/// from the piece's first line.
fn parse_piece(piece: &[u8], base: usize, file: &str, layout: &Layout) -> Result<Dealt, ClvError> {
    let per_part = piece.len() / layout.line_length.max(8) / PARTS;
    let mut parts: Vec<Vec<Purchase>> = (0..PARTS)
        .map(|_| Vec::with_capacity(per_part + per_part / 8 + 16))
        .collect();
    let mut lines = 0;
    let mut last_day = i64::MIN;
    let need = layout.id.max(layout.date).max(layout.amount) + 1;
    let mut start = 0;
    let mut line_no = 0u64;
    let mut last_date: Option<(&[u8], i32)> = None;
    while start < piece.len() {
        let end = memchr::memchr(b'\n', &piece[start..]).map_or(piece.len(), |i| start + i);
        let line = trim(&piece[start..end]);
        start = end + 1;
        line_no += 1;
        if line.is_empty() {
            continue;
        }
        let err = |field: &str, reason: String| ClvError::Line {
            file: file.into(),
            line: line_no,
            field: field.into(),
            reason,
        };
        let [id, date, amount] = match pick(line, layout, need) {
            Ok(f) => f,
            Err(found) => {
                return Err(err(
                    "(line)",
                    format!("has {found} fields, column {need} is needed"),
                ));
            }
        };
        let id = unquote(id);
        if id.is_empty() {
            return Err(err("customer id", "is empty".into()));
        }
        let date_text = unquote(date);
        // Logs are mostly in date order: a date is usually the one of the line before.
        let day = match last_date {
            Some((text, day)) if text == date_text => day,
            _ => {
                let day = day_of(date_text, layout.format)
                    .and_then(|d| i32::try_from(d).ok())
                    .ok_or_else(|| {
                        err(
                            "date",
                            format!(
                                "'{}' is not a date in the format of the file",
                                String::from_utf8_lossy(date)
                            ),
                        )
                    })?;
                last_date = Some((date_text, day));
                day
            }
        };
        let amount_text = unquote(amount);
        let amount = amount_of(amount_text).ok_or_else(|| {
            err(
                "amount",
                format!(
                    "'{}' is not a number (use a dot for decimals)",
                    String::from_utf8_lossy(amount_text)
                ),
            )
        })?;
        if lines >= u64::from(READER_LIMIT) {
            return Err(err(
                "(line)",
                format!("is more than {READER_LIMIT} purchases into a piece of the file"),
            ));
        }
        let offset = base + (id.as_ptr() as usize - piece.as_ptr() as usize);
        let (key, code, part) = key_of(id, offset);
        parts[part].push(Purchase {
            key,
            amount,
            day,
            tag: (lines as u32) << 5 | code,
        });
        lines += 1;
        last_day = last_day.max(i64::from(day));
    }
    Ok(Dealt {
        parts,
        lines,
        last_day: (lines > 0).then_some(last_day),
    })
}

/// Splits `bytes` into about `parts` pieces ending at line ends, each with how many line ends
/// it holds (to number lines across pieces).
fn split_at_lines(bytes: &[u8], parts: usize) -> Vec<(&[u8], u64)> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let size = bytes.len() / parts.max(1) + 1;
    while !rest.is_empty() {
        let cut = if rest.len() <= size {
            rest.len()
        } else {
            memchr::memchr(b'\n', &rest[size..]).map_or(rest.len(), |i| size + i + 1)
        };
        let (piece, tail) = rest.split_at(cut);
        out.push((piece, memchr::memchr_iter(b'\n', piece).count() as u64));
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests;
