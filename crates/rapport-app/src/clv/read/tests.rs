//! The reader against the whole-log summary, ids, ordering, dates and line numbers.

use super::super::fields::Column;
use super::*;

fn parse(text: &str, columns: &Columns) -> Result<Log, ClvError> {
    parse_log(
        text.as_bytes().to_vec(),
        "log.txt",
        columns,
        DateFormat::Auto,
    )
}

/// The customers' ids and purchases, in order of first appearance.
fn histories(text: &str, columns: &Columns) -> Vec<(String, Vec<(i64, f64)>)> {
    parse(text, columns).unwrap().histories()
}

#[test]
fn a_cdnow_style_log_is_read_without_help() {
    let log = parse(
        " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n\n 00021 0002 19970101  3   63.34\n",
        &Columns::default(),
    )
    .unwrap();
    assert!(!log.header);
    assert_eq!(log.date_format, DateFormat::Compact);
    assert_eq!(log.lines, 3);
    let jan_1 = rapport_analytics::day_number(1997, 1, 1).unwrap();
    assert_eq!(log.last_day, Some(jan_1 + 17));
    assert_eq!(
        log.histories(),
        [
            ("00004".into(), vec![(jan_1, 29.33), (jan_1 + 17, 29.73)]),
            ("00021".into(), vec![(jan_1, 63.34)])
        ]
    );
}

#[test]
fn ids_short_and_long_are_numbered_once_each() {
    let ids = [
        "C1",
        "C1 ",
        "0123456789abcdef",
        "0123456789abcdefX",
        "0123456789abcdefY",
        "C1",
        "0123456789abcdefX",
        "\"a long id, with a comma\"",
        "\"a long id, with a comma\"",
    ];
    let text: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| format!("{id};2024-01-{:02};{i}\n", i + 1))
        .collect();
    let customers = histories(&text, &Columns::default());
    // Quotes and surrounding blanks are not part of an id.
    let ids: Vec<&str> = customers.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        ids,
        [
            "C1",
            "0123456789abcdef",
            "0123456789abcdefX",
            "0123456789abcdefY",
            "a long id, with a comma"
        ]
    );
    let amounts = |c: usize| customers[c].1.iter().map(|l| l.1).collect::<Vec<_>>();
    assert_eq!(amounts(0), [0.0, 1.0, 5.0]);
    assert_eq!(amounts(2), [3.0, 6.0]);
    assert_eq!(amounts(4), [7.0, 8.0]);
}

#[test]
fn the_summary_is_the_one_of_the_whole_log_summarized_at_once() {
    // Customers with short and long ids, purchases in no order, same-day purchases,
    // purchases after the calibration and the holdout end.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut text = String::from("id,date,amount\n");
    let mut transactions = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    for _ in 0..20_000 {
        let c = next() % 3_000;
        let id = if c % 7 == 0 {
            format!("customer-with-a-long-id-{c}")
        } else {
            format!("C{c}")
        };
        let day = rapport_analytics::day_number(2024, 1, 1).unwrap() + (next() % 400) as i64;
        let cents = (next() % 20_000) as i64 - 2_000;
        let amount = cents as f64 / 100.0;
        text.push_str(&format!("{id},{},{amount}\n", super::super::iso(day)));
        let number = numbers.iter().position(|n| *n == id).unwrap_or_else(|| {
            numbers.push(id.clone());
            numbers.len() - 1
        });
        transactions.push(rapport_analytics::Transaction {
            customer: number as u64,
            day,
            amount,
        });
    }
    let start = rapport_analytics::day_number(2024, 1, 1).unwrap();
    let options = RfmOptions {
        calibration_end: start + 300,
        holdout_end: Some(start + 360),
        unit: rapport_analytics::TimeUnit::Week,
    };
    let expected = rapport_analytics::summarize(&transactions, &options).unwrap();
    let got = parse(&text, &Columns::default())
        .unwrap()
        .summarize(&options)
        .unwrap();
    assert_eq!(
        got.summary.ignored_transactions,
        expected.ignored_transactions
    );
    assert_eq!(
        got.summary.excluded_late_customers,
        expected.excluded_late_customers
    );
    assert!(expected.ignored_transactions > 0 && expected.excluded_late_customers > 0);
    // Numbered in order of first appearance among the customers summarized.
    let mut wanted = expected.customers.clone();
    wanted.sort_by_key(|c| c.customer);
    assert_eq!(got.summary.customers.len(), wanted.len());
    for (number, (g, w)) in got.summary.customers.iter().zip(&wanted).enumerate() {
        assert_eq!(g.customer, number as u64);
        assert_eq!(got.ids[number], numbers[w.customer as usize]);
        let renumbered = rapport_analytics::CustomerRfm {
            customer: g.customer,
            ..w.clone()
        };
        assert_eq!(*g, renumbered);
    }
}

