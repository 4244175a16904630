//! The Pareto chart: bars for the causes, largest first, and the cumulative share of the total
//! as a line on a 0–100 % axis on the right, with a dashed guide at 80 %.

use super::bar::Bar;
use super::layout::{self, Frame};
use super::svg::{self, PALETTE, Svg};
use super::{ChartOptions, nice_ticks};

/// Space above the plot, enough for a value label over the tallest bar.
const TOP: f64 = 20.0;
/// Where the dashed guide line sits: the "vital few" causing 80 % of the total.
const GUIDE_SHARE: f64 = 0.8;
const POINT_RADIUS: f64 = 3.0;

/// Bars in the given order (the caller sorts them, largest first, and may keep a catch-all
/// "Other" last), plus a `path.chart-cumulative` through the running share of the total that
/// ends at 100 % over the last bar. Negative and not-finite values count as 0. Renders
/// `opts.empty_text` when there are no bars or they add up to 0.
pub fn pareto_chart(title: &str, bars: &[(String, f64)], opts: &ChartOptions) -> String {
    let values: Vec<f64> = bars.iter().map(|(_, v)| svg::clean(*v).max(0.0)).collect();
    let total: f64 = values.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return svg::empty(title, opts);
    }
    let categories: Vec<&str> = bars.iter().map(|(c, _)| c.as_str()).collect();
    let shares = cumulative_shares(&values, total);
    let value_text: Vec<String> = values.iter().map(|v| (opts.value_format)(*v)).collect();
    let share_text: Vec<String> = shares.iter().map(|s| (opts.percent_format)(*s)).collect();
    let described = value_text
        .iter()
        .zip(&share_text)
        .map(|(v, s)| format!("{v} ({s})"));
    let desc = svg::describe("", categories.iter().copied().zip(described));
    let mut svg = Svg::open(title, &desc, opts);

    let (_, height) = svg::size(opts);
    let max_ticks = layout::max_ticks(height);
    let high = values.iter().copied().fold(0.0, f64::max);
    let value_ticks = nice_ticks(0.0, high, max_ticks);
    let value_labels: Vec<String> = value_ticks
        .iter()
        .map(|t| (opts.value_format)(*t))
        .collect();
    let share_ticks = nice_ticks(0.0, 1.0, max_ticks);
    let share_labels: Vec<String> = share_ticks
        .iter()
        .map(|t| (opts.percent_format)(*t))
        .collect();
    let frame = Frame::new(opts, TOP, &value_labels, &share_labels, &categories);
    let value_scale = frame.scale(&value_ticks);
    let share_scale = frame.scale(&share_ticks);
    frame.left_axis(&mut svg, &value_scale, &value_ticks, &value_labels);
    frame.right_axis(&mut svg, &share_scale, &share_ticks, &share_labels);
    let guide = share_scale.y(GUIDE_SHARE);
    let dashed = " stroke=\"currentColor\" stroke-opacity=\"0.5\" stroke-dasharray=\"4 4\"";
    svg.line(
        "chart-threshold",
        (frame.left, guide),
        (frame.right, guide),
        dashed,
    );

    for (i, category) in categories.iter().enumerate() {
        let bar = Bar {
            index: i,
            value: values[i],
            tooltip: &format!("{category}: {} ({})", value_text[i], share_text[i]),
            class: "chart-bar",
            fill: PALETTE[0],
        };
        bar.draw(&mut svg, &frame, &value_scale);
        bar.value_label(&mut svg, &frame, &value_scale, &value_text[i]);
    }
    frame.baseline(&mut svg, value_scale.y(0.0));

    let points: Vec<(f64, f64)> = shares
        .iter()
        .enumerate()
        .map(|(i, share)| (frame.center(i), share_scale.y(*share)))
        .collect();
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| {
            let command = if i == 0 { 'M' } else { 'L' };
            format!("{command}{} {}", svg::num(*x), svg::num(*y))
        })
        .collect();
    svg.raw(&format!(
        "<path class=\"chart-cumulative\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" \
         stroke-linejoin=\"round\"/>",
        path.join(" "),
        PALETTE[1],
    ));
    for ((x, y), (category, share)) in points.iter().zip(categories.iter().zip(&share_text)) {
        svg.raw(&format!(
            "<circle class=\"chart-cumulative-point\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\">\
             <title>{}</title></circle>",
            svg::num(*x),
            svg::num(*y),
            svg::num(POINT_RADIUS),
            PALETTE[1],
            svg::escape(&format!("{category}: {share}")),
        ));
    }
    frame.category_labels(&mut svg, &categories);
    svg.finish()
}

