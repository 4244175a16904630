//! Where things go: the plot area inside the margins, value scales, value axes and the category
//! labels along the bottom (level when they fit, else turned 45°, shortened and thinned out).

use std::f64::consts::FRAC_1_SQRT_2;

use super::ChartOptions;
use super::svg::{self, FONT_SIZE, Svg};

/// Space between an axis and its labels.
const GAP: f64 = 6.0;
/// Padding along the chart's outer edges.
const EDGE: f64 = 8.0;
const LINE_HEIGHT: f64 = FONT_SIZE * 1.3;
/// Turned labels are shortened to this width at most.
const MAX_TURNED_WIDTH: f64 = 120.0;
/// Turned labels take at most this share of the chart's height.
const MAX_TURNED_SHARE: f64 = 0.35;
/// Vertical space per value-axis tick that keeps tick labels apart comfortably.
const TICK_SPACING: f64 = 45.0;

/// How many value ticks a chart of this height should have at most.
pub(super) fn max_ticks(height: f64) -> usize {
    ((height / TICK_SPACING).floor() as usize).clamp(3, 8)
}

/// How the category labels under the plot are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Labels {
    /// Every label, level and centred under its band.
    Level,
    /// Every `every`-th label, turned 45° and shortened to `max_width`.
    Turned { every: usize, max_width: f64 },
}

/// The plot area and the category bands across it.
#[derive(Clone, Debug)]
pub(super) struct Frame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    count: usize,
    labels: Labels,
}

/// Width needed beside the plot for a value axis with these tick labels.
fn axis_margin(tick_labels: &[String]) -> f64 {
    let widest = tick_labels
        .iter()
        .map(|t| svg::text_width(t))
        .fold(0.0, f64::max);
    if widest > 0.0 {
        widest + GAP + EDGE
    } else {
        EDGE * 2.0
    }
}

impl Frame {
    /// Lays out a chart with `categories` along the bottom, `top` space above the plot, and
    /// value axes labelled `left_ticks` and `right_ticks` (empty for no axis on that side).
    pub(super) fn new(
        opts: &ChartOptions,
        top: f64,
        left_ticks: &[String],
        right_ticks: &[String],
        categories: &[&str],
    ) -> Frame {
        let (width, height) = svg::size(opts);
        let left = axis_margin(left_ticks).min(width / 3.0);
        let right = width - axis_margin(right_ticks).min(width / 3.0);
        let count = categories.len().max(1);
        let band = (right - left) / count as f64;
        let longest = categories
            .iter()
            .map(|c| svg::text_width(c))
            .fold(0.0, f64::max);
        let (labels, label_space) = if longest <= band - GAP {
            (Labels::Level, LINE_HEIGHT + GAP)
        } else {
            let wanted = longest.min(MAX_TURNED_WIDTH) * FRAC_1_SQRT_2 + LINE_HEIGHT;
            let space = wanted.min(height * MAX_TURNED_SHARE);
            let every = (LINE_HEIGHT / band).ceil().max(1.0) as usize;
            let max_width = (space - LINE_HEIGHT) / FRAC_1_SQRT_2;
            (Labels::Turned { every, max_width }, space)
        };
        Frame {
            left,
            top,
            right,
            bottom: height - EDGE - label_space,
            count,
            labels,
        }
    }

    /// Width of one category's band.
    pub(super) fn band(&self) -> f64 {
        (self.right - self.left) / self.count as f64
    }

    /// Left edge of the `index`-th band.
    pub(super) fn band_start(&self, index: usize) -> f64 {
        self.left + self.band() * index as f64
    }

    /// Centre of the `index`-th band.
    pub(super) fn center(&self, index: usize) -> f64 {
        self.band_start(index) + self.band() / 2.0
    }

    /// A vertical scale mapping the first..last tick onto the plot's height.
    pub(super) fn scale(&self, ticks: &[f64]) -> Scale {
        let low = ticks.first().copied().unwrap_or(0.0);
        let high = ticks.last().copied().unwrap_or(1.0);
        Scale {
            low,
            high,
            top: self.top,
            bottom: self.bottom,
        }
    }

