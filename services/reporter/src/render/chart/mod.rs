//! The two chart shapes of a report, drawn with plotters' SVG backend: grouped horizontal
//! bars and columns. Each chart sizes its margins and label areas from its own labels,
//! measured with the font the chart names ([`text`]), so no label is ever clipped.

mod bars;
#[cfg(test)]
mod bounds;
mod columns;
mod frame;
mod legend;
mod text;

pub use bars::{Series, horizontal_bars};
pub use columns::columns;
pub use frame::ChartError;