/// The running sum of `values` as a share of `total` (> 0); the last share is exactly 1.
fn cumulative_shares(values: &[f64], total: f64) -> Vec<f64> {
    let mut running = 0.0;
    let mut shares: Vec<f64> = values
        .iter()
        .map(|v| {
            running += v;
            (running / total).min(1.0)
        })
        .collect();
    if let Some(last) = shares.last_mut() {
        *last = 1.0;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::chart::test_support::{assert_safe_svg, attr_values, count};

    fn bars(data: &[(&str, f64)]) -> Vec<(String, f64)> {
        data.iter().map(|(c, v)| (c.to_string(), *v)).collect()
    }

    fn reasons() -> Vec<(String, f64)> {
        bars(&[
            ("Price", 50.0),
            ("Late delivery", 30.0),
            ("Quality", 15.0),
            ("Other", 5.0),
        ])
    }

    #[test]
    fn shares_accumulate_to_exactly_one() {
        assert_eq!(
            cumulative_shares(&[50.0, 30.0, 15.0, 5.0], 100.0),
            [0.5, 0.8, 0.95, 1.0]
        );
        assert_eq!(cumulative_shares(&[0.1, 0.2], 0.1 + 0.2), [1.0 / 3.0, 1.0]);
    }

    #[test]
    fn one_bar_per_cause_in_the_given_order() {
        let svg = pareto_chart("Why customers cancel", &reasons(), &ChartOptions::default());
        assert_safe_svg(&svg);
        assert_eq!(count(&svg, "class=\"chart-bar\""), 4);
        let heights: Vec<f64> = attr_values(&svg, "rect", "height")
            .iter()
            .map(|h| h.parse().expect("numeric height"))
            .collect();
        assert!(heights.windows(2).all(|w| w[0] > w[1]), "{heights:?}");
    }

    #[test]
    fn cumulative_line_ends_at_100_percent() {
        let svg = pareto_chart("Why customers cancel", &reasons(), &ChartOptions::default());
        let cy: Vec<f64> = attr_values(&svg, "circle", "cy")
            .iter()
            .map(|y| y.parse().expect("numeric cy"))
            .collect();
        let top_grid = attr_values(&svg, "line", "y1")
            .iter()
            .map(|y| y.parse::<f64>().expect("numeric y1"))
            .fold(f64::INFINITY, f64::min);
        assert_eq!(cy.len(), 4);
        assert_eq!(cy[3], top_grid, "the last point sits on the 100 % line");
        assert!(
            cy.windows(2).all(|w| w[0] > w[1]),
            "the line only rises: {cy:?}"
        );
        assert!(svg.contains("<title>Other: 100%</title>"));
        assert!(svg.contains("Price: 50 (50%); Late delivery: 30 (80%);"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn right_axis_reads_0_to_100_percent() {
        let svg = pareto_chart("Reasons", &reasons(), &ChartOptions::default());
        for label in ["0%", "20%", "40%", "60%", "80%", "100%"] {
            assert!(svg.contains(&format!(">{label}</text>")), "missing {label}");
        }
        assert_eq!(count(&svg, "class=\"chart-threshold\""), 1);
    }

    #[test]
    fn negative_and_not_finite_values_count_as_zero() {
        let odd = bars(&[
            ("a", 10.0),
            ("b", f64::NAN),
            ("c", -4.0),
            ("d", f64::INFINITY),
        ]);
        let svg = pareto_chart("Odd", &odd, &ChartOptions::default());
        assert_safe_svg(&svg);
        assert_eq!(count(&svg, "class=\"chart-bar\""), 4);
        assert!(svg.contains("a: 10 (100%); b: 0 (100%); c: 0 (100%); d: 0 (100%)."));
    }

    #[test]
    fn nothing_to_count_renders_the_empty_text() {
        for empty in [bars(&[]), bars(&[("a", 0.0), ("b", -1.0)])] {
            let svg = pareto_chart("Reasons", &empty, &ChartOptions::default());
            assert_safe_svg(&svg);
            assert!(svg.contains(">No data</text>"));
            assert_eq!(count(&svg, "chart-bar"), 0);
        }
    }
}