    /// Horizontal grid lines and labels of the value axis on the left.
    pub(super) fn left_axis(&self, svg: &mut Svg, scale: &Scale, ticks: &[f64], labels: &[String]) {
        for (tick, label) in ticks.iter().zip(labels) {
            let y = scale.y(*tick);
            let grid = " stroke=\"currentColor\" stroke-opacity=\"0.15\"";
            svg.line("chart-grid", (self.left, y), (self.right, y), grid);
            let at = (self.left - GAP, y + FONT_SIZE * 0.35);
            svg.text("chart-label chart-tick", at, "end", label);
        }
    }

    /// Labels of a second value axis on the right, without grid lines.
    pub(super) fn right_axis(
        &self,
        svg: &mut Svg,
        scale: &Scale,
        ticks: &[f64],
        labels: &[String],
    ) {
        for (tick, label) in ticks.iter().zip(labels) {
            let at = (self.right + GAP, scale.y(*tick) + FONT_SIZE * 0.35);
            svg.text("chart-label chart-tick", at, "start", label);
        }
    }

    /// The horizontal axis line at value `at` (normally 0).
    pub(super) fn baseline(&self, svg: &mut Svg, y: f64) {
        svg.line(
            "chart-axis",
            (self.left, y),
            (self.right, y),
            " stroke=\"currentColor\"",
        );
    }

    /// The category labels under the plot.
    pub(super) fn category_labels(&self, svg: &mut Svg, categories: &[&str]) {
        match self.labels {
            Labels::Level => {
                for (i, label) in categories.iter().enumerate() {
                    let at = (self.center(i), self.bottom + GAP + FONT_SIZE);
                    svg.text("chart-label chart-category", at, "middle", label);
                }
            }
            Labels::Turned { every, max_width } => {
                for (i, label) in categories.iter().enumerate().step_by(every) {
                    let (x, y) = (self.center(i), self.bottom + GAP + FONT_SIZE * 0.5);
                    let turn =
                        format!(" transform=\"rotate(-45 {} {})\"", svg::num(x), svg::num(y));
                    let short = svg::truncate(label, max_width);
                    svg.text_with("chart-label chart-category", (x, y), "end", &short, &turn);
                }
            }
        }
    }

    #[cfg(test)]
    pub(super) fn labels(&self) -> Labels {
        self.labels
    }
}

/// Maps values onto the plot's vertical extent.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scale {
    low: f64,
    high: f64,
    top: f64,
    bottom: f64,
}

impl Scale {
    /// The y coordinate of `value`; values outside the scale land outside the plot.
    pub(super) fn y(&self, value: f64) -> f64 {
        let span = self.high - self.low;
        if !(span.is_finite() && span > 0.0) {
            return self.bottom;
        }
        self.bottom - (value - self.low) / span * (self.bottom - self.top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(width: u32, categories: &[&str]) -> Frame {
        let opts = ChartOptions {
            width,
            height: 300,
            ..ChartOptions::default()
        };
        Frame::new(&opts, 20.0, &["100".to_string()], &[], categories)
    }

    #[test]
    fn short_labels_stay_level() {
        assert_eq!(frame(600, &["a", "b", "c"]).labels(), Labels::Level);
    }

    #[test]
    fn long_labels_are_turned() {
        let long = ["Delivery arrived far too late"; 4];
        let Labels::Turned { every, max_width } = frame(300, &long).labels() else {
            panic!("expected turned labels");
        };
        assert_eq!(every, 1);
        assert!(max_width <= MAX_TURNED_WIDTH);
    }

    #[test]
    fn crowded_labels_are_thinned_out() {
        let many = ["Week"; 100];
        let Labels::Turned { every, .. } = frame(600, &many).labels() else {
            panic!("expected turned labels");
        };
        assert!(every >= 3, "every {every}");
    }

    #[test]
    fn scale_maps_ticks_onto_the_plot() {
        let frame = frame(600, &["a"]);
        let scale = frame.scale(&[0.0, 50.0, 100.0]);
        assert_eq!(scale.y(0.0), frame.bottom);
        assert_eq!(scale.y(100.0), frame.top);
        assert_eq!(scale.y(50.0), (frame.top + frame.bottom) / 2.0);
    }

    #[test]
    fn tick_count_follows_the_height() {
        assert_eq!(max_ticks(120.0), 3);
        assert_eq!(max_ticks(320.0), 7);
        assert_eq!(max_ticks(5000.0), 8);
    }
}
