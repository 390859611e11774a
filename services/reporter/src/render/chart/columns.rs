//! Columns, one per label (a day of the month), with a value axis and the largest value
//! written above its column.

use plotters::chart::ChartBuilder;
use plotters::coord::combinators::BindKeyPoints as _;
use plotters::coord::ranged1d::Ranged as _;
use plotters::coord::types::RangedCoordi64;
use plotters::element::{EmptyElement, Rectangle, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color as _, RGBColor};

use super::frame::{self, AXIS, ChartError, DrawError, PAD, Root, TICK};
use super::text;
use crate::render::format::number;

const PLOT_W: i32 = 440;
const PLOT_H: i32 = 140;
/// x units per column: a column fills the middle 8 of its 10.
const UNIT: i32 = 10;
/// Value ticks wanted, at most.
const VALUE_TICKS: usize = 5;
/// Columns labelled at most, on the category axis.
const MAX_LABELS: usize = 8;
/// Free space between two category labels.
const LABEL_GAP: i32 = 8;

/// Where everything goes, worked out from the labels before drawing.
struct Layout {
    /// Indices of the labelled columns.
    labelled: Vec<usize>,
    /// Value axis ticks.
    ticks: Vec<i64>,
    max: i64,
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
}

/// One column per value of `values`, labelled with `labels`, named `id` for tools.
pub fn columns(
    id: &'static str,
    title: &'static str,
    labels: &[String],
    values: &[i64],
    color: RGBColor,
) -> Result<String, ChartError> {
    let layout = Layout::new(labels, values);
    let size = (
        layout.left + PLOT_W + layout.right,
        layout.top + PLOT_H + layout.bottom,
    );
    frame::draw(id, title, size, |root| {
        paint(root, &layout, labels, values, color)
    })
}

impl Layout {
    fn new(labels: &[String], values: &[i64]) -> Self {
        let max = values.iter().copied().max().unwrap_or(0).max(0);
        let ticks = RangedCoordi64::from(0..max.max(1)).key_points(VALUE_TICKS);
        let column_w = PLOT_W / i32::try_from(values.len().max(1)).unwrap_or(i32::MAX);
        let label_w = text::widest(labels);
        let step = [1, 2, 5, 10, 20, 50, 100]
            .into_iter()
            .find(|step| {
                values.len().div_ceil(*step) <= MAX_LABELS
                    && label_w + LABEL_GAP <= column_w * (*step as i32)
            })
            .unwrap_or(values.len().max(1));
        let labelled: Vec<usize> = (0..values.len()).step_by(step).collect();
        // Centred texts (category labels, the largest value) reach half their width
        // beyond their column's middle: on the first and last columns, into the margins.
        let centred_w = label_w.max(text::width(&number(max as f64)));
        let tick_w = text::widest(ticks.iter().map(|t| number(*t as f64)));
        Self {
            left: (PAD + tick_w + 2 * TICK).max(PAD + centred_w / 2),
            right: PAD + centred_w / 2,
            top: PAD + text::above() + TICK,
            bottom: 2 * TICK + text::below() + PAD,
            labelled,
            ticks,
            max,
        }
    }
}

fn paint(
    root: &Root<'_>,
    layout: &Layout,
    labels: &[String],
    values: &[i64],
    color: RGBColor,
) -> Result<(), DrawError> {
    let n = i32::try_from(values.len().max(1)).unwrap_or(i32::MAX);
    let middles: Vec<i32> = layout
        .labelled
        .iter()
        .map(|i| *i as i32 * UNIT + UNIT / 2)
        .collect();
    let mut chart = ChartBuilder::on(root)
        .margin_top(layout.top)
        .margin_right(layout.right)
        .x_label_area_size(layout.bottom)
        .y_label_area_size(layout.left)
        .build_cartesian_2d(
            (0..n * UNIT).with_key_points(middles),
            (0..layout.max.max(1)).with_key_points(layout.ticks.clone()),
        )?;
    let label = |x: &i32| {
        let index = usize::try_from(*x / UNIT).unwrap_or_default();
        labels.get(index).cloned().unwrap_or_default()
    };
    let value = |y: &i64| number(*y as f64);
    chart
        .configure_mesh()
        .disable_mesh()
        .set_all_tick_mark_size(TICK)
        .axis_style(AXIS)
        .label_style(text::style())
        .x_label_formatter(&label)
        .y_label_formatter(&value)
        .draw()?;
    let columns = values.iter().enumerate().map(|(i, v)| {
        let x = i as i32 * UNIT;
        Rectangle::new([(x + 1, 0), (x + UNIT - 1, *v)], color.filled())
    });
    chart.draw_series(columns)?;
    if let Some(i) = values.iter().position(|v| *v == layout.max && *v > 0) {
        let style = text::style().pos(Pos::new(HPos::Center, VPos::Bottom));
        let at = (i as i32 * UNIT + UNIT / 2, layout.max);
        chart.draw_series([
            EmptyElement::at(at) + Text::new(number(layout.max as f64), (0, -TICK), style)
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::chart::bounds::assert_texts_inside;

    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| d.to_string()).collect()
    }

    #[test]
    fn one_column_per_value_with_the_largest_marked() {
        let svg =
            columns("daily", "Per day", &days(3), &[0, 2, 4], RGBColor(0, 0, 0)).expect("drawn");
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
        let texts = assert_texts_inside(&svg);
        for label in ["1", "2", "3", "4"] {
            assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
        }
    }

    #[test]
    fn a_month_of_large_values_keeps_its_labels_inside() {
        let mut values = vec![0; 31];
        values[0] = 9_876_543;
        values[30] = 9_876_543;
        let svg =
            columns("daily", "Per day", &days(31), &values, RGBColor(0, 0, 0)).expect("drawn");
        let texts = assert_texts_inside(&svg);
        for day in ["1", "6", "31"] {
            assert!(texts.iter().any(|t| t == day), "{day} in {texts:?}");
        }
        assert!(
            !texts.iter().any(|t| t == "2"),
            "every fifth day only: {texts:?}"
        );
        assert!(texts.iter().any(|t| t == "9876543"), "{texts:?}");
    }

    #[test]
    fn an_empty_series_still_draws() {
        let svg =
            columns("daily", "Per day", &days(30), &[0; 30], RGBColor(0, 0, 0)).expect("drawn");
        assert_texts_inside(&svg);
    }
}
