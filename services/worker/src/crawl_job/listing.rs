//! Reading a crawl's robots.txt and sitemaps for their URLs (ADR 0047): `Sitemap:`
//! lines; a sitemap index's sitemaps; a URL set's pages. Gzipped sitemaps are
//! inflated, never past the protocol's 50 MiB.

use std::io::Read as _;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};
use tokio::time::Instant;
use url::Url;

use super::pages::Found;
use crate::error::{ErrorClass, JobError};
use crate::execute::{Executor, Mode, PageResult, PageRun, SpecRun};

/// Largest sitemap once inflated (the sitemap protocol's limit).
const MAX_SITEMAP_BYTES: u64 = 50 << 20;

static LOC: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?is)<loc>\s*(.*?)\s*</loc>").ok());

/// What a robots.txt or a sitemap lists.
#[derive(Debug, Default, PartialEq)]
pub struct Listing {
    /// Sitemaps to read.
    pub sitemaps: Vec<Url>,
    /// Pages.
    pub pages: Vec<Url>,
}

/// The `Sitemap:` URLs of a robots.txt at `base`; `/sitemap.xml` when it names none.
pub fn robots_sitemaps(body: &[u8], base: &Url) -> Listing {
    let text = String::from_utf8_lossy(body);
    let mut sitemaps: Vec<Url> = text
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("sitemap")
                .then(|| base.join(value.trim()).ok())
                .flatten()
        })
        .collect();
    if sitemaps.is_empty() {
        sitemaps.extend(base.join("/sitemap.xml").ok());
    }
    Listing {
        sitemaps,
        pages: Vec::new(),
    }
}

/// A sitemap's entries: an index's sitemaps, or a URL set's pages.
pub fn sitemap_entries(body: &[u8], base: &Url) -> Result<Listing, String> {
    let xml = inflate(body)?;
    let text = String::from_utf8_lossy(&xml);
    let Some(loc) = LOC.as_ref() else {
        return Err("the sitemap pattern does not compile".to_owned());
    };
    let locs: Vec<Url> = loc
        .captures_iter(&text)
        .filter_map(|c| base.join(&unescape(c.get(1)?.as_str())).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .collect();
    Ok(match text.contains("<sitemapindex") {
        true => Listing {
            sitemaps: locs,
            pages: Vec::new(),
        },
        false => Listing {
            sitemaps: Vec::new(),
            pages: locs,
        },
    })
}

/// The body, inflated when it is gzip (by its magic bytes, whatever its name).
fn inflate(body: &[u8]) -> Result<Vec<u8>, String> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(body.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(MAX_SITEMAP_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|err| format!("the gzipped sitemap does not inflate: {err}"))?;
    if out.len() as u64 > MAX_SITEMAP_BYTES {
        return Err(format!(
            "the sitemap inflates past {} MiB, the sitemap protocol's limit",
            MAX_SITEMAP_BYTES >> 20
        ));
    }
    Ok(out)
}

fn unescape(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
}

/// Fetches a robots.txt (`robots`) or a sitemap over HTTP and lists it: the run (its
/// one page lists the URLs under `formats.links`) and what the crawl queues.
pub async fn read(
    executor: &Executor,
    url: &str,
    robots: bool,
    deadline: Instant,
) -> Result<(SpecRun, Found), JobError> {
    let started = Instant::now();
    let fetched = executor.fetch_bytes(url, deadline).await;
    // No robots.txt (4xx) names no sitemap: the default one is tried.
    let (final_url, status, body) = match fetched {
        Err(err) if robots && err.class == ErrorClass::Http4xx => (url.to_owned(), 404, Vec::new()),
        other => other?,
    };
    let base = Url::parse(&final_url)
        .map_err(|err| JobError::new(ErrorClass::InvalidSpec, format!("{final_url}: {err}")))?;
    let listing = match robots {
        true => robots_sitemaps(&body, &base),
        false => sitemap_entries(&body, &base)
            .map_err(|why| JobError::new(ErrorClass::InvalidSpec, format!("{url}: {why}")))?,
    };
    let links: Vec<Value> = listing
        .sitemaps
        .iter()
        .map(|u| json!({"url": u.as_str(), "sitemap": true}))
        .chain(listing.pages.iter().map(|u| json!({"url": u.as_str()})))
        .collect();
    let mut formats = serde_json::Map::new();
    formats.insert("links".to_owned(), Value::Array(links));
    let result = PageResult {
        url: url.to_owned(),
        final_url,
        status,
        mode: Mode::Http,
        data: serde_json::Map::new(),
        screenshots: Vec::new(),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        settle: None,
        warnings: Vec::new(),
        formats,
    };
    let run = SpecRun {
        pages: vec![PageRun {
            result,
            captures: Vec::new(),
        }],
        ..SpecRun::default()
    };
    let found = Found {
        links: listing.pages,
        canonical: None,
        sitemaps: listing.sitemaps,
    };
    Ok((run, found))
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn base() -> Url {
        Url::parse("https://example.com/robots.txt").unwrap()
    }

    #[test]
    fn robots_names_its_sitemaps_or_the_default_one() {
        let named = robots_sitemaps(
            b"User-agent: *\nSITEMAP: /a.xml\nsitemap:https://example.com/b.xml.gz\n",
            &base(),
        );
        let names: Vec<&str> = named.sitemaps.iter().map(Url::as_str).collect();
        assert_eq!(
            names,
            ["https://example.com/a.xml", "https://example.com/b.xml.gz"]
        );
        let none = robots_sitemaps(b"User-agent: *\nDisallow: /x\n", &base());
        assert_eq!(none.sitemaps[0].as_str(), "https://example.com/sitemap.xml");
    }

    #[test]
    fn an_index_lists_sitemaps_and_a_urlset_pages_even_gzipped() {
        let index = b"<sitemapindex><sitemap><loc> https://example.com/s1.xml </loc></sitemap></sitemapindex>";
        let listed = sitemap_entries(index, &base()).unwrap();
        assert_eq!(listed.sitemaps.len(), 1);
        assert!(listed.pages.is_empty());
        let set = b"<urlset><url><loc>https://example.com/a?x=1&amp;y=2</loc></url></urlset>";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(set).unwrap();
        let listed = sitemap_entries(&gz.finish().unwrap(), &base()).unwrap();
        assert_eq!(listed.pages[0].as_str(), "https://example.com/a?x=1&y=2");
        assert!(sitemap_entries(&[0x1f, 0x8b, 0, 1], &base()).is_err());
    }
}
