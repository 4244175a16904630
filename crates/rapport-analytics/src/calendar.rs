//! Civil dates to day numbers, for callers that map their own dates onto [`crate::rfm`]'s
//! integer days. Proleptic Gregorian calendar; day 0 is 1970-01-01.
//!
//! The conversion is the classic era/day-of-era arithmetic (March-based years, 400-year eras of
//! 146,097 days), as described in H. Hinnant, "chrono-Compatible Low-Level Date Algorithms".

use crate::{AnalyticsError, Result};

/// Days in `month` of `year`.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap { 29 } else { 28 }
        }
    }
}

/// Day number of a civil date (1970-01-01 is 0, 1969-12-31 is −1).
pub fn day_number(year: i32, month: u32, day: u32) -> Result<i64> {
    let y = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(y, month) {
        return Err(AnalyticsError::InvalidInput(format!(
            "{year:04}-{month:02}-{day:02} is not a calendar date"
        )));
    }
    let y = if month <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400; // 0..=399
    let m = i64::from(month);
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Ok(era * 146_097 + day_of_era - 719_468)
}

/// Day number of a date written as the integer YYYYMMDD (the format of the CDNOW logs).
pub fn day_number_from_yyyymmdd(yyyymmdd: u32) -> Result<i64> {
    let year = (yyyymmdd / 10_000) as i32;
    let month = (yyyymmdd / 100) % 100;
    let day = yyyymmdd % 100;
    day_number(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(y: i32, m: u32, d: u32, expected: i64) {
        assert_eq!(day_number(y, m, d), Ok(expected), "{y}-{m}-{d}");
    }

    #[test]
    fn known_day_numbers() {
        check(1970, 1, 1, 0);
        check(1969, 12, 31, -1);
        check(2000, 3, 1, 11_017);
        check(1997, 1, 1, 9_862);
        check(1997, 9, 30, 10_134);
        check(1998, 6, 30, 10_407);
        check(1600, 1, 1, -135_140);
    }

    #[test]
    fn consecutive_days_are_consecutive_numbers() {
        let mut previous = day_number(1899, 12, 31).unwrap();
        for year in 1900..=2100 {
            for month in 1..=12 {
                for day in 1..=days_in_month(i64::from(year), month) {
                    let n = day_number(year, month, day).unwrap();
                    assert_eq!(n, previous + 1, "{year}-{month}-{day}");
                    previous = n;
                }
            }
        }
    }

    #[test]
    fn invalid_dates_are_errors() {
        assert!(day_number(1997, 2, 29).is_err());
        assert!(day_number(2000, 2, 29).is_ok());
        assert!(day_number(1900, 2, 29).is_err());
        assert!(day_number(1997, 13, 1).is_err());
        assert!(day_number(1997, 4, 31).is_err());
        assert!(day_number_from_yyyymmdd(19970000).is_err());
        assert_eq!(day_number_from_yyyymmdd(19970930), day_number(1997, 9, 30));
    }
}
