//! Dates and timestamps as they come in files: ISO 8601 (`2024-03-31`, `2024-03-31T14:05:00Z`),
//! compact `YYYYMMDD` (transaction logs such as CDNOW) and German-style `DD.MM.YYYY`.
//! Timestamps without an offset are taken as UTC; a bare date is midnight UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::ParseError;

/// Parses a calendar date in one of the accepted forms. Impossible dates (`2023-02-30`) fail.
pub fn parse_date(input: &str) -> Result<NaiveDate, ParseError> {
    let s = input.trim();
    let date = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(s, "%Y%m%d").ok()
    } else if s.len() == 10 && s.as_bytes()[2] == b'.' {
        NaiveDate::parse_from_str(s, "%d.%m.%Y").ok()
    } else if s.len() == 10 {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    } else if s.len() > 10 {
        // A timestamp where a date is wanted: keep its (UTC) date.
        return parse_timestamp(s).map(|t| t.date_naive());
    } else {
        None
    };
    date.ok_or_else(|| {
        ParseError::new(format!(
            "'{s}' is not a date (expected YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY)"
        ))
    })
}

/// Parses a point in time: RFC 3339 with offset, ISO without offset (UTC), or a bare date.
pub fn parse_timestamp(input: &str) -> Result<DateTime<Utc>, ParseError> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    if s.len() <= 10
        && let Ok(d) = parse_date(s)
    {
        return Ok(Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)));
    }
    Err(ParseError::new(format!(
        "'{s}' is not a date or time (expected ISO 8601 such as 2024-03-31T14:05:00Z, YYYYMMDD or DD.MM.YYYY)"
    )))
}

/// Formats a timestamp the way Rapport writes them to files: RFC 3339, UTC, seconds precision
/// unless there are sub-second digits.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<&str>) {
        let got = parse_date(input).ok().map(|d| d.to_string());
        assert_eq!(got.as_deref(), expected, "{input}");
    }

    #[test]
    fn dates_in_every_accepted_form() {
        check("2024-03-31", Some("2024-03-31"));
        check("19970101", Some("1997-01-01"));
        check("31.03.2024", Some("2024-03-31"));
        check(" 2024-03-31T23:30:00Z ", Some("2024-03-31"));
        check("2023-02-30", None);
        check("30.02.2023", None);
        check("19971332", None);
        check("yesterday", None);
        check("", None);
    }

    #[test]
    fn timestamps_default_to_utc() {
        let t = parse_timestamp("2024-03-31T14:05:00+02:00").unwrap();
        assert_eq!(format_timestamp(&t), "2024-03-31T12:05:00Z");
        let t = parse_timestamp("2024-03-31 14:05").unwrap();
        assert_eq!(format_timestamp(&t), "2024-03-31T14:05:00Z");
        let t = parse_timestamp("31.03.2024").unwrap();
        assert_eq!(format_timestamp(&t), "2024-03-31T00:00:00Z");
        assert!(parse_timestamp("2024-13-01T00:00:00Z").is_err());
    }
}
