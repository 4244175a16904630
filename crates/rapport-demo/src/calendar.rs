//! Dates and times of the demo: day arithmetic, plausible times of day for each kind of event,
//! and the fixed text forms the CSV formats use (`2025-03-01`, `2025-03-01T10:15:00Z`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

use crate::rng::Rng;

/// A point in time, always UTC.
pub type Stamp = NaiveDateTime;

/// `date` moved by `days` (negative: back).
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    date + TimeDelta::days(days)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// `date` at `minute` minutes after midnight (clamped to the day).
pub fn at_minute(date: NaiveDate, minute: i64) -> Stamp {
    date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minute.clamp(0, 24 * 60 - 1))
}

/// The last minute of `date`: deadlines run to the end of their day.
pub fn end_of_day(date: NaiveDate) -> Stamp {
    at_minute(date, 24 * 60 - 1)
}

/// A time during office hours (08:00–18:59, busiest late morning and early afternoon).
pub fn office_time(rng: &mut Rng, date: NaiveDate) -> Stamp {
    const HOURS: [f64; 11] = [4.0, 8.0, 10.0, 9.0, 6.0, 8.0, 9.0, 8.0, 6.0, 4.0, 2.0];
    let hour = 8 + rng.weighted(&HOURS) as i64;
    at_minute(date, hour * 60 + rng.range(0, 59))
}

/// A time a customer shops online or answers a survey: 07:00–23:59, peaking in the evening.
pub fn leisure_time(rng: &mut Rng, date: NaiveDate) -> Stamp {
    const HOURS: [f64; 17] = [
        2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 5.0, 5.0, 5.0, 6.0, 7.0, 9.0, 10.0, 9.0, 6.0, 3.0,
    ];
    let hour = 7 + rng.weighted(&HOURS) as i64;
    at_minute(date, hour * 60 + rng.range(0, 59))
}

/// A uniformly chosen day in `from..=to` (`from` when the range is empty).
pub fn day_between(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    add_days(from, rng.range(0, days_between(from, to)))
}

/// Appends `YYYY-MM-DD`.
pub fn push_date(out: &mut String, date: NaiveDate) {
    push_padded(out, date.year().max(0) as u32, 4);
    out.push('-');
    push_padded(out, date.month(), 2);
    out.push('-');
    push_padded(out, date.day(), 2);
}

/// Appends `YYYY-MM-DDTHH:MM:SSZ`.
pub fn push_stamp(out: &mut String, stamp: Stamp) {
    push_date(out, stamp.date());
    out.push('T');
    push_padded(out, stamp.hour(), 2);
    out.push(':');
    push_padded(out, stamp.minute(), 2);
    out.push(':');
    push_padded(out, stamp.second(), 2);
    out.push('Z');
}

/// Emits `value` in decimal, left-padded with zeros to `width` digits, one ASCII byte at a
/// time; the one digit writer behind both the CSV text and the benchmark's byte buffer.
pub(crate) fn pad_decimal(mut value: u64, width: usize, mut put: impl FnMut(u8)) {
    let mut digits = [b'0'; 20];
    let mut len = 0;
    while value > 0 || len == 0 {
        digits[len] = b'0' + (value % 10) as u8;
        value /= 10;
        len += 1;
    }
    for _ in len..width {
        put(b'0');
    }
    for d in digits[..len].iter().rev() {
        put(*d);
    }
}

/// Appends `value` in decimal, left-padded with zeros to `width` digits.
pub fn push_padded(out: &mut String, value: u32, width: usize) {
    pad_decimal(value as u64, width, |d| out.push(char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_and_stamps() {
        let date = NaiveDate::from_ymd_opt(2025, 3, 1).expect("valid date");
        let mut out = String::new();
        push_date(&mut out, date);
        out.push(' ');
        push_stamp(&mut out, at_minute(date, 10 * 60 + 15));
        out.push(' ');
        push_stamp(&mut out, end_of_day(date));
        assert_eq!(out, "2025-03-01 2025-03-01T10:15:00Z 2025-03-01T23:59:00Z");
    }

    #[test]
    fn times_of_day_stay_on_their_day() {
        let mut rng = Rng::new(1);
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid date");
        for _ in 0..1000 {
            assert_eq!(office_time(&mut rng, date).date(), date);
            assert_eq!(leisure_time(&mut rng, date).date(), date);
            let day = day_between(&mut rng, date, add_days(date, 3));
            assert!((0..=3).contains(&days_between(date, day)));
        }
    }
}
