//! Unit tests of the BG/NBD family: gradients, identities, published expectations, extremes.

use super::*;

/// The published CDNOW estimates (Fader, Hardie & Lee 2005, Marketing Science, §4).
fn cdnow() -> BgNbd {
    BgNbd::new(
        BgVariant::BgNbd,
        BgParams::new(0.243, 4.414, 0.793, 2.426).unwrap(),
    )
}

fn triple(x: u32, t_x: f64, t_cal: f64) -> RfmTriple {
    RfmTriple::new(x, t_x, t_cal).unwrap()
}

fn close(got: f64, expected: f64, tol: f64) {
    assert!(
        (got - expected).abs() <= tol,
        "got {got}, expected {expected} ± {tol}"
    );
}

#[test]
fn gradient_matches_finite_differences() {
    let histories = [
        triple(0, 0.0, 30.0),
        triple(1, 3.2, 38.0),
        triple(7, 30.4, 38.86),
        triple(60, 99.0, 100.0),
    ];
    let parameter_sets = [
        [0.243, 4.414, 0.793, 2.426],
        [1.7, 0.3, 2.2, 0.6],
        [0.05, 40.0, 0.2, 9.0],
    ];
    for variant in [BgVariant::BgNbd, BgVariant::MbgNbd] {
        for p in parameter_sets {
            for h in &histories {
                let model = |q: [f64; 4]| {
                    BgNbd::new(variant, BgParams::new(q[0], q[1], q[2], q[3]).unwrap())
                };
                let (_, grad) = model(p).log_likelihood_gradient(h).unwrap();
                for i in 0..4 {
                    let step = 1e-6 * p[i];
                    let (mut up, mut down) = (p, p);
                    up[i] += step;
                    down[i] -= step;
                    let numeric = (model(up).log_likelihood(h).unwrap()
                        - model(down).log_likelihood(h).unwrap())
                        / (up[i] - down[i]);
                    let tol = 1e-6 * numeric.abs().max(1.0);
                    assert!(
                        (grad[i] - numeric).abs() <= tol,
                        "{variant:?} {p:?} {h:?} component {i}: analytic {} numeric {numeric}",
                        grad[i]
                    );
                }
            }
        }
    }
}

#[test]
fn likelihood_matches_the_papers_formula_for_small_histories() {
    // Direct evaluation of the likelihood of Fader, Hardie & Lee (2005) where nothing overflows.
    let m = cdnow();
    let [r, alpha, a, b] = m.params.to_array();
    let (x, t_x, t_cal) = (2.0, 30.43, 38.86);
    let common = (ln_gamma(r + x) - ln_gamma(r)).exp() * alpha.powf(r);
    let direct = (ln_beta(a, b + x) - ln_beta(a, b)).exp() * common / (alpha + t_cal).powf(r + x)
        + (ln_beta(a + 1.0, b + x - 1.0) - ln_beta(a, b)).exp() * common
            / (alpha + t_x).powf(r + x);
    close(
        m.log_likelihood(&triple(2, t_x, t_cal)).unwrap(),
        direct.ln(),
        1e-12,
    );
}

#[test]
fn mbg_likelihood_matches_batislam_et_al_for_small_histories() {
    // Batislam, Denizel & Filiztekin (2007): both likelihood terms present for every x.
    let m = BgNbd::new(BgVariant::MbgNbd, cdnow().params);
    let [r, alpha, a, b] = m.params.to_array();
    for (x, t_x, t_cal) in [(0.0, 0.0, 20.0), (3.0, 11.0, 30.0)] {
        let common = (ln_gamma(r + x) - ln_gamma(r)).exp() * alpha.powf(r);
        let direct = (ln_beta(a, b + x + 1.0) - ln_beta(a, b)).exp() * common
            / (alpha + t_cal).powf(r + x)
            + (ln_beta(a + 1.0, b + x) - ln_beta(a, b)).exp() * common / (alpha + t_x).powf(r + x);
        close(
            m.log_likelihood(&triple(x as u32, t_x, t_cal)).unwrap(),
            direct.ln(),
            1e-12,
        );
    }
}

#[test]
fn published_conditional_expectation() {
    // Fader, Hardie & Lee, "Implementing the BG/NBD Model for Customer Base Analysis in Excel"
    // (2005), §5: the CDNOW customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
    // 1.226 purchases in the next 39 weeks.
    let got = cdnow()
        .conditional_expected_purchases(39.0, &triple(2, 30.43, 38.86))
        .unwrap();
    close(got, 1.226, 5e-4);
}

