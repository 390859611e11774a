//! Property tests: no spec and no HTTP body makes the gateway panic or answer INTERNAL.
//! The spec validation is fuzzed directly; the HTTP JSON body against a running gateway.

use crate::common;

use jetcrawl_gateway::validate::{Limits, validate_submission};
use jetcrawl_proto::v1::step::Kind;
use jetcrawl_proto::v1::{
    AgentSpec, Click, CrawlSpec, ExtractNow, ExtractRule, JobSpec, Navigate, Screenshot, Scroll,
    Settle, Step, SubmitJobRequest, TypeText, WaitForSelector, WaitForText,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};

/// Strings that look like what clients send, and worse.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z#.\\[\\]:*> ]{0,12}",
        "(https?|ftp|file)://[a-z0-9.:@\\[\\]%-]{0,20}/[a-z0-9?=&#%.-]{0,12}",
        any::<String>(),
        ".{0,3000}",
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let kind = prop_oneof![
        text().prop_map(|url| Kind::Navigate(Navigate { url })),
        text().prop_map(|selector| Kind::WaitFor(WaitForSelector { selector })),
        (text(), text())
            .prop_map(|(text, selector)| Kind::WaitForText(WaitForText { text, selector })),
        text().prop_map(|selector| Kind::Click(Click { selector })),
        (text(), text()).prop_map(|(selector, text)| Kind::Type(TypeText { selector, text })),
        (text(), any::<i32>())
            .prop_map(|(selector, pixels)| Kind::Scroll(Scroll { selector, pixels })),
        prop::collection::vec(text(), 0..3).prop_map(|rules| Kind::Extract(ExtractNow { rules })),
        (text(), any::<bool>())
            .prop_map(|(name, full_page)| Kind::Screenshot(Screenshot { name, full_page })),
    ];
    (prop::option::of(kind), any::<u32>()).prop_map(|(kind, timeout_ms)| Step { kind, timeout_ms })
}

fn rule() -> impl Strategy<Value = ExtractRule> {
    (text(), text(), any::<i32>(), text(), any::<bool>()).prop_map(
        |(name, selector, kind, attribute, many)| ExtractRule {
            name,
            selector,
            kind: kind % 5,
            attribute,
            many,
            ..Default::default()
        },
    )
}

fn settle() -> impl Strategy<Value = Settle> {
    (any::<i32>(), text(), text(), any::<u32>()).prop_map(|(rule, selector, text, timeout_ms)| {
        Settle {
            rule: rule % 7,
            selector,
            text,
            timeout_ms,
        }
    })
}

fn job_spec() -> impl Strategy<Value = JobSpec> {
    (
        prop::collection::vec(text(), 0..25),
        prop::collection::vec(step(), 0..6),
        prop::collection::vec(rule(), 0..6),
        any::<i32>(),
        any::<u32>(),
        prop::collection::hash_map(text(), text(), 0..4),
        prop::option::of(settle()),
        prop::option::of(agent()),
        prop::collection::vec(any::<i32>(), 0..4),
        prop::option::of(crawl()),
    )
        .prop_map(
            |(urls, steps, extract, render, timeout_ms, labels, settle, agent, formats, crawl)| {
                JobSpec {
                    urls,
                    steps,
                    extract,
                    render: render % 6,
                    timeout_ms,
                    labels,
                    webhook_url: String::new(),
                    data_subject: String::new(),
                    settle,
                    agent,
                    formats: formats.into_iter().map(|f| f % 7).collect(),
                    crawl,
                    page: None,
                }
            },
        )
}

/// Crawl specs: any limits, scopes and patterns (valid regexes too).
fn crawl() -> impl Strategy<Value = CrawlSpec> {
    let pattern = prop_oneof![text(), Just("^/docs/".to_owned()), Just("(".to_owned())];
    (
        any::<u32>(),
        prop::option::of(any::<u32>()),
        any::<i32>(),
        prop::collection::vec(pattern.clone(), 0..3),
        prop::collection::vec(pattern, 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                max_pages,
                max_depth,
                scope,
                include_paths,
                exclude_paths,
                allow_external,
                sitemaps,
            )| {
                CrawlSpec {
                    max_pages: max_pages % 12_000,
                    max_depth: max_depth.map(|d| d % 60),
                    scope: scope % 5,
                    include_paths,
                    exclude_paths,
                    allow_external,
                    sitemaps,
                }
            },
        )
}

/// Agent specs: any goal and schema text (valid schemas too), any limits.
fn agent() -> impl Strategy<Value = AgentSpec> {
    let schema = prop_oneof![
        text(),
        Just(r#"{"type":"object","required":["price"]}"#.to_owned()),
        Just(r#"{"type":"nonsense"}"#.to_owned()),
    ];
    (text(), schema, any::<u32>(), any::<u32>(), any::<u64>()).prop_map(
        |(goal, output_schema, max_steps, max_seconds, max_tokens)| AgentSpec {
            goal,
            output_schema,
            max_steps: max_steps % 200,
            max_seconds: max_seconds % 4_000,
            max_tokens,
        },
    )
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    #[test]
    fn spec_validation_never_panics(spec in prop::option::of(job_spec()), key in text()) {
        for allow_private_targets in [false, true] {
            let limits = Limits { allow_private_targets, ..Limits::default() };
            let request = SubmitJobRequest { spec: spec.clone(), idempotency_key: key.clone() };
            if let Err(violations) = validate_submission(request, &limits) {
                prop_assert!(!violations.is_empty());
                prop_assert!(violations.as_slice().iter().all(|v| !v.field.is_empty()));
            }
        }
    }
}

/// JSON values shaped like a submit body: known keys mixed with unknown ones.
fn json_body() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("spec".to_owned()),
        Just("urls".to_owned()),
        Just("steps".to_owned()),
        Just("extract".to_owned()),
        Just("render".to_owned()),
        Just("timeout_ms".to_owned()),
        Just("labels".to_owned()),
        Just("idempotency_key".to_owned()),
        Just("click".to_owned()),
        Just("selector".to_owned()),
        Just("name".to_owned()),
        Just("kind".to_owned()),
        Just("many".to_owned()),
        Just("navigate".to_owned()),
        Just("url".to_owned()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
        Just(Value::String("https://example.com/".into())),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

#[test]
fn no_http_body_causes_a_panic_or_internal() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut gw = runtime.block_on(common::start(|c| {
        c.quota.quota_submits_per_sec = 100_000;
        c.quota.quota_submit_burst = 100_000;
    }));
    let post = |body: Vec<u8>| {
        runtime.block_on(async {
            let response = gw
                .http
                .post(gw.url("/v1/jobs"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("the gateway answers");
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            (status, text)
        })
    };
    let mut runner = TestRunner::new(Config {
        cases: 256,
        ..Config::default()
    });
    let structured = json_body()
        .prop_map(|v| serde_json::to_vec(&serde_json::json!({"spec": v})).expect("json"));
    let raw = prop::collection::vec(any::<u8>(), 0..256);
    for strategy in [structured.boxed(), raw.boxed()] {
        runner
            .run(&strategy, |body| {
                let (status, text) = post(body);
                prop_assert!(
                    [202, 400, 413].contains(&status),
                    "status {} body {}",
                    status,
                    text
                );
                prop_assert!(!text.contains("INTERNAL"), "{}", text);
                Ok(())
            })
            .expect("every body is answered without INTERNAL");
    }
    runtime.block_on(gw.shutdown());
}
