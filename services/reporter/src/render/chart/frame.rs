//! One chart as an inline `<svg>`: plotters draws it into a string, and the root element
//! gets the `data-chart` name tools and tests find it by, and a `<title>`.

use maud::html;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind, IntoDrawingArea as _};
use plotters::prelude::{DrawingBackend, SVGBackend};
use plotters::style::RGBColor;

/// Colour of the axes.
pub const AXIS: RGBColor = RGBColor(0x99, 0x99, 0x99);
/// Blank border around every chart.
pub const PAD: i32 = 6;
/// Tick length; plotters leaves twice this between an axis and its labels.
pub const TICK: i32 = 3;

/// The area a chart is drawn on.
pub type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// What drawing on [`Root`] can fail with.
pub type DrawError = DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>;

/// A chart that could not be drawn: a bug, since drawing into a string has no I/O.
#[derive(Debug, thiserror::Error)]
#[error("the {chart} chart could not be drawn")]
pub struct ChartError {
    /// The chart's `data-chart` name.
    pub chart: &'static str,
    /// What plotters reported.
    #[source]
    pub source: DrawError,
}

/// Draws a `width`×`height` chart with `paint` and returns its `<svg>` element.
pub fn draw(
    id: &'static str,
    title: &'static str,
    (width, height): (i32, i32),
    paint: impl FnOnce(&Root<'_>) -> Result<(), DrawError>,
) -> Result<String, ChartError> {
    let size = (width.max(1).unsigned_abs(), height.max(1).unsigned_abs());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        paint(&root)
            .and_then(|()| root.present())
            .map_err(|source| ChartError { chart: id, source })?;
    }
    Ok(name(&svg, id, title))
}

/// `svg` with `data-chart="id"`, `role="img"` and a `<title>` on its root element.
fn name(svg: &str, id: &str, title: &str) -> String {
    match svg
        .strip_prefix("<svg")
        .and_then(|rest| rest.split_once('>'))
    {
        Some((attributes, content)) => {
            let (id, title) = (html! { (id) }, html! { title { (title) } });
            format!(
                "<svg data-chart=\"{}\" role=\"img\"{attributes}>{}{content}",
                id.into_string(),
                title.into_string()
            )
        }
        None => svg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_element_is_named_and_titled() {
        let svg = draw("jobs", "Jobs <by> tenant", (20, 10), |_| Ok(())).expect("drawn");
        assert!(
            svg.starts_with(r#"<svg data-chart="jobs" role="img" width="20" height="10""#),
            "{svg}"
        );
        assert!(
            svg.contains("<title>Jobs &lt;by&gt; tenant</title>"),
            "{svg}"
        );
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    }
}