#[test]
fn closed_forms_at_high_precision() {
    // Reference values of the closed forms — BG/NBD E[X(t)] and E[Y(t) | x, t_x, T] of
    // Fader, Hardie & Lee (2005), and the MBG/NBD analogues of Batislam et al. (2007):
    //   E[X(t)] = b/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]
    //   E[Y(t)|x,t_x,T] = (a+b+x)/(a−1) [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; z)]
    //                     / [1 + a/(b+x) ((α+T)/(α+t_x))^(r+x)]
    // — evaluated with 40-digit arithmetic (mpmath 1.3 `hyp2f1`) at the published CDNOW
    // parameters, so they test our series independently of its algebra.
    let bg = cdnow();
    let mbg = BgNbd::new(BgVariant::MbgNbd, bg.params);
    let unconditional = [
        (&bg, 0.1429, 0.007_828_347_516_072_163),
        (&bg, 1.0, 0.053_267_891_171_658_28),
        (&bg, 3.0, 0.150_865_230_893_046_68),
        (&bg, 31.8571, 1.041_996_060_852_211),
        (&bg, 78.0, 1.860_519_057_942_768_5),
        (&mbg, 1.0, 0.040_451_100_918_479_524),
        (&mbg, 39.0, 0.991_126_533_584_040_4),
        (&mbg, 78.0, 1.580_473_455_401_073),
    ];
    for (model, t, expected) in unconditional {
        close(model.expected_purchases(t).unwrap(), expected, 1e-13);
    }
    let conditional = [
        (
            triple(0, 0.0, 38.86),
            39.0,
            0.195_098_052_011_262_64,
            0.127_461_382_545_661_3,
        ),
        (
            triple(2, 30.43, 38.86),
            39.0,
            1.226_028_174_767_144_4,
            1.340_497_428_491_213_2,
        ),
        (
            triple(500, 999.0, 1000.0),
            10.0,
            4.948_098_260_839_994,
            4.948_162_114_721_165,
        ),
    ];
    for (h, t, expected_bg, expected_mbg) in conditional {
        close(
            bg.conditional_expected_purchases(t, &h).unwrap(),
            expected_bg,
            1e-12 * expected_bg,
        );
        close(
            mbg.conditional_expected_purchases(t, &h).unwrap(),
            expected_mbg,
            1e-12 * expected_mbg,
        );
    }
    // 1.56e−918 in exact arithmetic: underflows to zero, not to NaN.
    assert_eq!(
        bg.conditional_expected_purchases(52.0, &triple(500, 10.0, 1000.0))
            .unwrap(),
        0.0
    );
}

#[test]
fn new_customer_conditional_equals_unconditional() {
    for variant in [BgVariant::BgNbd, BgVariant::MbgNbd] {
        let m = BgNbd::new(variant, cdnow().params);
        for t in [0.5, 10.0, 52.0, 400.0] {
            let conditional = m
                .conditional_expected_purchases(t, &triple(0, 0.0, 0.0))
                .unwrap();
            close(
                conditional,
                m.expected_purchases(t).unwrap(),
                1e-12 * conditional.max(1.0),
            );
        }
    }
}

#[test]
fn p_alive_properties() {
    let bg = cdnow();
    assert_eq!(bg.p_alive(&triple(0, 0.0, 50.0)).unwrap(), 1.0);
    let recent = bg.p_alive(&triple(5, 37.0, 38.0)).unwrap();
    let lapsed = bg.p_alive(&triple(5, 3.0, 38.0)).unwrap();
    assert!(0.0 < lapsed && lapsed < recent && recent < 1.0);
    // MBG/NBD: a brand-new customer is alive with probability b / (a + b).
    let mbg = BgNbd::new(BgVariant::MbgNbd, bg.params);
    close(
        mbg.p_alive(&triple(0, 0.0, 0.0)).unwrap(),
        2.426 / (0.793 + 2.426),
        1e-15,
    );
}

#[test]
fn long_histories_do_not_overflow() {
    for variant in [BgVariant::BgNbd, BgVariant::MbgNbd] {
        let m = BgNbd::new(variant, cdnow().params);
        for h in [
            triple(500, 999.0, 1000.0),
            triple(500, 10.0, 1000.0),
            triple(10_000, 3000.0, 3000.0),
        ] {
            let (ll, grad) = m.log_likelihood_gradient(&h).unwrap();
            assert!(ll.is_finite() && grad.iter().all(|g| g.is_finite()));
            let alive = m.p_alive(&h).unwrap();
            assert!((0.0..=1.0).contains(&alive));
            let e = m.conditional_expected_purchases(52.0, &h).unwrap();
            assert!(e.is_finite() && e >= 0.0, "{h:?}: {e}");
        }
        // Active heavy buyer: about 0.5 purchases per unit, still alive.
        let e = m
            .conditional_expected_purchases(10.0, &triple(500, 999.0, 1000.0))
            .unwrap();
        assert!(e > 4.0 && e < 5.1, "{e}");
        // A heavy buyer silent for 990 units is as good as gone.
        assert!(m.p_alive(&triple(500, 10.0, 1000.0)).unwrap() < 1e-100);
    }
}

