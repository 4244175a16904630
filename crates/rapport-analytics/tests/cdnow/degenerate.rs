//! Degenerate input through the whole pipeline, for every model.

use super::*;

fn tx(customer: u64, day: i64, amount: f64) -> Transaction {
    Transaction {
        customer,
        day,
        amount,
    }
}

fn weekly(calibration_end: i64) -> RfmOptions {
    RfmOptions {
        calibration_end,
        holdout_end: None,
        unit: TimeUnit::Week,
    }
}

#[test]
fn empty_log() {
    let s = summarize(&[], &weekly(100)).unwrap();
    let err = BgNbd::fit(
        BgVariant::BgNbd,
        &s.compressed(),
        &OptimizeOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, AnalyticsError::EmptyInput(_)), "{err}");
    assert!(matches!(
        GammaGamma::fit(
            &SpendObservation::from_summary(&s).unwrap(),
            &OptimizeOptions::default()
        ),
        Err(AnalyticsError::EmptyInput(_))
    ));
    assert!(matches!(
        ParetoNbd::fit(&s.compressed(), &OptimizeOptions::default()),
        Err(AnalyticsError::EmptyInput(_))
    ));
}

#[test]
fn no_repeat_buyer() {
    let log: Vec<_> = (0..50).map(|c| tx(c, c as i64, 10.0)).collect();
    let s = summarize(&log, &weekly(100)).unwrap();
    for variant in [BgVariant::BgNbd, BgVariant::MbgNbd] {
        let err = BgNbd::fit(variant, &s.compressed(), &OptimizeOptions::default()).unwrap_err();
        assert!(matches!(err, AnalyticsError::NotIdentified(_)));
        assert!(
            err.to_string()
                .starts_with("the model cannot be identified"),
            "{err}"
        );
    }
    let err = ParetoNbd::fit(&s.compressed(), &OptimizeOptions::default()).unwrap_err();
    assert!(matches!(err, AnalyticsError::NotIdentified(_)), "{err}");
}

