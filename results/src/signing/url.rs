//! Minting and checking `/results/{job_id}/{artifact}?exp=…&kid=…&sig=…`.
//!
//! The signature is `base64url(HMAC-SHA256(key[kid], "GET\n<path>\n<exp>\n<kid>\n<tenant>"))`:
//! it binds the method, the exact path, the expiry, the key id and the tenant owning
//! the job, so changing any of them (or using the URL for another tenant's job) fails.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

use super::keys::SigningKeys;

type HmacSha256 = Hmac<Sha256>;

/// Slack allowed on an expiry beyond the configured longest lifetime (clock skew
/// between the gateways that mint and serve).
const SKEW: Duration = Duration::from_secs(60);

/// The path of an artifact's download.
pub fn result_path(job_id: &str, artifact: &str) -> String {
    format!("/results/{job_id}/{artifact}")
}

/// A minted URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUrl {
    /// The URL: the public base URL (when configured) plus path and query.
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The key id that signed it.
    pub key_id: String,
}

/// The signature parameters of a download request, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlQuery {
    /// `exp`: Unix seconds.
    pub exp: Option<String>,
    /// `kid`: key id.
    pub kid: Option<String>,
    /// `sig`: the signature.
    pub sig: Option<String>,
}

/// Why a download was refused (answered 403). The text never repeats the signature.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Denied {
    /// A parameter is missing.
    #[error("the URL has no `{0}` parameter; ask GetResult for a fresh URL")]
    Missing(&'static str),
    /// A parameter is not well formed.
    #[error("the URL's `{0}` parameter is malformed; ask GetResult for a fresh URL")]
    Malformed(&'static str),
    /// The key id is not (or no longer) configured.
    #[error(
        "the URL was signed with a key id this gateway does not know (rotated out?); ask GetResult for a fresh URL"
    )]
    UnknownKey,
    /// Past its expiry.
    #[error("the URL expired; ask GetResult for a fresh URL")]
    Expired,
    /// Its expiry is further away than any URL this gateway mints.
    #[error(
        "the URL's expiry is beyond the longest lifetime allowed; ask GetResult for a fresh URL"
    )]
    TooLong,
    /// The signature does not match the path, expiry, key id and owner.
    #[error(
        "the URL's signature does not match it (altered, or not for this path); ask GetResult for a fresh URL"
    )]
    BadSignature,
}

/// Mints and verifies signed URLs.
#[derive(Debug, Clone)]
pub struct UrlSigner {
    keys: SigningKeys,
    default_ttl: Duration,
    max_ttl: Duration,
    base_url: Option<String>,
}

impl UrlSigner {
    /// A signer with `keys`; URLs live `default_ttl` unless asked otherwise, never more
    /// than `max_ttl`; `base_url` (e.g. `https://api.example.com`) prefixes them.
    pub fn new(
        keys: SigningKeys,
        default_ttl: Duration,
        max_ttl: Duration,
        base_url: Option<String>,
    ) -> Self {
        Self {
            keys,
            default_ttl: default_ttl.min(max_ttl),
            max_ttl,
            base_url: base_url.map(|b| b.trim_end_matches('/').to_owned()),
        }
    }

    /// The expiry of URLs minted `now` with lifetime `ttl` (default when `None`,
    /// capped at the longest lifetime).
    pub fn expiry(&self, ttl: Option<Duration>, now: DateTime<Utc>) -> DateTime<Utc> {
        let ttl = ttl.unwrap_or(self.default_ttl).min(self.max_ttl);
        let secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX).max(1);
        now + chrono::Duration::seconds(secs)
    }

    /// A URL for `artifact` of `job_id` (owned by `tenant`) that expires at `expires_at`.
    pub fn sign(
        &self,
        tenant: &str,
        job_id: &str,
        artifact: &str,
        expires_at: DateTime<Utc>,
    ) -> SignedUrl {
        self.sign_path(tenant, &result_path(job_id, artifact), expires_at)
    }

    /// A URL for any download `path` served by the gateway (e.g. a report file), bound
    /// to `owner` (the tenant, or another scope the route verifies with).
    pub fn sign_path(&self, owner: &str, path: &str, expires_at: DateTime<Utc>) -> SignedUrl {
        let exp = expires_at.timestamp();
        let kid = self.keys.active_id();
        let sig = signature(self.keys.active_secret(), "GET", path, exp, kid, owner);
        let base = self.base_url.as_deref().unwrap_or("");
        SignedUrl {
            url: format!("{base}{path}?exp={exp}&kid={kid}&sig={sig}"),
            expires_at: DateTime::from_timestamp(exp, 0).unwrap_or(expires_at),
            key_id: kid.to_owned(),
        }
    }

    /// The checks that need no job: parameters present, key known, not expired, not
    /// beyond the longest lifetime. Cheap; run before reading anything.
    pub fn precheck(&self, query: &UrlQuery, now: DateTime<Utc>) -> Result<(), Denied> {
        let exp = parse_exp(query)?;
        let kid = query.kid.as_deref().ok_or(Denied::Missing("kid"))?;
        query.sig.as_deref().ok_or(Denied::Missing("sig"))?;
        self.keys.secret(kid).ok_or(Denied::UnknownKey)?;
        if exp <= now.timestamp() {
            return Err(Denied::Expired);
        }
        let longest = (self.max_ttl + SKEW).as_secs();
        if u64::try_from(exp - now.timestamp()).unwrap_or(u64::MAX) > longest {
            return Err(Denied::TooLong);
        }
        Ok(())
    }

    /// Every check: [`UrlSigner::precheck`], then the signature over `method`, `path`
    /// and the owner `tenant`, compared in constant time.
    pub fn verify(
        &self,
        method: &str,
        path: &str,
        query: &UrlQuery,
        tenant: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Denied> {
        self.precheck(query, now)?;
        let exp = parse_exp(query)?;
        let kid = query.kid.as_deref().ok_or(Denied::Missing("kid"))?;
        let secret = self.keys.secret(kid).ok_or(Denied::UnknownKey)?;
        let sig = query.sig.as_deref().ok_or(Denied::Missing("sig"))?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| Denied::Malformed("sig"))?;
        mac(secret, method, path, exp, kid, tenant)
            .verify_slice(&sig)
            .map_err(|_| Denied::BadSignature)
    }
}

fn parse_exp(query: &UrlQuery) -> Result<i64, Denied> {
    let exp = query.exp.as_deref().ok_or(Denied::Missing("exp"))?;
    exp.parse::<i64>().map_err(|_| Denied::Malformed("exp"))
}

fn mac(secret: &[u8], method: &str, path: &str, exp: i64, kid: &str, tenant: &str) -> HmacSha256 {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(format!("{method}\n{path}\n{exp}\n{kid}\n{tenant}").as_bytes());
    mac
}

#[cold]
fn unreachable_hmac() -> HmacSha256 {
    // Hmac::new_from_slice only fails for fixed-size-key MACs, which HMAC is not.
    HmacSha256::new(&Default::default())
}

fn signature(secret: &[u8], method: &str, path: &str, exp: i64, kid: &str, tenant: &str) -> String {
    URL_SAFE_NO_PAD.encode(
        mac(secret, method, path, exp, kid, tenant)
            .finalize()
            .into_bytes(),
    )
}

#[cfg(test)]
#[path = "url_tests.rs"]
mod tests;
