//! Free-text messages (attempt errors) name the URL that failed. They are stored in clear
//! in failure events and projections, so before that the URLs in them are cut to their
//! origin, and the paths of the job's own URLs are cut too (a robots.txt message names a
//! path without its host).

use jetcrawl_proto::v1::JobSpec;
use url::Url;

use crate::spec::personal_fields_mut;

/// What replaces a removed path, query or fragment.
const CUT: &str = "/…";

/// `message` with every `http(s)://` URL reduced to `scheme://host[:port]/…`, and every
/// path of `spec`'s personal URLs replaced by `/…`.
pub fn redact_message(message: &str, spec: Option<&JobSpec>) -> String {
    let mut out = cut_urls(message);
    let mut spec = spec.cloned().unwrap_or_default();
    let mut paths: Vec<String> = personal_fields_mut(&mut spec)
        .into_iter()
        .filter_map(|field| Url::parse(field).ok())
        .map(|url| path_and_query(&url))
        .filter(|path| path.len() > 1)
        .collect();
    // Longest first, so a path that extends another is cut whole.
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for path in paths {
        out = out.replace(&path, CUT);
    }
    out
}

fn path_and_query(url: &Url) -> String {
    let mut path = url.path().to_owned();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    path
}

fn cut_urls(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = find_scheme(rest) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        let candidate = &tail[..end];
        // Punctuation that ends a sentence is not part of the URL.
        let trimmed = candidate.trim_end_matches(['.', ',', ';', ':', ')', ']']);
        out.push_str(&origin_of(trimmed));
        out.push_str(&candidate[trimmed.len()..]);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn find_scheme(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("http://"), lower.find("https://")]
        .into_iter()
        .flatten()
        .min()
}

fn origin_of(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => {
            let origin = parsed.origin().ascii_serialization();
            let bare = parsed.path() == "/" && parsed.query().is_none();
            if bare || origin == "null" {
                format!("{origin}/")
            } else {
                format!("{origin}{CUT}")
            }
        }
        Err(_) => "[url]".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_only_their_origin() {
        let message = "https://Shop.example:8443/orders?customer=alice answered HTTP 503; retry";
        assert_eq!(
            redact_message(message, None),
            "https://shop.example:8443/… answered HTTP 503; retry"
        );
        let quoted = "\"http://a.example/x?y=1\" is not valid.";
        assert_eq!(
            redact_message(quoted, None),
            "\"http://a.example/…\" is not valid."
        );
        assert_eq!(
            redact_message("request to http://a.example/ failed", None),
            "request to http://a.example/ failed"
        );
    }

    #[test]
    fn the_jobs_own_paths_are_cut_even_without_a_host() {
        let spec = JobSpec {
            urls: vec!["https://a.example/private/alice?x=1".into()],
            ..JobSpec::default()
        };
        let message = "robots.txt of a.example disallows /private/alice?x=1 for jetcrawl";
        let redacted = redact_message(message, Some(&spec));
        assert_eq!(
            redacted,
            "robots.txt of a.example disallows /… for jetcrawl"
        );
    }

    #[test]
    fn a_message_without_urls_is_unchanged() {
        let message = "the job did not finish within its deadline of 100 ms";
        assert_eq!(redact_message(message, None), message);
    }
}
