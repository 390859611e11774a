//! Test helper: every `<text>` plotters wrote lies inside its chart, by the same
//! measurements the layout used. (The end-to-end test checks the same in Chromium.)

use super::text;

/// Asserts that each text of `svg` (one chart) fits its `width`×`height`, and returns
/// the texts.
pub fn assert_texts_inside(svg: &str) -> Vec<String> {
    let number = |s: &str, name: &str| -> i32 {
        attribute(s, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {s}"))
    };
    let root = svg.split('>').next().unwrap_or_default();
    let (width, height) = (number(root, "width"), number(root, "height"));
    let mut texts = Vec::new();
    for element in svg.split("<text").skip(1) {
        let (open, rest) = element.split_once('>').expect("a text element");
        let content = rest.split("</text>").next().unwrap_or_default().trim();
        let (x, y, w) = (number(open, "x"), number(open, "y"), text::width(content));
        let left = match attribute(open, "text-anchor") {
            Some("end") => x - w,
            Some("middle") => x - w / 2 - 1,
            _ => x,
        };
        assert!(
            left >= 0 && left + w <= width && y - text::above() >= 0 && y + text::below() <= height,
            "{content:?} at ({x}, {y}), {w} px wide, leaves the {width}×{height} chart:\n{svg}"
        );
        texts.push(content.to_owned());
    }
    texts
}

fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    element[start..].split('"').next()
}
