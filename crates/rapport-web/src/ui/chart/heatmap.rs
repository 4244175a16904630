//! The heatmap: a grid of cells shaded by their value, such as customers by RFM recency and
//! frequency score.

use super::ChartOptions;
use super::svg::{self, PALETTE, Svg, escape, num};

/// Space for the row labels (left) and column labels (bottom), and the axis titles.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 8.0;
const RIGHT: f64 = 8.0;

/// One heatmap: `rows` labels top to bottom, `columns` left to right, `values[row][column]`;
/// each cell a `rect.chart-cell` whose opacity grows with its value, its value printed inside
/// and in a tooltip, `cell_text(row, column)` adding words to the tooltip. The axis titles
/// say what the rows and columns are. Without any positive value it renders
/// `opts.empty_text`.
pub fn heatmap(
    title: &str,
    (row_title, rows): (&str, &[String]),
    (column_title, columns): (&str, &[String]),
    values: &[Vec<f64>],
    cell_text: &dyn Fn(usize, usize) -> String,
    opts: &ChartOptions,
) -> String {
    let value = |r: usize, c: usize| {
        svg::clean(
            values
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(0.0),
        )
    };
    let max = (0..rows.len())
        .flat_map(|r| (0..columns.len()).map(move |c| (r, c)))
        .map(|(r, c)| value(r, c))
        .fold(0.0, f64::max);
    if rows.is_empty() || columns.is_empty() || max <= 0.0 {
        return svg::empty(title, opts);
    }
    let mut items = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, column) in columns.iter().enumerate() {
            items.push((format!("{row} {column}"), (opts.value_format)(value(r, c))));
        }
    }
    let desc = svg::describe(
        &format!("{row_title} × {column_title}"),
        items.iter().map(|(k, v)| (k.as_str(), v.clone())),
    );
    let mut out = Svg::open(title, &desc, opts);
    let (width, height) = svg::size(opts);
    let cell_w = (width - LEFT - RIGHT) / columns.len() as f64;
    let cell_h = (height - TOP - BOTTOM) / rows.len() as f64;
    for (r, row) in rows.iter().enumerate() {
        let y = TOP + r as f64 * cell_h;
        out.text(
            "chart-label",
            (LEFT - 6.0, y + cell_h / 2.0 + 4.0),
            "end",
            &svg::truncate(row, LEFT - 8.0),
        );
        for (c, column) in columns.iter().enumerate() {
            let x = LEFT + c as f64 * cell_w;
            let v = value(r, c);
            // Never fully transparent, so empty cells still show as cells.
            let opacity = 0.06 + 0.94 * (v.max(0.0) / max);
            let shown = (opts.value_format)(v);
            let extra = cell_text(r, c);
            let tip = if extra.is_empty() {
                format!("{row}, {column}: {shown}")
            } else {
                format!("{row}, {column}: {shown}. {extra}")
            };
            out.raw(&format!(
                "<rect class=\"chart-cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" fill-opacity=\"{}\" stroke=\"currentColor\" stroke-opacity=\"0.15\"><title>{}</title></rect>",
                num(x + 1.0),
                num(y + 1.0),
                num((cell_w - 2.0).max(0.0)),
                num((cell_h - 2.0).max(0.0)),
                PALETTE[0],
                num(opacity),
                escape(&tip),
            ));
            if cell_w > 24.0 && cell_h > 14.0 {
                out.text(
                    "chart-value",
                    (x + cell_w / 2.0, y + cell_h / 2.0 + 4.0),
                    "middle",
                    &svg::truncate(&shown, cell_w - 4.0),
                );
            }
        }
    }
    for (c, column) in columns.iter().enumerate() {
        out.text(
            "chart-label",
            (LEFT + (c as f64 + 0.5) * cell_w, height - BOTTOM + 16.0),
            "middle",
            &svg::truncate(column, cell_w),
        );
    }
    out.text(
        "chart-axis-title",
        (LEFT + (width - LEFT - RIGHT) / 2.0, height - 6.0),
        "middle",
        column_title,
    );
    out.text_with(
        "chart-axis-title",
        (12.0, TOP + (height - TOP - BOTTOM) / 2.0),
        "middle",
        row_title,
        &format!(
            " transform=\"rotate(-90 12 {})\"",
            num(TOP + (height - TOP - BOTTOM) / 2.0)
        ),
    );
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_safe_svg, count};
    use super::*;

    fn labels(prefix: &str, n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn every_cell_is_drawn_and_shaded_by_its_value() {
        let values = vec![vec![0.0, 5.0], vec![10.0, 2.5]];
        let svg = heatmap(
            "Grid",
            ("Recency", &labels("R", 2)),
            ("Frequency", &labels("F", 2)),
            &values,
            &|r, c| format!("cell {r}{c}"),
            &ChartOptions::default(),
        );
        assert_safe_svg(&svg);
        assert_eq!(count(&svg, "class=\"chart-cell\""), 4);
        assert!(svg.contains("fill-opacity=\"1\""), "{svg}");
        assert!(svg.contains("fill-opacity=\"0.06\""), "{svg}");
        assert!(svg.contains("<title>R2, F1: 10. cell 10</title>"), "{svg}");
        assert!(
            svg.contains("Recency × Frequency. R1 F1: 0; R1 F2: 5;"),
            "{svg}"
        );
    }

    #[test]
    fn no_positive_value_shows_the_empty_text() {
        let opts = ChartOptions {
            empty_text: "Nothing yet".into(),
            ..ChartOptions::default()
        };
        for values in [vec![], vec![vec![0.0]], vec![vec![f64::NAN]]] {
            let svg = heatmap(
                "Grid",
                ("r", &labels("R", 1)),
                ("c", &labels("C", 1)),
                &values,
                &|_, _| String::new(),
                &opts,
            );
            assert_safe_svg(&svg);
            assert_eq!(count(&svg, "class=\"chart-cell\""), 0);
            assert!(svg.contains("Nothing yet"));
        }
    }

    #[test]
    fn hostile_labels_are_escaped() {
        let rows = vec!["<script>".to_string()];
        let svg = heatmap(
            "<b>",
            ("\"r\"", &rows),
            ("c&", &labels("C", 3)),
            &[vec![1.0, f64::INFINITY, -3.0]],
            &|_, _| "<i>".into(),
            &ChartOptions::default(),
        );
        assert_safe_svg(&svg);
        assert!(!svg.contains("<script>") && !svg.contains("<i>") && !svg.contains("<b>"));
    }
}