#[test]
fn same_day_purchases_are_sorted_by_amount() {
    let customers = histories(
        "c,2024-01-02,5\nc,2024-01-01,9\nc,2024-01-02,-1\nc,2024-01-02,3\n",
        &Columns::default(),
    );
    let day = rapport_analytics::day_number(2024, 1, 1).unwrap();
    assert_eq!(
        customers[0].1,
        [(day, 9.0), (day + 1, -1.0), (day + 1, 3.0), (day + 1, 5.0)]
    );
}

#[test]
fn headers_name_columns_and_positions_count_from_one() {
    let text = "amount;when;who\n10.5;01.02.2024;A\n3;2.2.2024;B\n";
    let log = parse(text, &Columns::default()).unwrap();
    assert!(log.header);
    assert_eq!(log.date_format, DateFormat::Dotted);
    let customers = log.histories();
    assert_eq!(
        (customers[0].0.as_str(), customers[1].0.as_str()),
        ("A", "B")
    );
    assert_eq!(customers[0].1[0].1, 10.5);
    let by_position = Columns {
        id: Some(Column::parse("3")),
        date: Some(Column::parse("when")),
        amount: Some(Column::parse("1")),
    };
    assert_eq!(histories(text, &by_position)[1].1[0].1, 3.0);
}

#[test]
fn iso_dates_with_times_and_quoted_fields_are_read() {
    let text =
        "customer_id,date,amount\n\"c1\",2024-03-01T10:00:00Z,\"5.00\"\nc2,2024-03-02 09:00,7\n";
    let customers = histories(text, &Columns::default());
    assert_eq!(
        (customers[0].0.as_str(), customers[1].0.as_str()),
        ("c1", "c2")
    );
    assert_eq!(customers[0].1[0].1, 5.0);
    assert_eq!(customers[1].1[0].0 - customers[0].1[0].0, 1, "a day apart");
}

#[test]
fn bad_lines_say_file_line_field_and_reason() {
    let text = "customer_id,date,amount\nc1,2024-03-01,5\nc2,2024-02-30,7\n";
    let e = parse(text, &Columns::default()).unwrap_err().to_string();
    assert!(e.contains("log.txt, line 3, date"), "{e}");
    let e = parse(
        "c1,2024-03-01,5\nc2,2024-03-01,seven\n",
        &Columns::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("line 2, amount: 'seven' is not a number"), "{e}");
    let e = parse("c1,2024-03-01,5\nc2\n", &Columns::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2"), "{e}");
    let e = parse("who,amount\nA,3\n", &Columns::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no field that reads as a date"), "{e}");
    let named = Columns {
        id: Some(Column::parse("client")),
        ..Columns::default()
    };
    let e = parse("customer,date,amount\nA,2024-01-01,3\n", &named)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no customer id column 'client'"), "{e}");
    assert!(matches!(
        parse("\n  \n", &Columns::default()),
        Err(ClvError::Empty { .. })
    ));
}

#[test]
fn line_numbers_stay_right_across_the_reader_threads() {
    let mut text = String::from("customer,date,amount\n");
    for i in 0..5_000 {
        text.push_str(&format!("c{},2024-01-{:02},{}\n", i % 70, i % 28 + 1, i));
    }
    text.push_str("c1,2024-01-01,oops\n");
    let e = parse(&text, &Columns::default()).unwrap_err().to_string();
    assert!(e.contains("line 5002, amount"), "{e}");
    let ok = parse(&text[..text.len() - 19], &Columns::default()).unwrap();
    assert_eq!(ok.lines, 5_000);
    let customers = ok.histories();
    assert_eq!(customers.iter().map(|c| c.1.len()).sum::<usize>(), 5_000);
    assert_eq!(customers.len(), 70);
    // Customers are numbered in order of first appearance whatever the threads.
    assert_eq!(customers[0].0, "c0");
    assert_eq!(customers[69].0, "c69");
}
