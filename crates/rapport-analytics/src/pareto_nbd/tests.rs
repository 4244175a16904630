//! Unit tests of the Pareto/NBD: 40-digit references, gradients, the two evaluations of the
//! dropout term against each other, expectations, extremes.

use super::dropout::{Dropout, by_quadrature, by_series};
use super::*;

fn model(p: [f64; 4]) -> ParetoNbd {
    ParetoNbd::new(ParetoParams::new(p[0], p[1], p[2], p[3]).unwrap())
}

fn triple(x: u32, t_x: f64, t_cal: f64) -> RfmTriple {
    RfmTriple::new(x, t_x, t_cal).unwrap()
}

fn close(what: &str, got: f64, expected: f64, rel: f64) {
    let err = (got - expected).abs() / expected.abs().max(1.0);
    assert!(
        err <= rel,
        "{what}: got {got:e}, expected {expected:e} (error {err:e})"
    );
}

/// The published CDNOW estimates (Fader & Hardie's MATLAB note, as in the shared README), the
/// same with α and β swapped, α = β, α ≪ β and α ≫ β with s = 1 (the last two take the
/// quadrature for most histories).
const PARAMS: [[f64; 4]; 5] = [
    [0.553, 10.578, 0.606, 11.669],
    [0.553, 11.669, 0.606, 10.578],
    [0.8, 5.0, 1.3, 5.0],
    [2.0, 0.05, 0.4, 50.0],
    [0.3, 80.0, 1.0, 0.02],
];

/// New, typical, customer 1516 of the CDNOW sample, 500 purchases active and long gone,
/// a long-lapsed customer, and a purchase at the very end (t_x = T).
fn histories() -> [RfmTriple; 7] {
    [
        triple(0, 0.0, 39.0),
        triple(2, 30.43, 38.86),
        triple(26, 216.0 / 7.0, 31.0),
        triple(500, 999.0, 1000.0),
        triple(500, 10.0, 1000.0),
        triple(7, 0.5, 1000.0),
        triple(1, 3.0, 3.0),
    ]
}

#[test]
fn log_likelihood_and_p_alive_match_forty_digit_references() {
    // ln L = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β + ln[(α+T)^−(r+x) (β+T)^−s + s D] and
    // P(alive) = first term / bracket, with D = (A₀(t_x) − A₀(T)) / (r+s+x) in the ₂F₁ form of
    // Fader, Hardie & Lee's note (both branches, α ≥ β and α < β), by mpmath 1.4 `hyp2f1` at
    // 60 digits; for x < 100 also by `quad` of the integral (agreeing to 1e-13; for x = 500
    // `quad` is wrong from the 10th digit, the integrand being too narrow for it).
    // P(alive) below 1e-300 is 0 in f64.
    #[rustfmt::skip]
    let expected: [[(f64, f64); 7]; 5] = [
        [(-0.521_507_418_876_577_4, 0.294_467_031_014_586_43), (-9.554_283_245_150_407, 0.869_167_559_153_011_1),
         (-39.131_626_976_116_6, 0.997_874_260_609_941_3), (-856.286_277_758_928_7, 0.999_224_651_517_970_1),
         (1_088.453_796_313_292_5, 0.0), (-12.400_755_943_448_164, 1.566_521_069_848_660_2e-15),
         (-3.477_571_297_941_665, 1.0)],
        [(-0.480_365_832_272_077_6, 0.281_456_152_078_632), (-9.599_399_675_117_127, 0.866_923_429_514_770_1),
         (-39.808_841_780_859_35, 0.997_821_030_648_449_8), (-856.830_921_342_444_3, 0.999_224_038_742_921),
         (1_062.724_259_627_006_2, 0.0), (-12.903_587_127_942_573, 2.557_397_706_821_999e-15),
         (-3.555_963_196_573_198, 1.0)],
        [(-0.473_200_014_577_725_5, 0.016_676_102_031_160_338), (-11.390_482_989_446_886, 0.692_694_975_755_702_3),
         (-36.856_650_829_338_354, 0.994_560_925_436_487_3), (-857.571_355_783_664_3, 0.998_323_830_584_732_5),
         (1_247.646_695_798_207_6, 0.0), (-6.106_638_127_163_684, 1.830_995_818_230_785_9e-20),
         (-3.289_592_714_410_090_3, 1.0)],
        [(-7.829_093_840_526_769, 0.003_270_861_723_202_387_6), (-19.008_587_679_366_144, 0.936_001_515_547_217_4),
         (-37.822_909_346_653_46, 0.999_246_616_164_651_6), (-857.379_963_307_972_4, 0.999_505_047_991_500_2),
         (1_444.161_071_376_749, 0.0), (2.471_977_466_250_275, 2.516_582_739_634_754e-27),
         (-8.667_049_701_655_587, 1.0)],
        [(-0.000_530_879_646_012_627_1, 0.000_455_235_578_294_561_5), (-17.923_794_095_064_246, 0.767_216_692_260_858),
         (-72.006_808_940_921_86, 0.995_316_062_144_856_9), (-898.073_267_899_914_5, 0.998_728_228_797_468_7),
         (345.674_641_436_034_2, 0.0), (-28.056_070_897_360_2, 3.474_904_896_822_774_3e-12),
         (-10.651_137_440_874_273, 1.0)],
    ];
    for (p, row) in PARAMS.iter().zip(expected) {
        let m = model(*p);
        for (h, (ll, alive)) in histories().iter().zip(row) {
            let what = format!("{p:?} {h:?}");
            close(
                &format!("ln L {what}"),
                m.log_likelihood(h).unwrap(),
                ll,
                1e-13,
            );
            let got = m.p_alive(h).unwrap();
            assert!(
                (got - alive).abs() <= 1e-13 * alive.max(1e-300),
                "P(alive) {what}: {got:e} vs {alive:e}"
            );
        }
    }
}

