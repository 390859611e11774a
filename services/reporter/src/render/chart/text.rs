//! How much room chart text takes, from DejaVu Sans' own metrics (bundled, so no system
//! font is read), so every label area is sized before anything is drawn.
//!
//! The charts name DejaVu Sans first, so a browser that has it draws exactly the glyphs
//! measured here; the usual fallbacks (Liberation Sans, Arial, Helvetica, Noto Sans) are
//! narrower. [`SLACK`] covers what is left: a wider fallback, shaping, rounding.

use std::sync::LazyLock;

use plotters::style::{FontDesc, FontFamily, FontStyle, IntoFont as _, RGBColor, TextStyle};
use ttf_parser::Face;

/// Font size of every chart text, in CSS pixels.
const FONT_PX: f64 = 11.0;
/// Colour of chart text.
const COLOR: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// The `font-family` of chart text: the measured font first.
const FAMILY: &str = "DejaVu Sans, sans-serif";
/// Room for a font other than the measured one, and for rounding.
const SLACK: f64 = 1.1;
/// A character DejaVu Sans lacks is drawn from a fallback (CJK, emoji): counted this wide.
const MISSING_EM: f64 = 1.3;
/// plotters writes `font-size` as its size divided by 1.24.
const PLOTTERS_SIZE_RATIO: f64 = 1.24;
/// How far plotters moves a text from its anchor (`dy`): at most 0.76em down (top
/// anchor) and at most 0.5ex ≤ 0.5em up (bottom anchor).
const ANCHOR_DOWN_EM: f64 = 0.76;
const ANCHOR_UP_EM: f64 = 0.5;

static FONT: LazyLock<Option<Face<'static>>> =
    LazyLock::new(|| Face::parse(dejavu::sans::regular(), 0).ok());

/// The style of chart text.
pub fn style() -> TextStyle<'static> {
    let font: FontDesc<'static> = (
        FontFamily::Name(FAMILY),
        FONT_PX * PLOTTERS_SIZE_RATIO,
        FontStyle::Normal,
    )
        .into_font();
    font.color(&COLOR)
}

/// Width of `text` in pixels, rounded up, with [`SLACK`].
pub fn width(text: &str) -> i32 {
    let em: f64 = text.chars().map(char_em).sum();
    px(em)
}

/// Width of the widest of `texts`, 0 when there is none.
pub fn widest(texts: impl IntoIterator<Item = impl AsRef<str>>) -> i32 {
    texts
        .into_iter()
        .map(|t| width(t.as_ref()))
        .max()
        .unwrap_or(0)
}

/// How far a text can reach above its anchor point, whichever way it is anchored.
pub fn above() -> i32 {
    px(ascent_em() + ANCHOR_UP_EM)
}

/// How far a text can reach below its anchor point, whichever way it is anchored.
pub fn below() -> i32 {
    px(descent_em() + ANCHOR_DOWN_EM)
}

/// `text` cut to at most `max_px` wide, with an ellipsis when something was cut.
pub fn truncate(text: &str, max_px: i32) -> String {
    if width(text) <= max_px {
        return text.to_owned();
    }
    let mut kept = String::new();
    for c in text.chars() {
        kept.push(c);
        if width(&format!("{kept}…")) > max_px {
            kept.pop();
            break;
        }
    }
    format!("{}…", kept.trim_end())
}

fn char_em(c: char) -> f64 {
    FONT.as_ref()
        .and_then(|face| {
            let glyph = face.glyph_index(c)?;
            let advance = face.glyph_hor_advance(glyph)?;
            Some(f64::from(advance) / f64::from(face.units_per_em()))
        })
        .unwrap_or(MISSING_EM)
}

fn ascent_em() -> f64 {
    FONT.as_ref().map_or(1.0, |face| {
        f64::from(face.ascender()) / f64::from(face.units_per_em())
    })
}

fn descent_em() -> f64 {
    FONT.as_ref().map_or(0.3, |face| {
        -f64::from(face.descender()) / f64::from(face.units_per_em())
    })
}

fn px(em: f64) -> i32 {
    (em * FONT_PX * SLACK).ceil() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_is_measured() {
        assert!(FONT.is_some(), "DejaVu Sans parses");
        // DejaVu Sans: "0" is 1303/2048 em wide; ten of them at 11 px, plus the slack.
        assert_eq!(
            width("0000000000"),
            (10.0 * 1303.0 / 2048.0 * 11.0 * 1.1_f64).ceil() as i32
        );
        assert!(width("WWW") > width("iii"));
        assert!(width("漢") >= px(1.0), "a missing glyph counts wide");
        assert!(above() > 0 && below() > 0);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_to_fit() {
        assert_eq!(truncate("acme", 100), "acme");
        let long = "a-very-long-subdomain-name.of-some-customer.example.co.uk";
        let cut = truncate(long, 120);
        assert!(cut.ends_with('…') && width(&cut) <= 120, "{cut}");
        assert!(long.starts_with(cut.trim_end_matches('…')));
    }
}