#[test]
fn expectations_grow_with_the_window() {
    let m = cdnow();
    let h = triple(3, 20.0, 38.0);
    let mut previous = 0.0;
    for t in [0.0, 1.0, 5.0, 39.0, 200.0, 2000.0] {
        let e = m.conditional_expected_purchases(t, &h).unwrap();
        assert!(e >= previous);
        previous = e;
    }
}

#[test]
fn bad_windows_and_parameters_are_errors() {
    let m = cdnow();
    assert!(m.expected_purchases(-1.0).is_err());
    assert!(
        m.conditional_expected_purchases(f64::NAN, &triple(0, 0.0, 1.0))
            .is_err()
    );
    assert!(BgParams::new(0.0, 1.0, 1.0, 1.0).is_err());
    assert!(BgParams::new(1.0, f64::INFINITY, 1.0, 1.0).is_err());
}

#[test]
fn fitting_needs_repeat_buyers() {
    let options = OptimizeOptions::default();
    let empty = CompressedRfm::default();
    assert!(matches!(
        BgNbd::fit(BgVariant::BgNbd, &empty, &options),
        Err(AnalyticsError::EmptyInput(_))
    ));
    let one_timers =
        CompressedRfm::from_counts([(triple(0, 0.0, 10.0), 50), (triple(0, 0.0, 20.0), 5)]);
    let err = BgNbd::fit(BgVariant::MbgNbd, &one_timers, &options).unwrap_err();
    assert!(matches!(err, AnalyticsError::NotIdentified(_)));
    assert!(err.to_string().contains("repeat purchase"), "{err}");
}

#[test]
fn clv_matches_the_term_by_term_series() {
    // The fast CLV paths (one evaluator per (x, T) with the w-series for long windows, several
    // windows at once, shared between the rows of a compressed summary) against the series
    // this crate summed before, window by window: the same to 1e-10 relative (in fact ~1e-13).
    use crate::clv::{
        ClvOptions, discounted_expected_purchases, discounted_expected_purchases_all,
    };
    use crate::hypergeometric::reference_expectation;
    let mut rows = Vec::new();
    for x in [0u32, 1, 2, 3, 5, 8, 13, 30, 100] {
        for t_cal in [0.0, 0.3, 1.0, 4.0, 12.0, 26.0, 39.0, 52.0, 104.0, 300.0] {
            let recencies = if x == 0 {
                vec![0.0]
            } else {
                vec![0.0, 0.5 * t_cal, t_cal]
            };
            rows.extend(recencies.into_iter().map(|t_x| (triple(x, t_x, t_cal), 1)));
        }
    }
    let data = CompressedRfm::from_counts(rows);
    let mut worst: f64 = 0.0;
    for model in [
        cdnow(),
        BgNbd::new(BgVariant::MbgNbd, cdnow().params),
        BgNbd::new(BgVariant::BgNbd, BgParams::new(1.7, 0.3, 2.2, 0.6).unwrap()),
        BgNbd::new(
            BgVariant::BgNbd,
            BgParams::new(0.05, 40.0, 0.2, 9.0).unwrap(),
        ),
    ] {
        let [r, alpha, a, b] = model.params.to_array();
        for options in [
            ClvOptions {
                horizon: 52,
                discount_rate: 0.1 / 52.0,
            },
            ClvOptions {
                horizon: 157,
                discount_rate: 0.0,
            },
        ] {
            let all = discounted_expected_purchases_all(&model, &data, &options).unwrap();
            for ((h, _), fast) in data.rows().iter().zip(&all) {
                let x = f64::from(h.x());
                let g = |k: u32| {
                    let s = f64::from(k) / (alpha + h.t_cal());
                    reference_expectation(a, b + x + model.variant.shift(), r + x, s).unwrap()
                };
                let alive = model.p_alive(h).unwrap();
                let factor = 1.0 / (1.0 + options.discount_rate);
                let (mut discount, mut reference) = (1.0, 0.0);
                for k in 1..=options.horizon {
                    discount *= factor;
                    reference += (alive * g(k) - alive * g(k - 1)) * discount;
                }
                let one = discounted_expected_purchases(&model, h, &options).unwrap();
                assert_eq!(*fast, one);
                let err = (fast - reference).abs() / reference.abs().max(1e-300);
                assert!(err <= 1e-10, "{model:?} {h:?}: {fast:e} vs {reference:e}");
                worst = worst.max(err);
            }
        }
    }
    assert!(worst < 1e-12, "worst relative difference {worst:e}");
}
