use std::time::Duration;

use chrono::{DateTime, Utc};

use super::*;

const OLD: &str = "old-secret-old-secret-old-secret-0001";
const NEW: &str = "new-secret-new-secret-new-secret-0002";

fn signer(keys: &str) -> UrlSigner {
    let keys = SigningKeys::parse(keys, None).expect("keys");
    UrlSigner::new(
        keys,
        Duration::from_secs(900),
        Duration::from_secs(3600),
        None,
    )
}

fn query_of(url: &str) -> (String, UrlQuery) {
    let (path, query) = url.split_once('?').expect("query");
    let mut out = UrlQuery::default();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').expect("pair");
        match k {
            "exp" => out.exp = Some(v.to_owned()),
            "kid" => out.kid = Some(v.to_owned()),
            "sig" => out.sig = Some(v.to_owned()),
            _ => {}
        }
    }
    (path.to_owned(), out)
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).expect("time")
}

#[test]
fn a_minted_url_verifies_until_it_expires() {
    let signer = signer(&format!("k1={NEW}"));
    let exp = signer.expiry(None, now());
    assert_eq!((exp - now()).num_seconds(), 900, "15 minutes by default");
    let url = signer.sign("acme", "job-1", "result.json", exp);
    let (path, query) = query_of(&url.url);
    assert_eq!(path, "/results/job-1/result.json");
    assert_eq!(signer.verify("GET", &path, &query, "acme", now()), Ok(()));
    let later = now() + chrono::Duration::seconds(901);
    assert_eq!(
        signer.verify("GET", &path, &query, "acme", later),
        Err(Denied::Expired)
    );
}

#[test]
fn the_lifetime_is_capped() {
    let signer = signer(&format!("k1={NEW}"));
    let exp = signer.expiry(Some(Duration::from_secs(86_400)), now());
    assert_eq!((exp - now()).num_seconds(), 3600);
}

#[test]
fn any_change_to_the_url_or_its_owner_is_refused() {
    let signer = signer(&format!("k1={NEW}"));
    let url = signer.sign("acme", "job-1", "result.json", signer.expiry(None, now()));
    let (path, query) = query_of(&url.url);
    let verify =
        |path: &str, q: &UrlQuery, tenant: &str| signer.verify("GET", path, q, tenant, now());
    assert_eq!(
        verify("/results/job-2/result.json", &query, "acme"),
        Err(Denied::BadSignature)
    );
    assert_eq!(verify(&path, &query, "globex"), Err(Denied::BadSignature));
    assert_eq!(
        signer.verify("HEAD", &path, &query, "acme", now()),
        Err(Denied::BadSignature)
    );
    let mut q = query.clone();
    q.exp = Some((now().timestamp() + 100).to_string());
    assert_eq!(verify(&path, &q, "acme"), Err(Denied::BadSignature));
    let mut q = query.clone();
    q.sig = Some(format!("A{}", &query.sig.clone().expect("sig")[1..]));
    assert_eq!(verify(&path, &q, "acme"), Err(Denied::BadSignature));
    let mut q = query.clone();
    q.kid = Some("k9".into());
    assert_eq!(verify(&path, &q, "acme"), Err(Denied::UnknownKey));
    let mut q = query.clone();
    q.sig = None;
    assert_eq!(verify(&path, &q, "acme"), Err(Denied::Missing("sig")));
    let mut q = query;
    q.exp = Some(i64::MAX.to_string());
    assert_eq!(verify(&path, &q, "acme"), Err(Denied::TooLong));
}

#[test]
fn old_key_ids_keep_verifying_until_removed() {
    let before = signer(&format!("k1={OLD}"));
    let url = before.sign("acme", "job-1", "result.json", before.expiry(None, now()));
    let (path, query) = query_of(&url.url);
    let rotated = signer(&format!("k2={NEW}\nk1={OLD}"));
    assert_eq!(rotated.verify("GET", &path, &query, "acme", now()), Ok(()));
    let fresh = rotated.sign("acme", "job-1", "result.json", rotated.expiry(None, now()));
    assert_eq!(fresh.key_id, "k2");
    let removed = signer(&format!("k2={NEW}"));
    assert_eq!(
        removed.verify("GET", &path, &query, "acme", now()),
        Err(Denied::UnknownKey)
    );
}

#[test]
fn refusals_never_echo_the_signature() {
    for denied in [
        Denied::Missing("sig"),
        Denied::Malformed("sig"),
        Denied::UnknownKey,
        Denied::Expired,
        Denied::TooLong,
        Denied::BadSignature,
    ] {
        let text = denied.to_string();
        assert!(text.contains("GetResult"), "{text}");
    }
}

#[test]
fn a_base_url_prefixes_minted_urls() {
    let keys = SigningKeys::parse(&format!("k1={NEW}"), None).expect("keys");
    let signer = UrlSigner::new(
        keys,
        Duration::from_secs(900),
        Duration::from_secs(3600),
        Some("https://api.example.com/".into()),
    );
    let url = signer.sign("acme", "j", "result.json", signer.expiry(None, now()));
    assert!(
        url.url
            .starts_with("https://api.example.com/results/j/result.json?exp="),
        "{}",
        url.url
    );
}
