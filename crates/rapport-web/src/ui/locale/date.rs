//! Month names and locale-aware text for dates and date-times (24-hour clock in every language).

use chrono::{Datelike, Month, NaiveDate, NaiveDateTime, Timelike};

use super::Lang;

const EN_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const EN_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DE_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez",
];
const DE_LONG: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const FR_SHORT: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const FR_LONG: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const EL_SHORT: [&str; 12] = [
    "Ιαν", "Φεβ", "Μαρ", "Απρ", "Μαΐ", "Ιουν", "Ιουλ", "Αυγ", "Σεπ", "Οκτ", "Νοε", "Δεκ",
];
/// Genitive ("of November"), the form Greek uses inside a date.
const EL_LONG_GENITIVE: [&str; 12] = [
    "Ιανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Απριλίου",
    "Μαΐου",
    "Ιουνίου",
    "Ιουλίου",
    "Αυγούστου",
    "Σεπτεμβρίου",
    "Οκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
];
/// Nominative, the form Greek uses for a month on its own ("November 2026").
const EL_LONG_NOMINATIVE: [&str; 12] = [
    "Ιανουάριος",
    "Φεβρουάριος",
    "Μάρτιος",
    "Απρίλιος",
    "Μάιος",
    "Ιούνιος",
    "Ιούλιος",
    "Αύγουστος",
    "Σεπτέμβριος",
    "Οκτώβριος",
    "Νοέμβριος",
    "Δεκέμβριος",
];

fn index(month: Month) -> usize {
    month.number_from_month() as usize - 1
}

fn month_of(date: NaiveDate) -> Month {
    // `Datelike::month0` is always 0..=11, so the fallback is never taken.
    u8::try_from(date.month())
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .unwrap_or(Month::January)
}

/// The abbreviated month name for axis labels and short dates: "Nov", "Nov", "nov.", "Νοε".
pub fn month_short(lang: Lang, month: Month) -> &'static str {
    let table = match lang {
        Lang::En => &EN_SHORT,
        Lang::De => &DE_SHORT,
        Lang::Fr => &FR_SHORT,
        Lang::El => &EL_SHORT,
    };
    table[index(month)]
}

/// The full month name as used inside a date: "November", "November", "novembre", and the
/// Greek genitive "Νοεμβρίου".
pub fn month_long(lang: Lang, month: Month) -> &'static str {
    let table = match lang {
        Lang::En => &EN_LONG,
        Lang::De => &DE_LONG,
        Lang::Fr => &FR_LONG,
        Lang::El => &EL_LONG_GENITIVE,
    };
    table[index(month)]
}

/// A numeric or abbreviated date: en "3 Nov 2026", de "03.11.2026", fr and el "03/11/2026".
pub fn format_date(lang: Lang, date: NaiveDate) -> String {
    let (day, month, year) = (date.day(), date.month(), date.year());
    match lang {
        Lang::En => format!("{day} {} {year}", month_short(lang, month_of(date))),
        Lang::De => format!("{day:02}.{month:02}.{year}"),
        Lang::Fr | Lang::El => format!("{day:02}/{month:02}/{year}"),
    }
}

/// A date with the month written out: en "3 November 2026", de "3. November 2026",
/// fr "3 novembre 2026", el "3 Νοεμβρίου 2026".
pub fn format_date_long(lang: Lang, date: NaiveDate) -> String {
    let (day, year) = (date.day(), date.year());
    let month = month_long(lang, month_of(date));
    match lang {
        Lang::De => format!("{day}. {month} {year}"),
        Lang::En | Lang::Fr | Lang::El => format!("{day} {month} {year}"),
    }
}

/// A month on its own, for headings and trend axes: "November 2026", "novembre 2026",
/// and in Greek the nominative "Νοέμβριος 2026".
pub fn format_month_year(lang: Lang, date: NaiveDate) -> String {
    let month = month_of(date);
    let name = match lang {
        Lang::El => EL_LONG_NOMINATIVE[index(month)],
        Lang::En | Lang::De | Lang::Fr => month_long(lang, month),
    };
    format!("{name} {}", date.year())
}

