//! Given a request, when validated, then these violations (or this normalised spec).

use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    Click, ExtractKind, ExtractRule, JobSpec, Navigate, RenderMode, Screenshot, Step,
    SubmitJobRequest,
};

use super::*;

fn spec(urls: &[&str]) -> JobSpec {
    JobSpec {
        urls: urls.iter().map(|u| u.to_string()).collect(),
        ..Default::default()
    }
}

fn violations(spec: JobSpec) -> Vec<FieldViolation> {
    validate_spec(spec, &Limits::default())
        .expect_err("must be refused")
        .as_slice()
        .to_vec()
}

fn only(spec: JobSpec) -> FieldViolation {
    let found = violations(spec);
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().expect("one")
}

fn rule(name: &str, selector: &str) -> ExtractRule {
    ExtractRule {
        name: name.into(),
        selector: selector.into(),
        ..Default::default()
    }
}

fn step(kind: Kind) -> Step {
    Step {
        kind: Some(kind),
        timeout_ms: 0,
    }
}

#[test]
fn a_minimal_spec_is_normalised_with_defaults() {
    let valid = validate_spec(spec(&["https://Example.COM"]), &Limits::default()).expect("valid");
    assert_eq!(valid.spec().urls, vec!["https://example.com/".to_owned()]);
    assert_eq!(valid.spec().timeout_ms, 60_000);
    assert_eq!(valid.spec().render, RenderMode::Auto as i32);
    assert_eq!(valid.domain(), "example.com");
}

#[test]
fn bad_urls_name_their_index_and_the_fix() {
    let found = violations(spec(&[
        "https://ok.example",
        "ftp://x",
        "not a url",
        "https://u:p@h.example/",
    ]));
    let fields: Vec<_> = found.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["spec.urls[1]", "spec.urls[2]", "spec.urls[3]"]);
    assert_eq!(
        found[0].description,
        "\"ftp://x\" has scheme ftp; only http and https are allowed"
    );
    assert!(
        found[1].description.contains("https://example.com/page"),
        "{found:?}"
    );
    assert!(found[2].description.contains("credentials"), "{found:?}");
    assert!(
        !found[2].description.contains("u:p"),
        "the secret must not be echoed"
    );
}

#[test]
fn empty_and_too_many_urls_are_refused() {
    assert!(only(spec(&[])).description.contains("add at least one"));
    let many: Vec<String> = (0..21).map(|i| format!("https://e{i}.example/")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let v = only(spec(&many));
    assert_eq!(v.field, "spec.urls");
    assert!(v.description.contains("limit is 20"), "{v:?}");
}

#[test]
fn private_targets_need_the_switch() {
    for url in [
        "http://127.0.0.1/",
        "http://localhost:8080/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://169.254.169.254/",
        "http://0.0.0.0/",
        "http://2130706433/",
    ] {
        let v = only(spec(&[url]));
        assert!(
            v.description
                .contains("JETCRAWL_ALLOW_PRIVATE_TARGETS=true"),
            "{url}: {v:?}"
        );
    }
    let open = Limits {
        allow_private_targets: true,
        ..Limits::default()
    };
    assert!(validate_spec(spec(&["http://127.0.0.1:8080/"]), &open).is_ok());
}

#[test]
fn every_step_problem_is_reported_at_once() {
    let mut s = spec(&["https://example.com"]);
    s.steps = vec![
        Step {
            kind: None,
            timeout_ms: 0,
        },
        step(Kind::Click(Click {
            selector: "div[".into(),
        })),
        step(Kind::Navigate(Navigate {
            url: "ftp://x".into(),
        })),
        step(Kind::Screenshot(Screenshot {
            name: "a".into(),
            full_page: false,
        })),
        step(Kind::Screenshot(Screenshot {
            name: "a".into(),
            full_page: false,
        })),
        Step {
            kind: Some(Kind::Click(Click {
                selector: "#ok".into(),
            })),
            timeout_ms: 70_000,
        },
    ];
    let fields: Vec<_> = violations(s).into_iter().map(|v| v.field).collect();
    assert_eq!(
        fields,
        [
            "spec.steps[0]",
            "spec.steps[1].click.selector",
            "spec.steps[2].navigate.url",
            "spec.steps[4].screenshot.name",
            "spec.steps[5].timeout_ms",
        ]
    );
}

#[test]
fn a_step_without_kind_lists_the_kinds() {
    let mut s = spec(&["https://example.com"]);
    s.steps = vec![Step::default()];
    assert_eq!(
        only(s).description,
        "step has no kind; set one of navigate, wait_for, wait_for_text, click, type, scroll, extract, screenshot"
    );
}

#[test]
fn extraction_names_are_unique_and_attributes_named() {
    let mut s = spec(&["https://example.com"]);
    s.extract = vec![
        rule("title", "h1"),
        rule("body", "p"),
        rule("title", "h2"),
        ExtractRule {
            kind: ExtractKind::Attribute as i32,
            ..rule("link", "a")
        },
    ];
    let found = violations(s);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].field, "spec.extract[2].name");
    assert_eq!(found[1].field, "spec.extract[3].attribute");
    assert_eq!(
        found[0].description,
        "\"title\" is already used by spec.extract[0]; rule names must be unique"
    );
}

#[test]
fn http_render_refuses_browser_steps() {
    let mut s = spec(&["https://example.com"]);
    s.render = RenderMode::Http as i32;
    s.steps = vec![step(Kind::Click(Click {
        selector: "#go".into(),
    }))];
    let v = only(s);
    assert_eq!(v.field, "spec.render");
    assert!(v.description.contains("BROWSER or AUTO"), "{v:?}");
}

#[test]
fn timeouts_zero_means_default_and_extremes_are_refused() {
    let mut s = spec(&["https://example.com"]);
    s.timeout_ms = 0;
    assert_eq!(
        validate_spec(s.clone(), &Limits::default())
            .expect("ok")
            .spec()
            .timeout_ms,
        60_000
    );
    for bad in [500, 10_000_000] {
        s.timeout_ms = bad;
        let v = only(s.clone());
        assert_eq!(v.field, "spec.timeout_ms");
        assert!(v.description.contains("or 0 for the default"), "{v:?}");
    }
}

#[test]
fn labels_and_keys_are_bounded() {
    let mut s = spec(&["https://example.com"]);
    s.labels.insert("Team".into(), "x".into());
    s.labels.insert("ok".into(), "v".repeat(300));
    let fields: Vec<_> = violations(s).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["spec.labels[\"Team\"]", "spec.labels[\"ok\"]"]);
    let request = SubmitJobRequest {
        spec: Some(spec(&["https://example.com"])),
        idempotency_key: "é".into(),
    };
    let err = validate_submission(request, &Limits::default()).expect_err("refused");
    assert_eq!(err.as_slice()[0].field, "idempotency_key");
}

#[test]
fn the_digest_ignores_label_order_and_follows_the_spec() {
    let mut a = spec(&["https://example.com"]);
    let mut b = a.clone();
    for i in 0..20 {
        a.labels.insert(format!("k{i}"), "v".into());
    }
    for i in (0..20).rev() {
        b.labels.insert(format!("k{i}"), "v".into());
    }
    assert_eq!(spec_sha256(&a), spec_sha256(&b));
    b.timeout_ms = 2_000;
    assert_ne!(spec_sha256(&a), spec_sha256(&b));
}
