//! Grouped horizontal bars: one group per category (a tenant, a domain, a percentile), one
//! bar per series, each bar's value after it, and a legend below.

use plotters::chart::ChartBuilder;
use plotters::coord::combinators::BindKeyPoints as _;
use plotters::element::{EmptyElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color as _, RGBColor};

use super::frame::{self, AXIS, ChartError, DrawError, PAD, Root, TICK};
use super::{legend, text};
use crate::render::format::number;

/// One coloured series of a bar chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: &'static str,
    /// Fill colour.
    pub color: RGBColor,
    /// One value per category.
    pub values: Vec<f64>,
}

const PLOT_W: i32 = 440;
const BAR_H: i32 = 14;
const BAR_GAP: i32 = 2;
const GROUP_GAP: i32 = 10;
/// From the end of a bar to its value.
const VALUE_GAP: i32 = 4;
/// Widest category label; a longer one is cut with an ellipsis (the JSON has it whole).
const MAX_LABEL_PX: i32 = 220;

/// Where everything goes, worked out from the labels before drawing.
struct Layout {
    labels: Vec<String>,
    /// Category label area, left of the bars.
    left: i32,
    /// Room right of the longest bar for its value.
    right: i32,
    top: i32,
    group_h: i32,
    /// Height of the bars' area, below `top`.
    plot_h: i32,
    width: i32,
    height: i32,
    max: f64,
}

/// Grouped horizontal bars of `series` over `categories`, named `id` for tools.
pub fn horizontal_bars(
    id: &'static str,
    title: &'static str,
    categories: &[String],
    series: &[Series],
) -> Result<String, ChartError> {
    let layout = Layout::new(categories, series);
    frame::draw(id, title, (layout.width, layout.height), |root| {
        paint(root, &layout, series)
    })
}

impl Layout {
    fn new(categories: &[String], series: &[Series]) -> Self {
        let labels: Vec<String> = categories
            .iter()
            .map(|c| text::truncate(c, MAX_LABEL_PX))
            .collect();
        let label_w = text::widest(&labels);
        let value_w = text::widest(values(series).map(number));
        let left = PAD + label_w + 2 * TICK;
        let right = VALUE_GAP + value_w + PAD;
        let group_h = series.len().max(1) as i32 * (BAR_H + BAR_GAP) + GROUP_GAP;
        // The first text's anchor is the middle of the first bar or of the first group.
        let first_anchor = (GROUP_GAP / 2 + BAR_H / 2).min(group_h / 2);
        let top = PAD.max(text::above() - first_anchor + 1);
        let plot_h = labels.len().max(1) as i32 * group_h;
        let max = values(series).fold(0.0_f64, f64::max);
        Self {
            width: left + (PLOT_W + right).max(legend::width(series) + PAD),
            height: top + plot_h + legend::height() + PAD,
            labels,
            left,
            right,
            top,
            group_h,
            plot_h,
            max: if max > 0.0 { max } else { 1.0 },
        }
    }

    /// Vertical position (pixels from the top of the bars' area) of the `series`th bar of
    /// the `category`th group.
    fn bar_top(&self, category: usize, series: usize) -> i32 {
        category as i32 * self.group_h + GROUP_GAP / 2 + series as i32 * (BAR_H + BAR_GAP)
    }
}

fn paint(root: &Root<'_>, layout: &Layout, series: &[Series]) -> Result<(), DrawError> {
    let (plot, below) = root.split_vertically(layout.top + layout.plot_h);
    // y counts pixels down from the top of the bars' area; key points are group middles.
    let middles: Vec<i32> = (0..layout.labels.len())
        .map(|i| i as i32 * layout.group_h + layout.group_h / 2)
        .collect();
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(layout.top)
        .margin_right(layout.right)
        .y_label_area_size(layout.left)
        .build_cartesian_2d(0.0..layout.max, (layout.plot_h..0).with_key_points(middles))?;
    let label = |y: &i32| {
        let index = usize::try_from(*y / layout.group_h).unwrap_or_default();
        layout.labels.get(index).cloned().unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .set_all_tick_mark_size(TICK)
        .axis_style(AXIS)
        .label_style(text::style())
        .y_label_formatter(&label)
        .draw()?;
    let value_style = text::style().pos(Pos::new(HPos::Left, VPos::Center));
    for (j, s) in series.iter().enumerate() {
        let bars = s.values.iter().enumerate().map(|(i, v)| {
            let y = layout.bar_top(i, j);
            Rectangle::new([(0.0, y), (*v, y + BAR_H)], s.color.filled())
        });
        chart.draw_series(bars)?;
        let labels = s.values.iter().enumerate().map(|(i, v)| {
            let y = layout.bar_top(i, j) + BAR_H / 2;
            EmptyElement::at((*v, y)) + Text::new(number(*v), (VALUE_GAP, 0), value_style.clone())
        });
        chart.draw_series(labels)?;
    }
    legend::draw(&below, layout.left, series)
}

fn values(series: &[Series]) -> impl Iterator<Item = f64> + '_ {
    series.iter().flat_map(|s| s.values.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::chart::bounds::assert_texts_inside;

    fn series(values: Vec<f64>) -> Series {
        Series {
            name: "submitted",
            color: RGBColor(0x33, 0x33, 0x33),
            values,
        }
    }

    fn rect_widths(svg: &str) -> Vec<i32> {
        svg.split("<rect")
            .skip(1)
            .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = horizontal_bars(
            "jobs",
            "Jobs",
            &["a".to_owned(), "c".to_owned()],
            &[series(vec![10.0, 5.0])],
        )
        .expect("drawn");
        // Two bars, then the legend's swatch.
        let widths = rect_widths(&svg);
        assert_eq!(widths.len(), 3, "{svg}");
        assert!((widths[0] - PLOT_W).abs() <= 1, "{widths:?}");
        assert!((widths[1] - PLOT_W / 2).abs() <= 1, "{widths:?}");
        assert_eq!(
            assert_texts_inside(&svg),
            ["a", "c", "10", "5", "submitted"]
        );
    }

    #[test]
    fn long_labels_and_values_stay_inside_the_chart() {
        let long = "a-very-long-subdomain-name.of-some-customer.with-many-labels.example.co.uk";
        let svg = horizontal_bars(
            "domains",
            "Domains",
            &[
                long.to_owned(),
                "漢字のテナント名".to_owned(),
                "<b>&".to_owned(),
            ],
            &[series(vec![123_456_789.0, 0.0, 1.5])],
        )
        .expect("drawn");
        let texts = assert_texts_inside(&svg);
        assert!(texts[0].ends_with('…') && long.starts_with(texts[0].trim_end_matches('…')));
        assert!(
            svg.contains("&lt;b&gt;&amp;") && !svg.contains("<b>"),
            "{svg}"
        );
    }

    #[test]
    fn one_category_and_many_series_fit() {
        let many: Vec<Series> = (0..4).map(|_| series(vec![1.0])).collect();
        let svg = horizontal_bars("one", "One", &["x".to_owned()], &many).expect("drawn");
        assert_eq!(assert_texts_inside(&svg).len(), 1 + 4 + 4);
    }
}
