//! A robots.txt as cached in the `ROBOTS` bucket, and the verdict it gives on a URL.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use url::{Position, Url};

/// What the rules in force come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A fetched file (2xx): its rules apply.
    Rules,
    /// No usable file (4xx, too many redirects): everything is allowed.
    AllowAll,
    /// Never fetched successfully (5xx, 429, network error): everything is disallowed
    /// until a later fetch succeeds.
    Unreachable,
}

/// The cached robots.txt of one origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotsRecord {
    /// `scheme://host[:port]`.
    pub origin: String,
    /// What the rules in force are.
    pub kind: RecordKind,
    /// The file (at most 500 KiB), base64, when `kind` is `Rules`.
    #[serde(default)]
    pub body_b64: String,
    /// HTTP status the rules in force came with (0: none).
    #[serde(default)]
    pub status: u16,
    /// When the rules in force were fetched (ms since the epoch).
    pub fetched_ms: i64,
    /// When to fetch again.
    pub refresh_ms: i64,
    /// Why the latest fetch failed, when it did (the previous rules stay in force).
    #[serde(default)]
    pub last_error: Option<String>,
}

/// What robots.txt says about one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The URL may be fetched.
    Allowed,
    /// A rule forbids it.
    Disallowed {
        /// The rule that matched, e.g. `Disallow: /private`.
        rule: String,
        /// The user-agent group it belongs to (`*` or the product token).
        group: String,
    },
    /// robots.txt could not be fetched: nothing may be fetched until `retry_ms`.
    Unreachable {
        /// When robots.txt is fetched again.
        retry_ms: i64,
        /// Why it could not be fetched.
        error: String,
    },
}

/// A record with its rules parsed for the product token.
#[derive(Debug, Clone)]
pub struct Robots {
    /// As cached.
    pub record: RobotsRecord,
    rules: Option<robotxt::Robots>,
}

impl Robots {
    /// Parses `record` for `product_token`.
    pub fn new(record: RobotsRecord, product_token: &str) -> Self {
        let rules = (record.kind == RecordKind::Rules).then(|| {
            let body = STANDARD.decode(&record.body_b64).unwrap_or_default();
            robotxt::Robots::parse(&body, product_token)
        });
        Self { record, rules }
    }

    /// The verdict on `url` (which must belong to this record's origin).
    pub fn verdict(&self, url: &Url) -> Verdict {
        if url.path() == "/robots.txt" {
            return Verdict::Allowed;
        }
        match (&self.rules, self.record.kind) {
            (Some(rules), _) => {
                let path = &url[Position::BeforePath..Position::AfterQuery];
                if rules.is_allowed(path) {
                    return Verdict::Allowed;
                }
                let rule = rules.matching_rule(path).map_or_else(
                    || "Disallow: /".to_owned(),
                    |r| format!("Disallow: {}", r.pattern()),
                );
                Verdict::Disallowed {
                    rule,
                    group: rules.user_agent().to_owned(),
                }
            }
            (None, RecordKind::Unreachable) => Verdict::Unreachable {
                retry_ms: self.record.refresh_ms,
                error: self.record.last_error.clone().unwrap_or_default(),
            },
            (None, _) => Verdict::Allowed,
        }
    }

    /// The `Crawl-delay` of the group that applies, if any.
    pub fn crawl_delay(&self) -> Option<Duration> {
        self.rules.as_ref().and_then(robotxt::Robots::crawl_delay)
    }

    /// Whether the record should be fetched again at `now_ms`.
    pub fn stale(&self, now_ms: i64) -> bool {
        now_ms >= self.record.refresh_ms
    }
}

/// Encodes a fetched body for the record.
pub fn encode_body(body: &[u8]) -> String {
    STANDARD.encode(body)
}