#[test]
fn one_customer_with_ten_thousand_purchases() {
    let mut log: Vec<_> = (0..10_000).map(|d| tx(1, d, 5.0)).collect();
    log.push(tx(2, 3, 7.0));
    let s = summarize(&log, &weekly(12_000)).unwrap();
    assert_eq!(s.customers[0].frequency, 9_999);
    for variant in [BgVariant::BgNbd, BgVariant::MbgNbd] {
        // Two customers cannot pin down four parameters: the fit either says which mixing
        // distribution collapsed, or whatever it reports is finite.
        let f = match BgNbd::fit(variant, &s.compressed(), &OptimizeOptions::default()) {
            Ok(f) => f,
            Err(AnalyticsError::NotIdentified(why)) => {
                assert!(why.contains("hardly varies"), "{why}");
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        assert!(
            f.fit.params.iter().all(|p| p.is_finite() && *p > 0.0),
            "{:?}",
            f.fit
        );
        assert!(f.fit.log_likelihood.is_finite() && f.fit.gradient_norm.is_finite());
        for c in &s.customers {
            let e = f
                .model
                .conditional_expected_purchases(52.0, &c.triple())
                .unwrap();
            let alive = f.model.p_alive(&c.triple()).unwrap();
            assert!(e.is_finite() && e >= 0.0 && (0.0..=1.0).contains(&alive));
        }
    }
    let f = ParetoNbd::fit(&s.compressed(), &OptimizeOptions::default()).unwrap();
    assert!(
        f.fit.params.iter().all(|p| p.is_finite() && *p > 0.0)
            && f.fit.log_likelihood.is_finite()
            && f.fit.gradient_norm.is_finite(),
        "{:?}",
        f.fit
    );
    for c in &s.customers {
        let e = f
            .model
            .conditional_expected_purchases(52.0, &c.triple())
            .unwrap();
        let alive = f.model.p_alive(&c.triple()).unwrap();
        assert!(e.is_finite() && e >= 0.0 && (0.0..=1.0).contains(&alive));
    }
}

#[test]
fn zero_and_negative_amounts() {
    let log = [
        tx(1, 0, 10.0),
        tx(1, 7, 0.0),
        tx(2, 0, 5.0),
        tx(2, 14, -5.0),
        tx(3, 0, 1.0),
        tx(3, 7, 4.0),
    ];
    let s = summarize(&log, &weekly(70)).unwrap();
    assert_eq!(s.customers[1].monetary, -5.0);
    let err = SpendObservation::from_summary(&s).unwrap_err();
    assert!(
        err.to_string()
            .contains("customer 1 has mean repeat spend 0"),
        "{err}"
    );
    // Dropping the non-positive spenders is the caller's decision; then the data are fine.
    let kept: Vec<_> = s
        .customers
        .iter()
        .filter(|c| c.frequency > 0 && c.monetary > 0.0)
        .collect();
    assert_eq!(kept.len(), 1);
}

#[test]
fn a_fit_that_cannot_converge_is_reported_not_nan() {
    let data = summary().compressed();
    let options = OptimizeOptions {
        max_iterations: 2,
        ..Default::default()
    };
    let f = BgNbd::fit(BgVariant::BgNbd, &data, &options).unwrap().fit;
    assert!(!f.converged);
    assert_eq!(f.iterations, 2);
    assert!(f.params.iter().all(|p| p.is_finite()) && f.log_likelihood.is_finite());
    // Every repeat customer bought at the very end and at nearly the same rate: estimates run
    // to the edge of the parameter space. Either a collapsed mixing distribution is named, or
    // the fit says it did not converge; nothing is NaN.
    let never_leave = CompressedRfm::from_counts([
        (RfmTriple::new(3, 10.0, 10.0).unwrap(), 5),
        (RfmTriple::new(1, 10.0, 10.0).unwrap(), 5),
    ]);
    let check = |fit: std::result::Result<Fit<4>, AnalyticsError>| match fit {
        Ok(f) => {
            assert!(!f.converged, "{f:?}");
            assert!(
                f.params.iter().all(|p| p.is_finite()) && f.log_likelihood.is_finite(),
                "{f:?}"
            );
        }
        Err(AnalyticsError::NotIdentified(why)) => {
            assert!(why.contains("hardly varies"), "{why}")
        }
        Err(e) => panic!("{e}"),
    };
    check(BgNbd::fit(BgVariant::BgNbd, &never_leave, &OptimizeOptions::default()).map(|f| f.fit));
    check(ParetoNbd::fit(&never_leave, &OptimizeOptions::default()).map(|f| f.fit));
}

/// A larger synthetic log through the whole pipeline. Nothing is timed: this only shows the
/// compressed path works at a scale where it matters (the speed figures belong in benchmarks).
#[test]
fn pipeline_at_scale_times_nothing() {
    // Deterministic pseudo-data: customer c buys every (c % 13 + 3) days from day c % 90,
    // until day (c * 7919) % 700; amounts vary with customer and day.
    let mut log = Vec::new();
    for c in 0..20_000u64 {
        let step = (c % 13 + 3) as i64;
        let start = (c % 90) as i64;
        let stop = start + ((c * 7919) % 700) as i64;
        let mut day = start;
        while day <= stop {
            log.push(tx(c, day, 5.0 + ((c * 31 + day as u64 * 17) % 97) as f64));
            day += step * (1 + (day % 3));
        }
    }
    let options = RfmOptions {
        calibration_end: 365,
        holdout_end: Some(730),
        unit: TimeUnit::Week,
    };
    let s = summarize(&log, &options).unwrap();
    let compressed = s.compressed();
    assert!(
        compressed.len() * 2 < s.customers.len(),
        "{} triples",
        compressed.len()
    );
    let fitted = BgNbd::fit(BgVariant::BgNbd, &compressed, &OptimizeOptions::default()).unwrap();
    assert!(fitted.fit.log_likelihood.is_finite());
    let d = holdout_diagnostics(&fitted.model, &s).unwrap();
    assert!(d.predicted.is_finite() && d.customers == s.customers.len() as u64);
    // This regular pseudo-data has nearly the same dropout rate for everyone: the Pareto/NBD's
    // gamma mixing of dropout collapses, which is said rather than fitted.
    match ParetoNbd::fit(&compressed, &OptimizeOptions::default()) {
        Ok(pareto) => {
            assert!(pareto.fit.log_likelihood.is_finite());
            let d = holdout_diagnostics(&pareto.model, &s).unwrap();
            assert!(d.predicted.is_finite() && d.customers == s.customers.len() as u64);
        }
        Err(AnalyticsError::NotIdentified(why)) => {
            assert!(why.contains("dropout rate hardly varies"), "{why}")
        }
        Err(e) => panic!("{e}"),
    }
    let scores = rfm_scores(&s);
    assert!(
        scores
            .iter()
            .all(|r| (1..=5).contains(&r.r) && (1..=5).contains(&r.f) && (1..=5).contains(&r.m))
    );
}
