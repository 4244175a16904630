use super::*;

fn customer(segment: &str, clv: f64, channel: u32, churned: bool) -> CustomerFacts {
    CustomerFacts {
        segment: segment_index(segment).unwrap(),
        r: 3,
        f: 2,
        churned,
        health: 50.0,
        p_alive: Some(0.5),
        clv: Some(clv),
        frequency: u32::from(clv > 10.0),
        spend: clv,
        tenure_weeks: 10.0,
        health_drop: None,
        attributes: [channel, 0, 0, 0],
    }
}

fn dictionaries() -> Dictionaries {
    let mut d = Dictionaries::default();
    assert_eq!(d.intern(0, "web"), 0);
    assert_eq!(d.intern(0, "referral"), 1);
    assert_eq!(d.intern(0, "web"), 0);
    d.intern(1, UNKNOWN);
    d.intern(2, "DE");
    d.intern(3, &cohort_of(20_000));
    d
}

#[test]
fn groups_count_share_retention_and_value() {
    // 18 web customers worth 1..18, 2 referral customers worth 100 and 200, one churned.
    let mut cs: Vec<CustomerFacts> = (1..=18)
        .map(|v| customer("hibernating", f64::from(v), 0, v == 1))
        .collect();
    cs.push(customer("champions", 100.0, 1, false));
    cs.push(customer("champions", 200.0, 1, false));
    let i = summarize(&cs, &dictionaries());
    assert_eq!(i.customers, 20);
    assert_eq!(i.value_measure, "clv");
    let channel = &i.acquisition[0];
    assert_eq!(channel.dimension, "channel");
    let web = &channel.groups[0];
    assert_eq!((web.value.as_str(), web.customers), ("web", 18));
    assert!((web.share - 0.9).abs() < 1e-12);
    assert!((web.churned_share - 1.0 / 18.0).abs() < 1e-12);
    // Repeat buyers: values above 10, i.e. 11..18.
    assert!((web.repeat_rate - 8.0 / 18.0).abs() < 1e-12);
    assert_eq!(web.total_clv, Some((1..=18).sum::<i32>() as f64));
    // The top decile is the two most valuable: both referral customers.
    assert_eq!(i.top_decile.customers, 2);
    assert_eq!(i.top_decile.threshold, 100.0);
    let referral = &channel.groups[1];
    assert_eq!(referral.top_decile, 2);
    // Share of the top decile 1.0 over share of all 0.1.
    assert!((referral.lift - 10.0).abs() < 1e-12);
    assert_eq!(web.lift, 0.0);
    let total: f64 = 171.0 + 300.0;
    assert!((i.top_decile.value_share - 300.0 / total).abs() < 1e-12);
    assert!((i.top_decile.top.mean_value - 150.0).abs() < 1e-12);
    assert!((i.top_decile.all.mean_value - total / 20.0).abs() < 1e-12);
}

#[test]
fn segments_and_the_grid_cover_every_cell() {
    let cs = vec![
        customer("champions", 100.0, 0, false),
        customer("lost", 0.0, 0, true),
    ];
    let i = summarize(&cs, &dictionaries());
    assert_eq!(i.segments.len(), 11);
    assert_eq!(i.segments[0].segment, "champions");
    assert_eq!(i.segments[0].customers, 1);
    assert_eq!(i.segments[0].clv_share, Some(1.0));
    assert_eq!(i.segments[1].customers, 0);
    assert_eq!(i.segments[1].mean_health, None);
    assert_eq!(i.grid.len(), 25);
    let cell = i.grid.iter().find(|c| c.r == 3 && c.f == 2).unwrap();
    assert_eq!(cell.customers, 2);
    assert_eq!(i.grid.iter().map(|c| c.customers).sum::<u64>(), 2);
}

#[test]
fn without_a_purchase_model_the_top_decile_ranks_by_spend() {
    let mut cs = vec![
        customer("new", 5.0, 0, false),
        customer("new", 9.0, 0, false),
    ];
    for c in &mut cs {
        c.clv = None;
        c.p_alive = None;
    }
    let i = summarize(&cs, &dictionaries());
    assert_eq!(i.value_measure, "spend");
    assert_eq!(i.top_decile.customers, 1);
    assert_eq!(i.top_decile.threshold, 9.0);
    assert_eq!(i.acquisition[0].groups[0].mean_clv, None);
    assert_eq!(i.acquisition[0].groups[0].mean_p_alive, None);
}

#[test]
fn an_empty_run_has_empty_insights() {
    let i = summarize(&[], &Dictionaries::default());
    assert_eq!(i.customers, 0);
    assert_eq!(i.top_decile.customers, 0);
    assert!(i.acquisition.iter().all(|d| d.groups.is_empty()));
    assert!(i.segments.iter().all(|s| s.customers == 0));
}

#[test]
fn many_small_groups_are_summed_into_other() {
    let mut d = dictionaries();
    let cs: Vec<CustomerFacts> = (0..(MAX_GROUPS as u32 + 10))
        .map(|k| {
            let country = d.intern(2, &format!("C{k:03}"));
            let mut c = customer("new", 1.0, 0, false);
            c.attributes[2] = country;
            c
        })
        .collect();
    let i = summarize(&cs, &d);
    let country = &i.acquisition[3];
    assert_eq!(country.groups.len(), MAX_GROUPS);
    let other = country.groups.last().unwrap();
    assert_eq!(other.value, OTHER);
    assert_eq!(other.customers, 11);
    assert_eq!(
        country.groups.iter().map(|g| g.customers).sum::<u64>(),
        cs.len() as u64
    );
}

#[test]
fn cohorts_are_calendar_quarters_newest_first() {
    // Day 0 is 1970-01-01; day 20,000 is 2024-10-04.
    assert_eq!(cohort_of(0), "1970-Q1");
    assert_eq!(cohort_of(20_000), "2024-Q4");
    let mut d = Dictionaries::default();
    let old = d.intern(3, &cohort_of(0));
    let new = d.intern(3, &cohort_of(20_000));
    let mut a = customer("new", 1.0, 0, false);
    a.attributes[3] = old;
    let mut b = a;
    b.attributes[3] = new;
    let i = summarize(&[a, a, b], &d);
    let values: Vec<&str> = i.acquisition[4]
        .groups
        .iter()
        .map(|g| g.value.as_str())
        .collect();
    assert_eq!(values, ["2024-Q4", "1970-Q1"]);
}

#[test]
fn insights_survive_their_json() {
    let i = summarize(&[customer("champions", 3.0, 1, false)], &dictionaries());
    let back: Insights = serde_json::from_value(serde_json::to_value(&i).unwrap()).unwrap();
    assert_eq!(back, i);
    let csv = report::acquisition_csv(&i);
    assert!(csv.starts_with(report::CSV_HEADER));
    assert!(csv.contains("\nchannel,referral,1,"));
    assert!(csv.contains("\nindustry,(unknown),1,"));
}

#[test]
fn every_segment_has_its_place_in_the_overview() {
    for (i, s) in rapport_analytics::Segment::ALL.iter().enumerate() {
        let code = crate::score::segment_code(*s);
        assert_eq!(segment_index(code), Some(i as u8), "{code}");
    }
}
