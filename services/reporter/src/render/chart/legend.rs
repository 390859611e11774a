//! A legend on one row: a colour swatch and the series name, for each series.

use plotters::element::{EmptyElement, Rectangle, Text};
use plotters::style::Color as _;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::bars::Series;
use super::frame::{DrawError, Root};
use super::text;

const SWATCH: i32 = 10;
/// From a swatch to its name.
const SWATCH_GAP: i32 = 4;
/// From a name to the next swatch.
const ENTRY_GAP: i32 = 16;

/// Width of the legend of `series`.
pub fn width(series: &[Series]) -> i32 {
    series.iter().map(entry_width).sum::<i32>() - ENTRY_GAP
}

/// Height of the legend's row.
pub fn height() -> i32 {
    text::above() + text::below() + 2
}

/// Draws the legend on `area` (a strip of [`height`]), from `x`.
pub fn draw(area: &Root<'_>, mut x: i32, series: &[Series]) -> Result<(), DrawError> {
    let y = text::above() + 1;
    let style = text::style().pos(Pos::new(HPos::Left, VPos::Center));
    for s in series {
        area.draw(&Rectangle::new(
            [(x, y - SWATCH / 2), (x + SWATCH, y + SWATCH / 2)],
            s.color.filled(),
        ))?;
        area.draw(
            &(EmptyElement::at((x + SWATCH + SWATCH_GAP, y))
                + Text::new(s.name, (0, 0), style.clone())),
        )?;
        x += entry_width(s);
    }
    Ok(())
}

fn entry_width(series: &Series) -> i32 {
    SWATCH + SWATCH_GAP + text::width(series.name) + ENTRY_GAP
}
