//! The line chart: one line per series over shared categories (usually periods), with a legend
//! when there is more than one series.

use std::collections::HashMap;

use super::layout::{self, Frame, Scale};
use super::svg::{self, PALETTE, Svg};
use super::{ChartOptions, Series, nice_ticks};

/// Space above the plot for one series, and for the legend row with several.
const TOP: f64 = 16.0;
const TOP_WITH_LEGEND: f64 = 36.0;
const LEGEND_BASELINE: f64 = 16.0;
const SWATCH: f64 = 10.0;
const POINT_RADIUS: f64 = 3.0;

/// One `path.chart-line` per series, with a `circle.chart-point` and tooltip per point.
///
/// The categories along the bottom are the point labels in order of first appearance across all
/// series; each series is drawn through its own points in its own order, so a series may skip
/// categories. The value axis spans the data (it need not start at 0). Series `i` has the class
/// `chart-series-i`. With no points at all, renders `opts.empty_text`.
pub fn line_chart(title: &str, series: &[Series], opts: &ChartOptions) -> String {
    let categories = categories(series);
    if categories.is_empty() {
        return svg::empty(title, opts);
    }
    let position: HashMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i))
        .collect();
    let desc = series
        .iter()
        .map(|s| {
            let items = s
                .points
                .iter()
                .map(|(c, v)| (c.as_str(), (opts.value_format)(svg::clean(*v))));
            svg::describe(&s.label, items)
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut svg = Svg::open(title, &desc, opts);

    let values = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, v)| svg::clean(*v)));
    let low = values.clone().fold(f64::INFINITY, f64::min);
    let high = values.fold(f64::NEG_INFINITY, f64::max);
    let (_, height) = svg::size(opts);
    let ticks = nice_ticks(low, high, layout::max_ticks(height));
    let tick_labels: Vec<String> = ticks.iter().map(|t| (opts.value_format)(*t)).collect();
    let top = if series.len() > 1 {
        TOP_WITH_LEGEND
    } else {
        TOP
    };
    let frame = Frame::new(opts, top, &tick_labels, &[], &categories);
    let scale = frame.scale(&ticks);
    frame.left_axis(&mut svg, &scale, &ticks, &tick_labels);
    let (first, last) = (ticks.first().copied(), ticks.last().copied());
    let axis_value = 0.0_f64.max(first.unwrap_or(0.0)).min(last.unwrap_or(0.0));
    frame.baseline(&mut svg, scale.y(axis_value));
    for (i, one) in series.iter().enumerate() {
        draw_series(&mut svg, &frame, &scale, (i, one), &position, opts);
    }
    if series.len() > 1 {
        legend(&mut svg, &frame, series);
    }
    frame.category_labels(&mut svg, &categories);
    svg.finish()
}

/// Point labels of all series, each once, in order of first appearance.
fn categories(series: &[Series]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    series
        .iter()
        .flat_map(|s| s.points.iter().map(|(c, _)| c.as_str()))
        .filter(|c| seen.insert(*c))
        .collect()
}

fn draw_series(
    svg: &mut Svg,
    frame: &Frame,
    scale: &Scale,
    (index, series): (usize, &Series),
    position: &HashMap<&str, usize>,
    opts: &ChartOptions,
) {
    let colour = PALETTE[index % PALETTE.len()];
    let points: Vec<(f64, f64, String)> = series
        .points
        .iter()
        .filter_map(|(category, value)| {
            let x = frame.center(*position.get(category.as_str())?);
            let value = svg::clean(*value);
            let tooltip = match series.label.trim() {
                "" => format!("{category}: {}", (opts.value_format)(value)),
                label => format!("{label} – {category}: {}", (opts.value_format)(value)),
            };
            Some((x, scale.y(value), tooltip))
        })
        .collect();
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (x, y, _))| {
            let command = if i == 0 { 'M' } else { 'L' };
            format!("{command}{} {}", svg::num(*x), svg::num(*y))
        })
        .collect();
    svg.raw(&format!(
        "<path class=\"chart-line chart-series-{index}\" d=\"{}\" fill=\"none\" stroke=\"{colour}\" \
         stroke-width=\"2\" stroke-linejoin=\"round\"/>",
        path.join(" "),
    ));
    for (x, y, tooltip) in &points {
        svg.raw(&format!(
            "<circle class=\"chart-point chart-series-{index}\" cx=\"{}\" cy=\"{}\" r=\"{}\" \
             fill=\"{colour}\"><title>{}</title></circle>",
            svg::num(*x),
            svg::num(*y),
            svg::num(POINT_RADIUS),
            svg::escape(tooltip),
        ));
    }
}

