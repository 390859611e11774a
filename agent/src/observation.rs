//! What the model sees of a page: its readable text, with every interactive element
//! numbered (`[3] Add to cart`), never the DOM or a screenshot, so a small model with a
//! short context can work.

/// Most characters of page text sent in one observation; the rest is cut, and the model
/// is told so (it can scroll, and the next observation starts where the viewport does).
/// 3,000 characters are about 750 tokens of prose and 1,800 of a price list (digits are
/// a token each), measured with Qwen2.5's tokenizer: one page fits a small context.
pub const MAX_TEXT_CHARS: usize = 3_000;

/// The script that observes a page in the browser: evaluate it, and parse the string it
/// returns with [`Observation::from_script`].
pub const OBSERVE_JS: &str = include_str!("observe.js");

/// One page as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
pub struct Observation {
    /// Where the browser is.
    pub url: String,
    /// The document title.
    pub title: String,
    /// Readable text with numbered interactive elements.
    pub text: String,
}

impl Observation {
    /// What [`OBSERVE_JS`] returned.
    pub fn from_script(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The text sent to the model.
    pub fn render(&self) -> String {
        let mut text: String = self.text.chars().take(MAX_TEXT_CHARS).collect();
        if text.len() < self.text.len() {
            text.push_str("\n[... the rest of the page is cut; scroll or navigate to see more]");
        }
        format!("Page: {}\nURL: {}\n\n{}", self.title, self.url, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_page_is_cut_and_says_so() {
        let page = Observation {
            url: "http://shop.test/p/1".to_owned(),
            title: "Kettle".to_owned(),
            text: "é".repeat(MAX_TEXT_CHARS + 10),
        };
        let shown = page.render();
        assert!(shown.starts_with("Page: Kettle\nURL: http://shop.test/p/1\n\n"));
        assert!(shown.ends_with("scroll or navigate to see more]"));
        assert_eq!(shown.matches('é').count(), MAX_TEXT_CHARS);
    }
}