/// `format_date` followed by a space and the 24-hour time "HH:MM", in every language.
pub fn format_datetime(lang: Lang, at: NaiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}",
        format_date(lang, at.date()),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Lang::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn check_date(lang: Lang, day: NaiveDate, expected: &str) {
        assert_eq!(format_date(lang, day), expected);
    }

    #[test]
    fn short_dates() {
        check_date(En, date(2026, 11, 23), "23 Nov 2026");
        check_date(De, date(2026, 11, 23), "23.11.2026");
        check_date(Fr, date(2026, 11, 23), "23/11/2026");
        check_date(El, date(2026, 11, 23), "23/11/2026");
    }

    #[test]
    fn short_dates_pad_numeric_days_and_months() {
        check_date(En, date(2026, 1, 5), "5 Jan 2026");
        check_date(De, date(2026, 1, 5), "05.01.2026");
        check_date(Fr, date(2026, 1, 5), "05/01/2026");
        check_date(El, date(2026, 1, 5), "05/01/2026");
    }

    fn check_long(lang: Lang, day: NaiveDate, expected: &str) {
        assert_eq!(format_date_long(lang, day), expected);
    }

    #[test]
    fn long_dates() {
        check_long(En, date(2026, 11, 23), "23 November 2026");
        check_long(De, date(2026, 11, 23), "23. November 2026");
        check_long(Fr, date(2026, 11, 23), "23 novembre 2026");
        check_long(El, date(2026, 11, 23), "23 Νοεμβρίου 2026");
        check_long(De, date(2026, 3, 1), "1. März 2026");
        check_long(Fr, date(2026, 8, 1), "1 août 2026");
        check_long(El, date(2026, 5, 9), "9 Μαΐου 2026");
    }

    #[test]
    fn month_and_year() {
        let day = date(2026, 11, 23);
        assert_eq!(format_month_year(En, day), "November 2026");
        assert_eq!(format_month_year(De, day), "November 2026");
        assert_eq!(format_month_year(Fr, day), "novembre 2026");
        assert_eq!(format_month_year(El, day), "Νοέμβριος 2026");
    }

    fn check_datetime(lang: Lang, at: NaiveDateTime, expected: &str) {
        assert_eq!(format_datetime(lang, at), expected);
    }

    #[test]
    fn datetimes_use_the_24_hour_clock() {
        let evening = date(2026, 11, 23)
            .and_hms_opt(18, 5, 59)
            .expect("valid time");
        check_datetime(En, evening, "23 Nov 2026 18:05");
        check_datetime(De, evening, "23.11.2026 18:05");
        check_datetime(Fr, evening, "23/11/2026 18:05");
        check_datetime(El, evening, "23/11/2026 18:05");
        let midnight = date(2027, 1, 1).and_hms_opt(0, 0, 0).expect("valid time");
        check_datetime(En, midnight, "1 Jan 2027 00:00");
    }

    #[test]
    fn month_tables_are_complete_and_distinct() {
        let months = (1..=12u8).map(|m| Month::try_from(m).expect("month 1..=12"));
        for lang in Lang::ALL {
            let short: Vec<_> = months.clone().map(|m| month_short(lang, m)).collect();
            let long: Vec<_> = months.clone().map(|m| month_long(lang, m)).collect();
            for names in [&short, &long] {
                let mut unique = names.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), 12, "{lang:?}: {names:?}");
            }
        }
        assert_eq!(month_short(El, Month::November), "Νοε");
        assert_eq!(month_short(De, Month::March), "Mär");
        assert_eq!(month_long(Fr, Month::February), "février");
    }

    #[test]
    fn every_day_of_a_leap_year_formats() {
        let mut day = date(2028, 1, 1);
        while day.year() == 2028 {
            for lang in Lang::ALL {
                assert!(!format_date(lang, day).is_empty());
                assert!(format_date_long(lang, day).ends_with(" 2028"));
            }
            day = day.succ_opt().expect("within range");
        }
    }

    #[test]
    fn extreme_years() {
        check_date(De, NaiveDate::MIN, "01.01.-262143");
        check_long(En, NaiveDate::MAX, "31 December 262142");
    }
}
