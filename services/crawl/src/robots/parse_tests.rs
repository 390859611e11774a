//! The precedence rules of RFC 9309 as the controller applies them.

use std::time::Duration;

use url::Url;

use super::record::{RecordKind, Robots, RobotsRecord, Verdict, encode_body};

const TOKEN: &str = "jetcrawl";

fn robots(body: &str) -> Robots {
    Robots::new(
        RobotsRecord {
            origin: "https://example.com".to_owned(),
            kind: RecordKind::Rules,
            body_b64: encode_body(body.as_bytes()),
            status: 200,
            fetched_ms: 0,
            refresh_ms: 1,
            last_error: None,
        },
        TOKEN,
    )
}

fn verdict(robots: &Robots, path: &str) -> Verdict {
    let url = Url::parse(&format!("https://example.com{path}")).expect("url");
    robots.verdict(&url)
}

fn rule(robots: &Robots, path: &str) -> Option<String> {
    match verdict(robots, path) {
        Verdict::Disallowed { rule, .. } => Some(rule),
        _ => None,
    }
}

#[test]
fn the_longest_match_wins() {
    let r =
        robots("User-agent: *\nAllow: /shop\nDisallow: /shop/cart\nDisallow: /\nAllow: /public/\n");
    assert_eq!(
        rule(&r, "/shop/cart/1").as_deref(),
        Some("Disallow: /shop/cart")
    );
    assert_eq!(verdict(&r, "/shop/shoes"), Verdict::Allowed);
    assert_eq!(verdict(&r, "/public/a"), Verdict::Allowed);
    assert_eq!(rule(&r, "/other").as_deref(), Some("Disallow: /"));
}

#[test]
fn allow_wins_a_tie() {
    let r = robots("User-agent: *\nDisallow: /page\nAllow: /page\n");
    assert_eq!(verdict(&r, "/page"), Verdict::Allowed);
    let r = robots("User-agent: *\nDisallow: /a*\nAllow: /a$\n");
    assert_eq!(verdict(&r, "/a"), Verdict::Allowed);
    assert_eq!(rule(&r, "/ab").as_deref(), Some("Disallow: /a*"));
}

#[test]
fn wildcards_and_end_anchors() {
    let r = robots("User-agent: *\nDisallow: /*.pdf$\nDisallow: /private*/secret\n");
    assert_eq!(
        rule(&r, "/docs/a.pdf").as_deref(),
        Some("Disallow: /*.pdf$")
    );
    assert_eq!(verdict(&r, "/docs/a.pdf?download=1"), Verdict::Allowed);
    assert_eq!(verdict(&r, "/docs/a.pdfx"), Verdict::Allowed);
    assert!(rule(&r, "/private-area/x/secret").is_some());
    assert_eq!(verdict(&r, "/private-area/public"), Verdict::Allowed);
}

#[test]
fn the_product_token_group_is_matched_case_insensitively_and_replaces_the_star_group() {
    let r = robots(
        "User-agent: *\nDisallow: /\n\nUser-agent: JetCrawl\nDisallow: /admin\nCrawl-delay: 2\n",
    );
    assert_eq!(verdict(&r, "/page"), Verdict::Allowed);
    assert_eq!(
        verdict(&r, "/admin/x"),
        Verdict::Disallowed {
            rule: "Disallow: /admin".to_owned(),
            group: "jetcrawl".to_owned()
        }
    );
    assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
    let other = robots("User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nCrawl-delay: 1\n");
    assert_eq!(verdict(&other, "/page"), Verdict::Allowed);
    assert_eq!(other.crawl_delay(), Some(Duration::from_secs(1)));
}

#[test]
fn robots_txt_itself_is_always_allowed() {
    let r = robots("User-agent: *\nDisallow: /\n");
    assert_eq!(verdict(&r, "/robots.txt"), Verdict::Allowed);
    assert!(rule(&r, "/").is_some());
}

#[test]
fn unreachable_disallows_everything_and_unavailable_allows_everything() {
    let record = |kind| RobotsRecord {
        origin: "https://example.com".to_owned(),
        kind,
        body_b64: String::new(),
        status: 503,
        fetched_ms: 0,
        refresh_ms: 5_000,
        last_error: Some("HTTP 503".to_owned()),
    };
    let down = Robots::new(record(RecordKind::Unreachable), TOKEN);
    assert!(matches!(
        verdict(&down, "/a"),
        Verdict::Unreachable {
            retry_ms: 5_000,
            ..
        }
    ));
    assert_eq!(verdict(&down, "/robots.txt"), Verdict::Allowed);
    let missing = Robots::new(record(RecordKind::AllowAll), TOKEN);
    assert_eq!(verdict(&missing, "/anything"), Verdict::Allowed);
}
