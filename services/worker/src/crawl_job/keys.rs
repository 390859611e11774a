//! Page job ids and sealing under the crawl's data subject key (ADR 0023): a page's URL
//! is personal data like any job's, so it is sealed in the page job's spec, and the page
//! id is a keyed digest of the URL, shredded with the key.

use jetcrawl_privacy::{DataKey, SubjectRef, seal_value};
use jetcrawl_proto::v1::CrawlPageKind;
use jetcrawl_streams::Job;
use sha2::{Digest as _, Sha256};
use url::Url;

use super::{Frontier, FrontierError};

/// Hex characters of the URL digest in a page id.
const DIGEST_CHARS: usize = 24;

/// The crawl a page job belongs to, from the page job's id (`<crawl id>_p<digest>`).
pub fn page_id_crawl(job_id: &str) -> Option<&str> {
    let (crawl, digest) = job_id.rsplit_once("_p")?;
    (digest.len() == DIGEST_CHARS && digest.bytes().all(|b| b.is_ascii_hexdigit())).then_some(crawl)
}

/// The crawl's key, or none when its spec is stored in clear.
#[derive(Clone)]
pub(super) struct CrawlKey {
    tenant: String,
    key: Option<(DataKey, SubjectRef)>,
}

impl CrawlKey {
    /// The page job id of `url` in crawl `crawl_id`; a robots.txt or sitemap read has
    /// another id than a page at the same URL.
    pub fn page_id(&self, crawl_id: &str, url: &Url, kind: CrawlPageKind) -> String {
        let named = match kind {
            CrawlPageKind::Page => url.as_str().to_owned(),
            other => format!("{}:{url}", other.as_str_name()),
        };
        let digest = match &self.key {
            Some((key, _)) => key.digest(named.as_bytes()),
            None => hex::encode(Sha256::digest(named.as_bytes())),
        };
        format!("{crawl_id}_p{}", &digest[..DIGEST_CHARS])
    }

    /// `value` sealed, or as it is when the crawl is stored in clear.
    pub fn seal(&self, value: &str) -> Result<String, FrontierError> {
        match &self.key {
            Some((key, reference)) => Ok(seal_value(key, &self.tenant, reference, value)?),
            None => Ok(value.to_owned()),
        }
    }
}

impl Frontier {
    /// The key of `job`'s data subject (a crawl and its pages share it).
    pub(super) async fn key_of(&self, job: &Job) -> Result<CrawlKey, FrontierError> {
        let (Some(privacy), false) = (&self.privacy, job.subject_ref.is_empty()) else {
            return Ok(CrawlKey {
                tenant: job.tenant.clone(),
                key: None,
            });
        };
        let reference = SubjectRef::parse(&job.subject_ref)
            .ok_or_else(|| FrontierError::Invalid("malformed subject reference".to_owned()))?;
        match privacy.get(&job.tenant, &reference).await? {
            Some(key) => Ok(CrawlKey {
                tenant: job.tenant.clone(),
                key: Some((key, reference)),
            }),
            None => Err(FrontierError::Invalid(
                "the crawl's data subject was erased; it queues nothing more".to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_id_names_its_crawl() {
        let key = CrawlKey {
            tenant: "t".into(),
            key: None,
        };
        let crawl = "0193a1b2-0000-7000-8000-000000000001";
        let url = Url::parse("https://example.com/a").unwrap();
        let id = key.page_id(crawl, &url, CrawlPageKind::Page);
        assert_ne!(id, key.page_id(crawl, &url, CrawlPageKind::Sitemap));
        assert!(jetcrawl_streams::subjects::is_valid_token(&id), "{id}");
        assert_eq!(page_id_crawl(&id), Some(crawl));
        assert_eq!(page_id_crawl(crawl), None);
        assert_eq!(page_id_crawl("abc_pxyz"), None);
    }
}
