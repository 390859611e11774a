//! Two chart shapes drawn as plain SVG: grouped horizontal bars and columns. Text is SVG
//! `<text>` in the page's font, so no font file is needed to draw them.

use std::fmt::Write as _;

use super::format::{escape, number};

/// One coloured series of a bar chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: &'static str,
    /// Fill colour.
    pub color: &'static str,
    /// One value per category.
    pub values: Vec<f64>,
}

const LABEL_W: f64 = 170.0;
const PLOT_W: f64 = 440.0;
const VALUE_W: f64 = 70.0;
const BAR_H: f64 = 14.0;
const GROUP_GAP: f64 = 10.0;
const TOP: f64 = 8.0;
const LEGEND_H: f64 = 26.0;

/// Grouped horizontal bars: one group per category, one bar per series.
pub fn horizontal_bars(id: &str, title: &str, categories: &[String], series: &[Series]) -> String {
    let group_h = series.len() as f64 * (BAR_H + 2.0) + GROUP_GAP;
    let height = TOP + categories.len().max(1) as f64 * group_h + LEGEND_H;
    let width = LABEL_W + PLOT_W + VALUE_W;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let mut out = open(id, title, width, height);
    for (i, category) in categories.iter().enumerate() {
        let y0 = TOP + i as f64 * group_h;
        let mid = y0 + (group_h - GROUP_GAP) / 2.0 + 4.0;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{mid:.1}" text-anchor="end" class="label">{}</text>"#,
            LABEL_W - 8.0,
            escape(category)
        );
        for (j, s) in series.iter().enumerate() {
            let value = s.values.get(i).copied().unwrap_or(0.0);
            let w = if max > 0.0 { value / max * PLOT_W } else { 0.0 };
            let y = y0 + j as f64 * (BAR_H + 2.0);
            let _ = write!(
                out,
                r#"<rect x="{LABEL_W:.1}" y="{y:.1}" width="{:.1}" height="{BAR_H:.1}" fill="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
                w.max(0.5),
                s.color,
                escape(s.name),
                number(value),
                LABEL_W + w + 4.0,
                y + BAR_H - 3.0,
                number(value)
            );
        }
    }
    legend(&mut out, series, height - LEGEND_H + 8.0);
    out.push_str("</svg>");
    out
}

/// Columns, one per label (e.g. per day), with the largest value marked.
pub fn columns(id: &str, title: &str, labels: &[String], values: &[f64], color: &str) -> String {
    let (width, plot_h, bottom) = (LABEL_W + PLOT_W + VALUE_W, 140.0, 22.0);
    let height = TOP + plot_h + bottom;
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let step = (width - 40.0) / values.len().max(1) as f64;
    let mut out = open(id, title, width, height);
    let _ = write!(
        out,
        r##"<line x1="30" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#999"/><text x="26" y="{2:.1}" text-anchor="end" class="value">{3}</text>"##,
        TOP + plot_h,
        width - 10.0,
        TOP + 10.0,
        number(max)
    );
    for (i, value) in values.iter().enumerate() {
        let h = if max > 0.0 { value / max * plot_h } else { 0.0 };
        let x = 30.0 + i as f64 * step;
        let label = labels.get(i).map(String::as_str).unwrap_or("");
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{color}"><title>{}: {}</title></rect>"#,
            x + 1.0,
            TOP + plot_h - h,
            (step - 2.0).max(1.0),
            escape(label),
            number(*value)
        );
        if i % 5 == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
                x + 1.0,
                TOP + plot_h + 15.0,
                escape(label)
            );
        }
    }
    out.push_str("</svg>");
    out
}

fn open(id: &str, title: &str, width: f64, height: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" data-chart="{}" role="img" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}"><title>{}</title>"#,
        escape(id),
        escape(title)
    )
}

fn legend(out: &mut String, series: &[Series], y: f64) {
    let mut x = LABEL_W;
    for s in series {
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{y:.1}" class="value">{}</text>"#,
            y - 9.0,
            s.color,
            x + 14.0,
            escape(s.name)
        );
        x += 18.0 + 7.5 * s.name.len() as f64 + 12.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let svg = horizontal_bars(
            "jobs",
            "Jobs",
            &["a<b".to_owned(), "c".to_owned()],
            &[Series {
                name: "submitted",
                color: "#333",
                values: vec![10.0, 5.0],
            }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"width="440.0""#), "{svg}");
        assert!(svg.contains(r#"width="220.0""#), "{svg}");
        assert!(svg.contains("a&lt;b"));
        assert!(!svg.contains("a<b"));
    }

    #[test]
    fn columns_draw_one_rect_per_value() {
        let labels: Vec<String> = (1..=3).map(|d| d.to_string()).collect();
        let svg = columns("daily", "Per day", &labels, &[0.0, 2.0, 4.0], "#36c");
        assert_eq!(svg.matches("<rect").count(), 3);
    }
}
