//! Server-side SVG charts for the analytics pages: bar, line and Pareto charts and heatmaps as
//! strings.
//!
//! The markup is safe under a strict Content-Security-Policy: no `style` attributes, no `<style>`
//! elements, no script. Looks come from SVG presentation attributes (`fill`, `stroke`,
//! `font-size`, …) that a stylesheet can override through the `chart-*` classes; text uses
//! `currentColor` so it follows the page's colour scheme. Each chart is an `<svg role="img">`
//! labelled by its `<title>` and a `<desc>` that lists the data as text for screen readers, with a
//! `viewBox` and `width="100%"` so it scales to the container. All caller text is XML-escaped,
//! values that are not finite count as 0, and coordinates have at most two decimals.
//!
//! The output is a fragment to embed in HTML as is (with askama: `{{ svg|safe }}`).

mod bar;
mod heatmap;
mod layout;
mod line;
mod pareto;
mod svg;
#[cfg(test)]
mod test_support;
mod ticks;

pub use bar::bar_chart;
pub use heatmap::heatmap;
pub use line::line_chart;
pub use pareto::pareto_chart;
pub use ticks::nice_ticks;

/// A named sequence of labelled values, such as one metric per month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(String, f64)>,
}

impl Series {
    pub fn new(label: impl Into<String>, points: Vec<(String, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
        }
    }
}

/// Turns a number into display text, e.g. a closure over the page's `Lang`.
pub type Format = Box<dyn Fn(f64) -> String + Send + Sync>;

/// Size, identity and text formatting of one chart.
pub struct ChartOptions {
    /// Width of the `viewBox` in user units (at least 200); the chart scales to its container.
    pub width: u32,
    /// Height of the `viewBox` in user units (at least 120).
    pub height: u32,
    /// Prefix of the element ids inside the chart; must be unique on the page. Characters other
    /// than ASCII letters, digits, '-' and '_' are dropped.
    pub id: String,
    /// Shown instead of the chart when there is nothing to draw.
    pub empty_text: String,
    /// Formats data values and the value axis.
    pub value_format: Format,
    /// Formats a share between 0 and 1 as a percentage (the Pareto chart's right axis).
    pub percent_format: Format,
}

impl Default for ChartOptions {
    /// 600 × 320, id "chart", "No data", numbers with up to two decimals, "45%".
    fn default() -> ChartOptions {
        ChartOptions {
            width: 600,
            height: 320,
            id: "chart".to_string(),
            empty_text: "No data".to_string(),
            value_format: Box::new(svg::plain_number),
            percent_format: Box::new(|share| format!("{}%", svg::plain_number(share * 100.0))),
        }
    }
}

impl std::fmt::Debug for ChartOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChartOptions")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("id", &self.id)
            .field("empty_text", &self.empty_text)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{assert_safe_svg, count};
    use super::*;

    const HOSTILE: &str = "<script>alert('x')</script> & \"quoted\"";

    fn points(data: &[(&str, f64)]) -> Vec<(String, f64)> {
        data.iter().map(|(c, v)| (c.to_string(), *v)).collect()
    }

    /// Each chart kind drawing the same points, for checks every chart must pass.
    fn all_charts(data: &[(&str, f64)], title: &str, opts: &ChartOptions) -> [String; 3] {
        let series = Series::new(title, points(data));
        [
            bar_chart(title, &series, opts),
            line_chart(title, std::slice::from_ref(&series), opts),
            pareto_chart(title, &points(data), opts),
        ]
    }

    #[test]
    fn caller_text_is_escaped_everywhere() {
        let opts = ChartOptions {
            empty_text: HOSTILE.to_string(),
            ..ChartOptions::default()
        };
        for data in [&[(HOSTILE, 3.0), ("b", 1.0)][..], &[]] {
            for svg in all_charts(data, HOSTILE, &opts) {
                assert_safe_svg(&svg);
                assert!(!svg.contains("<script>"), "{svg}");
                assert!(svg.contains(
                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"
                ));
            }
        }
    }

    #[test]
    fn not_finite_values_are_drawn_as_zero() {
        let data = [
            ("a", f64::NAN),
            ("b", f64::INFINITY),
            ("c", f64::NEG_INFINITY),
            ("d", 2.0),
        ];
        for svg in all_charts(&data, "Odd", &ChartOptions::default()) {
            assert_safe_svg(&svg);
        }
    }

    #[test]
    fn extreme_values_stay_finite() {
        let data = [
            ("max", f64::MAX),
            ("min", f64::MIN),
            ("tiny", f64::MIN_POSITIVE),
        ];
        for svg in all_charts(&data, "Extremes", &ChartOptions::default()) {
            assert_safe_svg(&svg);
        }
    }

    #[test]
    fn every_size_and_count_is_safe() {
        for (width, height) in [
            (0, 0),
            (200, 120),
            (320, 480),
            (1200, 400),
            (u32::MAX, u32::MAX),
        ] {
            let opts = ChartOptions {
                width,
                height,
                ..ChartOptions::default()
            };
            for n in [1, 2, 7, 40, 250] {
                let labels: Vec<String> = (0..n).map(|i| format!("Reason number {i}")).collect();
                let data: Vec<(&str, f64)> = labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.as_str(), (n - i) as f64 / 3.0))
                    .collect();
                let charts = all_charts(&data, "Sizes", &opts);
                for (svg, bars) in charts.iter().zip([n, 0, n]) {
                    assert_safe_svg(svg);
                    assert_eq!(count(svg, "class=\"chart-bar\""), bars);
                }
            }
        }
    }

    #[test]
    fn ids_come_from_the_options() {
        let opts = ChartOptions {
            id: "withdrawals".to_string(),
            ..ChartOptions::default()
        };
        for svg in all_charts(&[("a", 1.0)], "Withdrawals", &opts) {
            assert_safe_svg(&svg);
            assert!(svg.contains("aria-labelledby=\"withdrawals-title withdrawals-desc\""));
        }
    }

    #[test]
    fn options_have_sensible_defaults() {
        let opts = ChartOptions::default();
        assert_eq!((opts.width, opts.height), (600, 320));
        assert_eq!((opts.value_format)(1234.5), "1234.5");
        assert_eq!((opts.percent_format)(0.125), "12.5%");
        assert!(format!("{opts:?}").contains("width: 600"));
    }
}
