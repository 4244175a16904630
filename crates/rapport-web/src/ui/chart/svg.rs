//! The `<svg>` shell every chart shares, XML escaping, and printing numbers for coordinates.

use super::ChartOptions;

/// Font size of all chart text, in user units; set once on the root element.
pub(super) const FONT_SIZE: f64 = 12.0;
/// Estimated average advance of one character at `FONT_SIZE`, used to fit labels.
const CHAR_WIDTH: f64 = 0.6 * FONT_SIZE;
/// Colours of the series, in order; `chart-series-N` classes let a stylesheet replace them.
pub(super) const PALETTE: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];
/// Data beyond this magnitude is clamped, so ranges and scales stay finite.
const MAX_VALUE: f64 = 1e300;
const MIN_WIDTH: u32 = 200;
const MIN_HEIGHT: u32 = 120;
const MAX_SIDE: u32 = 10_000;

/// Text safe inside XML elements and quoted attributes. Control characters that XML 1.0 does
/// not allow are dropped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most two decimals and no trailing zeros ("12.5", "-3", "0").
pub(super) fn num(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_string();
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_string(),
        _ => text.to_string(),
    }
}

/// The default value format: like a coordinate, at most two decimals.
pub(super) fn plain_number(value: f64) -> String {
    num(value)
}

/// A data value fit for drawing: not-finite becomes 0, huge magnitudes are clamped.
pub(super) fn clean(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(-MAX_VALUE, MAX_VALUE)
    } else {
        0.0
    }
}

/// Estimated rendered width of `text`.
pub(super) fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// `text` shortened with "…" to fit `max_width`.
pub(super) fn truncate(text: &str, max_width: f64) -> String {
    if text_width(text) <= max_width {
        return text.to_string();
    }
    let keep = ((max_width / CHAR_WIDTH).floor() as usize).saturating_sub(1);
    let mut short: String = text.chars().take(keep).collect();
    short.push('…');
    short
}

/// The chart's width and height, clamped to a drawable size.
pub(super) fn size(opts: &ChartOptions) -> (f64, f64) {
    let width = opts.width.clamp(MIN_WIDTH, MAX_SIDE);
    let height = opts.height.clamp(MIN_HEIGHT, MAX_SIDE);
    (f64::from(width), f64::from(height))
}

/// The id prefix from the options, reduced to characters that need no escaping.
fn id_prefix(opts: &ChartOptions) -> String {
    let id: String = opts
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    match id.chars().next() {
        None => "chart".to_string(),
        Some(c) if c.is_ascii_alphabetic() => id,
        Some(_) => format!("chart-{id}"),
    }
}

/// "Label. a: 1; b: 2." — the data as a sentence for `<desc>`.
pub(super) fn describe<'a>(label: &str, items: impl Iterator<Item = (&'a str, String)>) -> String {
    let items: Vec<String> = items
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    let mut text = label.trim().to_string();
    if !text.is_empty() && !items.is_empty() {
        text.push_str(". ");
    }
    text.push_str(&items.join("; "));
    if !text.is_empty() {
        text.push('.');
    }
    text
}

/// An SVG document under construction.
pub(super) struct Svg {
    out: String,
}

impl Svg {
    /// The root element with its accessible name (`title`) and description (`desc`).
    pub(super) fn open(title: &str, desc: &str, opts: &ChartOptions) -> Svg {
        let (width, height) = size(opts);
        let id = id_prefix(opts);
        let out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {} {}\" \
             width=\"100%\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
             font-size=\"{}\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            num(width),
            num(height),
            num(FONT_SIZE),
            escape(title),
            escape(desc),
        );
        Svg { out }
    }

    /// Appends markup built by the caller from escaped text and `num` values.
    pub(super) fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// A `<text>` element with escaped `content`.
    pub(super) fn text(&mut self, class: &str, (x, y): (f64, f64), anchor: &str, content: &str) {
        self.text_with(class, (x, y), anchor, content, "");
    }

    /// A `<text>` element; `extra` holds further attributes (already safe).
    pub(super) fn text_with(
        &mut self,
        class: &str,
        (x, y): (f64, f64),
        anchor: &str,
        content: &str,
        extra: &str,
    ) {
        self.out.push_str(&format!(
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" \
             fill=\"currentColor\"{extra}>{}</text>",
            num(x),
            num(y),
            escape(content),
        ));
    }

    /// A `<line>` element; `extra` holds further attributes (already safe).
    pub(super) fn line(&mut self, class: &str, from: (f64, f64), to: (f64, f64), extra: &str) {
        self.out.push_str(&format!(
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{extra}/>",
            num(from.0),
            num(from.1),
            num(to.0),
            num(to.1),
        ));
    }

    pub(super) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// A chart with nothing to draw: the shell and the caller's "no data" text in the middle.
pub(super) fn empty(title: &str, opts: &ChartOptions) -> String {
    let (width, height) = size(opts);
    let mut svg = Svg::open(title, &opts.empty_text, opts);
    svg.text(
        "chart-empty",
        (width / 2.0, height / 2.0),
        "middle",
        &opts.empty_text,
    );
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("Ελληνικά € ok"), "Ελληνικά € ok");
        assert_eq!(escape("a\u{0}b\u{1b}c\u{ffff}\n"), "abc\n");
    }

    fn check_num(value: f64, expected: &str) {
        assert_eq!(num(value), expected, "{value}");
    }

    #[test]
    fn coordinates_have_at_most_two_decimals() {
        check_num(0.0, "0");
        check_num(-0.0, "0");
        check_num(-0.001, "0");
        check_num(12.0, "12");
        check_num(12.5, "12.5");
        check_num(1.0 / 3.0, "0.33");
        check_num(-2.0 / 3.0, "-0.67");
        check_num(100.10, "100.1");
        check_num(f64::NAN, "0");
        check_num(f64::NEG_INFINITY, "0");
    }

    #[test]
    fn truncates_long_labels_with_an_ellipsis() {
        assert_eq!(truncate("Price", 100.0), "Price");
        assert_eq!(truncate("Delivery too late", 36.0), "Deli…");
        assert_eq!(truncate("Ελληνικά", 0.0), "…");
    }

    #[test]
    fn describes_data_as_a_sentence() {
        let items = || [("a", "1".to_string()), ("b", "2".to_string())].into_iter();
        assert_eq!(describe("Orders", items()), "Orders. a: 1; b: 2.");
        assert_eq!(describe("", items()), "a: 1; b: 2.");
        assert_eq!(describe("", std::iter::empty()), "");
    }

    #[test]
    fn ids_are_reduced_to_safe_characters() {
        let id = |id: &str| {
            id_prefix(&ChartOptions {
                id: id.to_string(),
                ..ChartOptions::default()
            })
        };
        assert_eq!(id("reasons"), "reasons");
        assert_eq!(id("a\"><script>"), "ascript");
        assert_eq!(id("2024"), "chart-2024");
        assert_eq!(id(""), "chart");
    }
}