#[test]
fn gradient_matches_finite_differences() {
    for p in PARAMS {
        for h in &histories() {
            let (_, grad) = model(p).log_likelihood_gradient(h).unwrap();
            for i in 0..4 {
                let step = 1e-6 * p[i];
                let (mut up, mut down) = (p, p);
                up[i] += step;
                down[i] -= step;
                let numeric = (model(up).log_likelihood(h).unwrap()
                    - model(down).log_likelihood(h).unwrap())
                    / (up[i] - down[i]);
                // Central differences of values up to ~1000: rounding noise ~1e-10 / 1e-6.
                let tol = 1e-6 * numeric.abs().max(1.0) + 5e-4 * (h.x() as f64 / 500.0);
                assert!(
                    (grad[i] - numeric).abs() <= tol,
                    "{p:?} {h:?} component {i}: analytic {} numeric {numeric}",
                    grad[i]
                );
            }
        }
    }
}

#[test]
fn series_and_quadrature_agree() {
    // Wherever the series converges in its budget, the quadrature must give the same ℓ and
    // gradient: two independent evaluations of the same integral.
    let mut compared = 0;
    for p in [
        [0.553, 10.578, 0.606, 11.669],
        [0.553, 20.0, 0.606, 11.669],
        [1.5, 3.0, 0.2, 9.0],
        [0.2, 9.0, 2.5, 3.0],
        [0.9, 4.0, 0.7, 4.0],
    ] {
        for (x, t_x, t_cal) in [
            (0.0, 0.0, 39.0),
            (1.0, 2.0, 30.0),
            (4.0, 25.0, 39.0),
            (12.0, 38.0, 39.0),
            (60.0, 70.0, 200.0),
            (3.0, 38.99, 39.0),
        ] {
            let Some(Dropout::Present(v1, g1)) = by_series(p, x, t_x, t_cal) else {
                panic!("the series converges at {p:?} {x} {t_x} {t_cal}");
            };
            let Ok(Dropout::Present(v2, g2)) = by_quadrature(p, x, t_x, t_cal) else {
                panic!("the quadrature works at {p:?} {x} {t_x} {t_cal}");
            };
            close(&format!("ℓ at {p:?} {x} {t_x} {t_cal}"), v1, v2, 1e-12);
            for i in 0..4 {
                close(
                    &format!("∂ℓ[{i}] at {p:?} {x} {t_x} {t_cal}"),
                    g1[i],
                    g2[i],
                    1e-9,
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 30);
}

#[test]
fn published_expectations_of_the_btyd_manual() {
    // BTYD reference manual (R package, v2.4), examples of pnbd.Expectation and pnbd.PAlive
    // with params (0.55, 10.56, 0.61, 11.64): E[X(t)] for t = 1..9 as quoted by the test suite
    // of lifetimes (8 digits), and "0.2924031" for P(alive | x = 0, t_x = 0, T = 39).
    let m = model([0.55, 10.56, 0.61, 11.64]);
    let published = [
        0.050_778_21,
        0.099_160_88,
        0.145_425_07,
        0.189_799_30,
        0.232_474_66,
        0.273_612_74,
        0.313_351_59,
        0.351_810_24,
        0.389_092_11,
    ];
    for (t, e) in (1..=9).zip(published) {
        close(
            &format!("E[X({t})]"),
            m.expected_purchases(t as f64).unwrap(),
            e,
            6e-9,
        );
    }
    assert_eq!(m.expected_purchases(0.0), Ok(0.0));
    close(
        "P(alive)",
        m.p_alive(&triple(0, 0.0, 39.0)).unwrap(),
        0.292_403_1,
        5e-8,
    );
    // The manual's "1" for x = 23, t_x = T = 39.
    assert_eq!(m.p_alive(&triple(23, 39.0, 39.0)), Ok(1.0));
    // Its conditional-expectation example (no printed value): mpmath at 40 digits.
    close(
        "E[Y(2) | 10, 35, 39]",
        m.conditional_expected_purchases(2.0, &triple(10, 35.0, 39.0))
            .unwrap(),
        0.388_411_723_242_248_67,
        1e-13,
    );
}

#[test]
fn unit_lifetime_shape_is_the_limit() {
    // s = 1: [1 − (1+u)^−(s−1)]/(s−1) becomes ln(1 + u); continuous across it.
    let at = |s| {
        model([0.5, 10.0, s, 12.0])
            .conditional_expected_purchases(52.0, &triple(3, 20.0, 39.0))
            .unwrap()
    };
    close(
        "s = 1",
        at(1.0),
        0.5 * (at(1.0 + 1e-7) + at(1.0 - 1e-7)),
        1e-9,
    );
}

#[test]
fn new_customer_conditional_equals_unconditional() {
    for p in PARAMS {
        let m = model(p);
        for t in [0.5, 10.0, 52.0, 400.0] {
            close(
                "E[Y(t) | new]",
                m.conditional_expected_purchases(t, &triple(0, 0.0, 0.0))
                    .unwrap(),
                m.expected_purchases(t).unwrap(),
                1e-15,
            );
        }
    }
}

#[test]
fn long_histories_stay_finite() {
    for p in PARAMS {
        let m = model(p);
        for h in [
            triple(10_000, 3000.0, 3000.0),
            triple(10_000, 1.0, 3000.0),
            triple(0, 0.0, 1e6),
            triple(3, 1e-9, 1e6),
        ] {
            let (ll, grad) = m.log_likelihood_gradient(&h).unwrap();
            assert!(
                ll.is_finite() && grad.iter().all(|g| g.is_finite()),
                "{p:?} {h:?}"
            );
            let alive = m.p_alive(&h).unwrap();
            assert!((0.0..=1.0).contains(&alive), "{p:?} {h:?}: {alive}");
            let e = m.conditional_expected_purchases(52.0, &h).unwrap();
            assert!(e.is_finite() && e >= 0.0, "{p:?} {h:?}: {e}");
        }
    }
}

#[test]
fn bad_windows_and_parameters_are_errors() {
    let m = model(PARAMS[0]);
    assert!(m.expected_purchases(-1.0).is_err());
    assert!(m.expected_purchases(f64::INFINITY).is_err());
    assert!(
        m.conditional_expected_purchases(f64::NAN, &triple(0, 0.0, 1.0))
            .is_err()
    );
    assert!(m.expected_purchases_if_alive(1.0, 2, -3.0).is_err());
    assert!(ParetoParams::new(0.0, 1.0, 1.0, 1.0).is_err());
    assert!(ParetoParams::new(1.0, 1.0, f64::NAN, 1.0).is_err());
}

#[test]
fn fitting_needs_repeat_buyers() {
    let options = OptimizeOptions::default();
    assert!(matches!(
        ParetoNbd::fit(&CompressedRfm::default(), &options),
        Err(AnalyticsError::EmptyInput(_))
    ));
    let one_timers = CompressedRfm::from_counts([(triple(0, 0.0, 10.0), 50)]);
    assert!(matches!(
        ParetoNbd::fit(&one_timers, &options),
        Err(AnalyticsError::NotIdentified(_))
    ));
}
