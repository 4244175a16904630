//! The bar chart: one bar per labelled value, growing up or down from a zero baseline.

use super::layout::{self, Frame, Scale};
use super::svg::{self, FONT_SIZE, PALETTE, Svg};
use super::{ChartOptions, Series, nice_ticks};

/// Space above the plot, enough for a value label over the tallest bar.
const TOP: f64 = 20.0;
/// Share of a band a bar fills.
const BAR_SHARE: f64 = 0.7;

/// One bar per point of `series`, in the given order. Each bar is a `rect.chart-bar` with a
/// tooltip; the value is printed over the bar when it fits. An empty series renders
/// `opts.empty_text`.
pub fn bar_chart(title: &str, series: &Series, opts: &ChartOptions) -> String {
    if series.points.is_empty() {
        return svg::empty(title, opts);
    }
    let categories: Vec<&str> = series.points.iter().map(|(c, _)| c.as_str()).collect();
    let values: Vec<f64> = series.points.iter().map(|(_, v)| svg::clean(*v)).collect();
    let shown: Vec<String> = values.iter().map(|v| (opts.value_format)(*v)).collect();
    let desc = svg::describe(&series.label, categories.iter().copied().zip(shown.clone()));
    let mut svg = Svg::open(title, &desc, opts);

    let (_, height) = svg::size(opts);
    let low = values.iter().copied().fold(0.0, f64::min);
    let high = values.iter().copied().fold(0.0, f64::max);
    let ticks = nice_ticks(low, high, layout::max_ticks(height));
    let tick_labels: Vec<String> = ticks.iter().map(|t| (opts.value_format)(*t)).collect();
    let frame = Frame::new(opts, TOP, &tick_labels, &[], &categories);
    let scale = frame.scale(&ticks);
    frame.left_axis(&mut svg, &scale, &ticks, &tick_labels);
    for (i, ((category, value), text)) in categories.iter().zip(&values).zip(&shown).enumerate() {
        let bar = Bar {
            index: i,
            value: *value,
            tooltip: &format!("{category}: {text}"),
            class: "chart-bar",
            fill: PALETTE[0],
        };
        bar.draw(&mut svg, &frame, &scale);
        bar.value_label(&mut svg, &frame, &scale, text);
    }
    frame.baseline(&mut svg, scale.y(0.0));
    frame.category_labels(&mut svg, &categories);
    svg.finish()
}

/// One bar in a band of the frame; shared with the Pareto chart.
pub(super) struct Bar<'a> {
    pub index: usize,
    pub value: f64,
    pub tooltip: &'a str,
    pub class: &'a str,
    pub fill: &'a str,
}

impl Bar<'_> {
    /// The bar as a `rect` from the zero line to its value, with a `<title>` tooltip.
    pub(super) fn draw(&self, svg: &mut Svg, frame: &Frame, scale: &Scale) {
        let band = frame.band();
        let x = frame.band_start(self.index) + band * (1.0 - BAR_SHARE) / 2.0;
        let (zero, end) = (scale.y(0.0), scale.y(self.value));
        svg.raw(&format!(
            "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">\
             <title>{}</title></rect>",
            self.class,
            svg::num(x),
            svg::num(zero.min(end)),
            svg::num(band * BAR_SHARE),
            svg::num((zero - end).abs()),
            self.fill,
            svg::escape(self.tooltip),
        ));
    }

    /// `text` just beyond the bar's end, if it fits the band and stays inside the plot (below a
    /// negative bar it could run into the category labels).
    pub(super) fn value_label(&self, svg: &mut Svg, frame: &Frame, scale: &Scale, text: &str) {
        let end = scale.y(self.value);
        let y = if self.value < 0.0 {
            end + FONT_SIZE + 2.0
        } else {
            end - 4.0
        };
        if svg::text_width(text) <= frame.band() && y <= frame.bottom {
            let at = (frame.center(self.index), y);
            svg.text("chart-label chart-value", at, "middle", text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::chart::test_support::{assert_safe_svg, attr_values, count};

    fn reasons() -> Series {
        let points = [("Price", 42.0), ("Delivery", 17.5), ("Quality", 9.0)];
        Series::new(
            "Cancellations",
            points.iter().map(|(l, v)| (l.to_string(), *v)).collect(),
        )
    }

    #[test]
    fn one_bar_per_point() {
        let svg = bar_chart("Reasons", &reasons(), &ChartOptions::default());
        assert_safe_svg(&svg);
        assert_eq!(count(&svg, "class=\"chart-bar\""), 3);
    }

    #[test]
    fn bars_grow_with_their_values() {
        let svg = bar_chart("Reasons", &reasons(), &ChartOptions::default());
        let heights: Vec<f64> = attr_values(&svg, "rect", "height")
            .iter()
            .map(|h| h.parse().expect("numeric height"))
            .collect();
        assert_eq!(heights.len(), 3);
        assert!(
            heights[0] > heights[1] && heights[1] > heights[2],
            "{heights:?}"
        );
    }

    #[test]
    fn description_lists_the_data() {
        let svg = bar_chart("Reasons", &reasons(), &ChartOptions::default());
        assert!(svg.contains(
            "<desc id=\"chart-desc\">Cancellations. Price: 42; Delivery: 17.5; Quality: 9.</desc>"
        ));
        assert!(svg.contains("<title>Delivery: 17.5</title>"));
    }

    #[test]
    fn negative_values_hang_below_the_baseline() {
        let series = Series::new("Net", vec![("up".into(), 5.0), ("down".into(), -5.0)]);
        let svg = bar_chart("Net", &series, &ChartOptions::default());
        assert_safe_svg(&svg);
        assert_eq!(count(&svg, "chart-value"), 2);
        let ys = attr_values(&svg, "rect", "y");
        let heights = attr_values(&svg, "rect", "height");
        let top_of_down: f64 = ys[1].parse().expect("numeric y");
        let bottom_of_up: f64 = ys[0].parse::<f64>().expect("numeric y")
            + heights[0].parse::<f64>().expect("numeric height");
        assert_eq!(top_of_down, bottom_of_up, "both meet at the zero line");
    }

    #[test]
    fn no_value_label_runs_below_the_plot() {
        // -6 is the lowest tick, so a label under that bar would hit the category labels.
        let series = Series::new("Net", vec![("up".into(), 5.0), ("down".into(), -6.0)]);
        let svg = bar_chart("Net", &series, &ChartOptions::default());
        assert!(svg.contains(">-6</text>"), "the axis reaches -6");
        assert_eq!(
            count(&svg, "chart-value"),
            1,
            "only the positive bar is labelled"
        );
    }

    #[test]
    fn values_use_the_callers_format() {
        let opts = ChartOptions {
            value_format: Box::new(|v| format!("{v:.0} €")),
            ..ChartOptions::default()
        };
        let svg = bar_chart("Revenue", &reasons(), &opts);
        assert!(svg.contains("Price: 42 €"));
    }

    #[test]
    fn empty_series_says_so() {
        let opts = ChartOptions {
            empty_text: "Keine Daten".to_string(),
            ..ChartOptions::default()
        };
        let svg = bar_chart("Gründe", &Series::new("x", vec![]), &opts);
        assert_safe_svg(&svg);
        assert!(svg.contains(">Keine Daten</text>"));
        assert_eq!(count(&svg, "chart-bar"), 0);
    }
}
