//! The agent loop on the worker's browser (issue 16): the scripted model's tool calls run
//! as steps in real Chromium on the fixture shop, through the worker's egress policy and
//! the crawl controller's robots.txt view, and the model sees each rendered page as
//! compact text. Refused pages are said back to the model and never requested.

use std::time::Duration;

use jetcrawl_agent::{AgentLimits, Outcome, OutputSchema, StepOutcome, Task};
use jetcrawl_tests::agent_rig::{Rig, named, steps, told};
use jetcrawl_tests::{FixtureSite, Scripted};
use serde_json::json;

fn kettle_task(start_url: String) -> Task {
    Task {
        goal: "Find the kettle's price, delivery time, stock and rating".to_owned(),
        start_url,
        output: OutputSchema::compile(json!({
            "type": "object",
            "properties": {
                "price": {"type": "number"},
                "delivery": {"type": "string"},
                "stock": {"type": "integer"},
                "rating": {"type": "number"},
            },
            "required": ["price", "delivery"],
        }))
        .expect("a valid schema"),
        limits: AgentLimits::default(),
    }
}

fn refused_class(outcome: &StepOutcome) -> &str {
    match outcome {
        StepOutcome::Refused { class, .. } => class,
        other => panic!("refused, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reveals_data_with_a_click_follows_a_link_and_answers() {
    let site = FixtureSite::start().expect("fixture site");
    site.set_robots("User-agent: *\nDisallow: /private\nCrawl-delay: 1\n");
    let rig = Rig::start(&site).await;
    // The product page numbers: [1] Home, [2] Show stock, [3] Reviews, [4] Staff notes.
    let answer = json!({"price": 39.9, "delivery": "2 working days", "stock": 12, "rating": 4.6});
    let script = vec![
        Scripted::call("click", json!({"element": 2})),
        Scripted::call("click", json!({"element": 3})),
        Scripted::call("finish", json!({ "answer": answer })),
    ];
    let (outcome, journal, stub) = rig
        .run_scripted(&kettle_task(site.url("/shop/kettle")), script)
        .await;

    let Outcome::Answered { answer: got, usage } = outcome else {
        panic!("answered, got {outcome:?}\n{journal:#?}");
    };
    assert_eq!(got, answer);
    assert_eq!((usage.turns, usage.steps), (3, 3));
    let tools: Vec<String> = steps(&journal).into_iter().map(|(t, _)| t).collect();
    assert_eq!(tools, ["navigate", "click", "click", "finish"]);
    assert!(
        steps(&journal)[..3]
            .iter()
            .all(|(_, o)| matches!(o, StepOutcome::Observed { .. })),
        "{journal:#?}"
    );

    let told = told(&stub);
    let first = stub.requests()[0]["messages"].to_string();
    assert!(
        first.contains("Price: 39.90 EUR") && first.contains("[2] Show stock"),
        "the rendered product page, its elements numbered: {first}"
    );
    assert!(
        !first.contains("12 in stock"),
        "the stock shows only after the click"
    );
    assert!(
        told[1].contains("12 in stock"),
        "after the click: {}",
        told[1]
    );
    assert!(
        told[2].contains("Rating: 4.6 out of 5 (128 reviews)"),
        "the linked page: {}",
        told[2]
    );

    assert_eq!(site.count("/shop/kettle"), 1, "each page loaded once");
    assert_eq!(site.count("/shop/kettle/reviews"), 1);
    let product = site.requests_to("/shop/kettle")[0].at;
    let reviews = site.requests_to("/shop/kettle/reviews")[0].at;
    assert!(
        reviews.duration_since(product) >= Duration::from_secs(1),
        "robots.txt's Crawl-delay: 1 between the two loads, got {:?}",
        reviews.duration_since(product)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disallowed_private_and_offsite_pages_are_refused_to_the_model_and_never_requested() {
    let site = FixtureSite::start().expect("fixture site");
    let rig = Rig::start(&site).await;
    let start = named(&site, "shop.test", "/shop/kettle");
    let private = "http://127.0.0.1:1/admin";
    let offsite = named(&site, "other.test", "/shop/kettle");
    let script = vec![
        Scripted::call(
            "navigate",
            json!({"url": named(&site, "shop.test", "/private/secret")}),
        ),
        Scripted::call("navigate", json!({ "url": offsite })),
        Scripted::call("navigate", json!({ "url": private })),
        Scripted::call("click", json!({"element": 4})),
        Scripted::call("scroll", json!({})),
        Scripted::call(
            "finish",
            json!({"answer": {"price": 39.9, "delivery": "2 working days"}}),
        ),
    ];
    let (outcome, journal, stub) = rig.run_scripted(&kettle_task(start.clone()), script).await;

    assert!(
        matches!(outcome, Outcome::Answered { .. }),
        "refusals leave the job going: {outcome:?}"
    );
    let steps = steps(&journal);
    let classes: Vec<&str> = steps[1..5].iter().map(|(_, o)| refused_class(o)).collect();
    assert_eq!(
        classes,
        [
            "robots_disallowed",
            "out_of_scope",
            "target_forbidden",
            "robots_disallowed",
        ],
        "{journal:#?}"
    );
    let told = told(&stub);
    assert!(told[1].contains("Disallow: /private"), "{}", told[1]);
    assert!(told[2].contains("stay on shop.test"), "{}", told[2]);
    assert!(told[4].contains("Disallow: /private"), "{}", told[4]);

    assert_eq!(site.count("/private/secret"), 0, "never requested");
    assert!(
        site.requests_to_host("other.test").is_empty(),
        "the other domain was never contacted: {:?}",
        site.requests_to_host("other.test")
    );
    assert!(
        told[5].contains(&format!("URL: {start}")),
        "after the refused click the tab is still on the product page: {}",
        told[5]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_to_a_disallowed_page_with_a_fragment_is_refused_before_it_is_requested() {
    let site = FixtureSite::start().expect("fixture site");
    let rig = Rig::start(&site).await;
    // The FAQ numbers: [1] Warranty (in the page), [2] Staff answers (/private/secret#answers).
    let script = vec![
        Scripted::call("click", json!({"element": 1})),
        Scripted::call("click", json!({"element": 2})),
        Scripted::call(
            "finish",
            json!({"answer": {"price": 39.9, "delivery": "2 working days"}}),
        ),
    ];
    let (outcome, journal, _stub) = rig
        .run_scripted(&kettle_task(site.url("/shop/kettle/faq")), script)
        .await;
    assert!(matches!(outcome, Outcome::Answered { .. }), "{outcome:?}");
    let steps = steps(&journal);
    assert!(
        matches!(steps[1].1, StepOutcome::Observed { .. }),
        "an in-page link loads nothing and is allowed: {journal:#?}"
    );
    assert_eq!(
        refused_class(&steps[2].1),
        "robots_disallowed",
        "{journal:#?}"
    );
    assert_eq!(
        site.count("/private/secret"),
        0,
        "the disallowed page is never requested, fragment or not"
    );
}