/// A row of colour swatches with series labels above the plot.
fn legend(svg: &mut Svg, frame: &Frame, series: &[Series]) {
    let item_width = (frame.right - frame.left) / series.len() as f64;
    for (i, one) in series.iter().enumerate() {
        let x = frame.left + item_width * i as f64;
        let colour = PALETTE[i % PALETTE.len()];
        svg.raw(&format!(
            "<rect class=\"chart-legend-swatch chart-series-{i}\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\" fill=\"{colour}\"/>",
            svg::num(x),
            svg::num(LEGEND_BASELINE - SWATCH),
            svg::num(SWATCH),
            svg::num(SWATCH),
        ));
        let label = svg::truncate(&one.label, item_width - SWATCH * 2.0);
        let at = (x + SWATCH + 4.0, LEGEND_BASELINE);
        svg.text("chart-label chart-legend", at, "start", &label);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::chart::test_support::{assert_safe_svg, attr_values, count};

    fn series(label: &str, points: &[(&str, f64)]) -> Series {
        Series::new(
            label,
            points.iter().map(|(c, v)| (c.to_string(), *v)).collect(),
        )
    }

    #[test]
    fn one_line_and_point_per_series_and_value() {
        let scores = [
            series("NPS", &[("Jan", 31.0), ("Feb", 35.5), ("Mar", 40.0)]),
            series("CSAT", &[("Jan", 71.0), ("Feb", 69.0), ("Mar", 74.0)]),
        ];
        let svg = line_chart("Scores", &scores, &ChartOptions::default());
        assert_safe_svg(&svg);
        assert_eq!(count(&svg, "<path class=\"chart-line"), 2);
        assert_eq!(count(&svg, "<circle class=\"chart-point"), 6);
        assert_eq!(count(&svg, "chart-legend-swatch"), 2);
        assert!(svg.contains("<title>CSAT – Feb: 69</title>"));
    }

    #[test]
    fn a_single_series_has_no_legend() {
        let svg = line_chart(
            "NPS",
            &[series("NPS", &[("Jan", 1.0)])],
            &ChartOptions::default(),
        );
        assert_safe_svg(&svg);
        assert_eq!(count(&svg, "chart-legend"), 0);
    }

    #[test]
    fn series_share_categories_in_order_of_first_appearance() {
        let partial = [
            series("a", &[("Feb", 1.0), ("Mar", 2.0)]),
            series("b", &[("Jan", 3.0), ("Feb", 4.0)]),
        ];
        assert_eq!(categories(&partial), ["Feb", "Mar", "Jan"]);
        let svg = line_chart("Partial", &partial, &ChartOptions::default());
        assert_safe_svg(&svg);
        let xs = attr_values(&svg, "circle", "cx");
        assert_eq!(xs[0], xs[3], "both series' Feb points share an x");
    }

    #[test]
    fn the_value_axis_spans_the_data() {
        let svg = line_chart(
            "Scores",
            &[series("s", &[("a", 72.0), ("b", 78.0)])],
            &ChartOptions::default(),
        );
        assert!(
            !svg.contains(">0</text>"),
            "axis should not start at 0: {svg}"
        );
        assert!(svg.contains(">72</text>") && svg.contains(">78</text>"));
    }

    #[test]
    fn no_points_renders_the_empty_text() {
        for empty in [vec![], vec![series("a", &[]), series("b", &[])]] {
            let svg = line_chart("Trend", &empty, &ChartOptions::default());
            assert_safe_svg(&svg);
            assert!(svg.contains(">No data</text>"));
        }
    }
}
