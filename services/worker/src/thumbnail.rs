//! Thumbnails of screenshots: a small PNG next to each screenshot, for listings and
//! previews that should not download a full-page capture.

use image::ImageFormat;

/// Thumbnails fit in this box (pixels), keeping the aspect ratio.
pub const THUMBNAIL_BOX: (u32, u32) = (320, 320);

/// A PNG thumbnail of the PNG `png`, at most [`THUMBNAIL_BOX`]; an image already that
/// small is re-encoded as is.
pub fn thumbnail(png: &[u8]) -> Result<Vec<u8>, String> {
    let image = image::load_from_memory_with_format(png, ImageFormat::Png)
        .map_err(|err| format!("the screenshot is not a readable PNG: {err}"))?;
    let (width, height) = THUMBNAIL_BOX;
    let small = if image.width() > width || image.height() > height {
        image.thumbnail(width, height)
    } else {
        image
    };
    let mut out = std::io::Cursor::new(Vec::new());
    small
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|err| format!("cannot encode the thumbnail: {err}"))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbaImage::from_fn(width, height, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).expect("encode");
        out.into_inner()
    }

    #[test]
    fn a_large_screenshot_shrinks_into_the_box_keeping_its_ratio() {
        let thumb = thumbnail(&png(1280, 640)).expect("thumbnail");
        let decoded = image::load_from_memory(&thumb).expect("a PNG");
        assert_eq!((decoded.width(), decoded.height()), (320, 160));
    }

    #[test]
    fn a_small_image_keeps_its_size_and_garbage_is_refused() {
        let thumb = thumbnail(&png(100, 50)).expect("thumbnail");
        let decoded = image::load_from_memory(&thumb).expect("a PNG");
        assert_eq!((decoded.width(), decoded.height()), (100, 50));
        assert!(thumbnail(b"not a png").is_err());
    }
}
