//! Reading an import file as a stream of records: delimiter detection (comma, semicolon, tab,
//! or runs of whitespace as in transaction logs), UTF-8 checking with the line and column of a
//! bad byte, and the header line. Memory stays flat: one record at a time.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::ImportError;

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Byte(u8),
    /// One or more spaces or tabs (transaction logs such as CDNOW).
    Whitespace,
}

impl Delimiter {
    /// Parses `--delimiter`: a single character, or `tab`, `space`/`whitespace`, `comma`, `semicolon`.
    pub fn parse(s: &str) -> Option<Delimiter> {
        match s {
            "tab" | "\\t" | "\t" => Some(Delimiter::Byte(b'\t')),
            "space" | "whitespace" | " " => Some(Delimiter::Whitespace),
            "comma" => Some(Delimiter::Byte(b',')),
            "semicolon" => Some(Delimiter::Byte(b';')),
            s if s.len() == 1 && s.is_ascii() => Some(Delimiter::Byte(s.as_bytes()[0])),
            _ => None,
        }
    }
}

/// One record: its 1-based line number in the file and its fields.
pub struct Record {
    pub line: u64,
    pub fields: Vec<String>,
}

enum Inner {
    Csv(csv::Reader<BufReader<File>>, csv::ByteRecord),
    /// Reader, line number, line buffer, bytes read.
    Whitespace(BufReader<File>, u64, String, u64),
}

/// A stream of records from one file.
pub struct RecordSource {
    inner: Inner,
    path: String,
    pub delimiter: Delimiter,
    pub bytes_total: u64,
}

impl RecordSource {
    /// Opens `path`, detecting the delimiter from the first line unless one is given.
    pub fn open(path: &Path, delimiter: Option<Delimiter>) -> Result<RecordSource, ImportError> {
        let name = path.display().to_string();
        let io = |e: std::io::Error| ImportError::File {
            file: name.clone(),
            message: e.to_string(),
        };
        let bytes_total = std::fs::metadata(path).map_err(io)?.len();
        let mut head = Vec::new();
        File::open(path)
            .map_err(io)?
            .take(64 * 1024)
            .read_to_end(&mut head)
            .map_err(io)?;
        let delimiter = match delimiter {
            Some(d) => d,
            None => detect_delimiter(&head),
        };
        let file = File::open(path).map_err(io)?;
        let inner = match delimiter {
            Delimiter::Byte(b) => {
                let reader = csv::ReaderBuilder::new()
                    .delimiter(b)
                    .has_headers(false)
                    .flexible(true)
                    .buffer_capacity(1 << 20)
                    .from_reader(BufReader::with_capacity(1 << 20, file));
                Inner::Csv(reader, csv::ByteRecord::new())
            }
            Delimiter::Whitespace => {
                Inner::Whitespace(BufReader::with_capacity(1 << 20, file), 0, String::new(), 0)
            }
        };
        Ok(RecordSource {
            inner,
            path: name,
            delimiter,
            bytes_total,
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Bytes read so far (for progress).
    pub fn position(&self) -> u64 {
        match &self.inner {
            Inner::Csv(r, _) => r.position().byte(),
            Inner::Whitespace(_, _, _, bytes) => *bytes,
        }
    }

    /// The next record, `None` at the end. Blank lines are skipped.
    pub fn next_record(&mut self) -> Option<Result<Record, ImportError>> {
        loop {
            let rec = match &mut self.inner {
                Inner::Csv(reader, buf) => match reader.read_byte_record(buf) {
                    Ok(false) => return None,
                    Ok(true) => {
                        let line = buf.position().map(|p| p.line()).unwrap_or(0);
                        if buf.len() == 1 && buf[0].is_empty() {
                            continue;
                        }
                        let mut fields = Vec::with_capacity(buf.len());
                        for (i, raw) in buf.iter().enumerate() {
                            match std::str::from_utf8(raw) {
                                Ok(s) => fields.push(s.to_string()),
                                Err(e) => {
                                    return Some(Err(ImportError::NotUtf8 {
                                        file: self.path.clone(),
                                        line,
                                        column: i + 1,
                                        byte: raw.get(e.valid_up_to()).copied().unwrap_or(0),
                                    }));
                                }
                            }
                        }
                        Record { line, fields }
                    }
                    Err(e) => {
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        return Some(Err(ImportError::Malformed {
                            file: self.path.clone(),
                            line,
                            message: e.to_string(),
                        }));
                    }
                },
                Inner::Whitespace(reader, line_no, buf, bytes_read) => {
                    let mut bytes = Vec::new();
                    match reader.read_until(b'\n', &mut bytes) {
                        Ok(0) => return None,
                        Ok(n) => *bytes_read += n as u64,
                        Err(e) => {
                            return Some(Err(ImportError::File {
                                file: self.path.clone(),
                                message: e.to_string(),
                            }));
                        }
                    }
                    *line_no += 1;
                    buf.clear();
                    match std::str::from_utf8(&bytes) {
                        Ok(s) => buf.push_str(s),
                        Err(e) => {
                            let column = bytes[..e.valid_up_to()]
                                .split(|b| b.is_ascii_whitespace())
                                .filter(|f| !f.is_empty())
                                .count()
                                .max(1);
                            return Some(Err(ImportError::NotUtf8 {
                                file: self.path.clone(),
                                line: *line_no,
                                column,
                                byte: bytes.get(e.valid_up_to()).copied().unwrap_or(0),
                            }));
                        }
                    }
                    let fields: Vec<String> = buf.split_whitespace().map(str::to_string).collect();
                    if fields.is_empty() {
                        continue;
                    }
                    Record {
                        line: *line_no,
                        fields,
                    }
                }
            };
            return Some(Ok(rec));
        }
    }
}

/// Picks the delimiter that splits the first line most consistently: `,` `;` or tab, else runs
/// of whitespace when the line has several blank-separated fields, else comma.
pub fn detect_delimiter(head: &[u8]) -> Delimiter {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
    let candidates = [
        (b',', count(b',')),
        (b';', count(b';')),
        (b'\t', count(b'\t')),
    ];
    if let Some((d, n)) = candidates.iter().max_by_key(|(_, n)| *n)
        && *n > 0
    {
        // A tab-only line with runs of spaces too is still tab separated.
        return Delimiter::Byte(*d);
    }
    let words = first_line
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .count();
    if words >= 2 {
        Delimiter::Whitespace
    } else {
        Delimiter::Byte(b',')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_detected_from_the_first_line() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3"), Delimiter::Byte(b','));
        assert_eq!(detect_delimiter(b"a;b;c\n"), Delimiter::Byte(b';'));
        assert_eq!(detect_delimiter(b"a\tb\tc\n"), Delimiter::Byte(b'\t'));
        assert_eq!(
            detect_delimiter(b" 00001 19970101  1   11.77\n"),
            Delimiter::Whitespace
        );
        assert_eq!(
            detect_delimiter(b"\xef\xbb\xbfname\n"),
            Delimiter::Byte(b',')
        );
    }

    #[test]
    fn delimiter_names_parse() {
        assert_eq!(Delimiter::parse("tab"), Some(Delimiter::Byte(b'\t')));
        assert_eq!(Delimiter::parse(";"), Some(Delimiter::Byte(b';')));
        assert_eq!(Delimiter::parse("whitespace"), Some(Delimiter::Whitespace));
        assert_eq!(Delimiter::parse("ab"), None);
    }
}
