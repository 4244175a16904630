//! Writing CSV text: a header, then rows of fields, quoted only where RFC 4180 requires it
//! (a comma, a double quote or a line break inside the field; quotes doubled inside).

use chrono::NaiveDate;

use crate::DemoFile;
use crate::calendar::{Stamp, push_date, push_stamp};

/// One CSV file being written in memory.
#[derive(Debug)]
pub struct CsvFile {
    text: String,
    rows: usize,
    line_start: bool,
}

impl CsvFile {
    /// A file holding only its header line.
    pub fn new(header: &[&str]) -> Self {
        let mut file = Self {
            text: String::with_capacity(1 << 16),
            rows: 0,
            line_start: true,
        };
        for column in header {
            file.text(column);
        }
        file.text.push('\n');
        file.line_start = true;
        file
    }

    fn separator(&mut self) {
        if !self.line_start {
            self.text.push(',');
        }
        self.line_start = false;
    }

    /// A text field, quoted when it needs to be.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separator();
        push_escaped(&mut self.text, value);
        self
    }

    /// A text field that may be empty.
    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        self.text(value.unwrap_or(""))
    }

    /// A whole number.
    pub fn int(&mut self, value: i64) -> &mut Self {
        self.separator();
        self.text.push_str(&value.to_string());
        self
    }

    /// Money in major units with two decimals, from minor units (cents).
    pub fn money(&mut self, cents: i64) -> &mut Self {
        self.separator();
        push_money(&mut self.text, cents);
        self
    }

    /// A date, `YYYY-MM-DD`.
    pub fn date(&mut self, value: NaiveDate) -> &mut Self {
        self.separator();
        push_date(&mut self.text, value);
        self
    }

    /// A date that may be empty.
    pub fn opt_date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        match value {
            Some(date) => self.date(date),
            None => self.text(""),
        }
    }

    /// A timestamp, `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn stamp(&mut self, value: Stamp) -> &mut Self {
        self.separator();
        push_stamp(&mut self.text, value);
        self
    }

    /// A timestamp that may be empty.
    pub fn opt_stamp(&mut self, value: Option<Stamp>) -> &mut Self {
        match value {
            Some(stamp) => self.stamp(stamp),
            None => self.text(""),
        }
    }

    /// The number of data rows so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        self.text.push('\n');
        self.line_start = true;
        self.rows += 1;
    }

    /// The finished file under its import kind.
    pub fn finish(self, kind: &'static str) -> DemoFile {
        DemoFile {
            kind,
            csv: self.text,
            rows: self.rows,
        }
    }
}

/// Appends `value` as one CSV field.
pub fn push_escaped(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        for c in value.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Appends minor units as major units with two decimals: `1250` → `12.50`.
pub fn push_money(out: &mut String, cents: i64) {
    if cents < 0 {
        out.push('-');
    }
    let cents = cents.unsigned_abs();
    out.push_str(&(cents / 100).to_string());
    out.push('.');
    let rest = cents % 100;
    out.push(char::from(b'0' + (rest / 10) as u8));
    out.push(char::from(b'0' + (rest % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let mut file = CsvFile::new(&["a", "b", "c"]);
        file.text("plain")
            .text("with, comma")
            .text("say \"hi\"\nbye");
        file.end_row();
        file.money(1250).money(-5).int(42);
        file.end_row();
        let done = file.finish("test");
        assert_eq!(done.rows, 2);
        assert_eq!(
            done.csv,
            "a,b,c\nplain,\"with, comma\",\"say \"\"hi\"\"\nbye\"\n12.50,-0.05,42\n"
        );
    }
}
