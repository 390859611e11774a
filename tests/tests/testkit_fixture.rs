//! The fixture site serves each page with the right status and content, and logs
//! every request.

use std::time::{Duration, Instant};

use jetcrawl_tests::fixture::DEFAULT_ROBOTS;
use jetcrawl_tests::http::client_builder;
use jetcrawl_tests::{FixtureSite, http_client};
use reqwest::StatusCode;

async fn get(site: &FixtureSite, path: &str) -> (StatusCode, String) {
    let response = http_client()
        .unwrap()
        .get(site.url(path))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn no_redirects() -> reqwest::Client {
    client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn static_pages_have_their_content() {
    let site = FixtureSite::start().unwrap();
    let (status, body) = get(&site, "/static").await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        r#"<h1 id="title">Static Title</h1>"#,
        r#"<ul><li class="item">one</li><li class="item">two</li><li class="item">three</li></ul>"#,
        r#"<a id="next" href="/static/2">Next</a>"#,
        r#"<p class="price" data-currency="EUR">12.50</p>"#,
    ] {
        assert!(body.contains(needle), "{needle} missing from {body}");
    }
    assert!(get(&site, "/static/2").await.1.contains("Static Page 2"));

    let (_, js) = get(&site, "/js").await;
    assert!(js.contains(r#"<div id="app">Loading…</div>"#));
    assert!(js.contains("Rendered by JavaScript") && js.contains("setTimeout"));
    assert!(
        !js.contains("<h1") && !js.contains(r#"class="item""#),
        "content must need JS"
    );

    let (_, form) = get(&site, "/form").await;
    for needle in [r#"<input id="q""#, r#"<button id="go""#, r#"<p id="echo">"#] {
        assert!(form.contains(needle), "{needle} missing from /form");
    }
    let (_, long) = get(&site, "/long").await;
    assert!(long.contains("height:5000px") && long.contains(r#"<p id="bottom">Bottom</p>"#));
    assert_eq!(get(&site, "/private/secret").await.0, StatusCode::OK);
    assert_eq!(get(&site, "/nope").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn robots_txt_is_configurable_at_runtime() {
    let site = FixtureSite::start().unwrap();
    let (status, body) = get(&site, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "User-agent: *\nDisallow: /private\n");
    assert_eq!(body, DEFAULT_ROBOTS);

    site.set_robots("User-agent: *\nDisallow: /\n");
    assert_eq!(
        get(&site, "/robots.txt").await.1,
        "User-agent: *\nDisallow: /\n"
    );
    assert_eq!(site.robots(), "User-agent: *\nDisallow: /\n");
}

#[tokio::test]
async fn error_pages_answer_their_status() {
    let site = FixtureSite::start().unwrap();
    let client = http_client().unwrap();
    for code in [500, 404, 503] {
        let response = client
            .get(site.url(&format!("/error/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), code);
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap());
        assert_eq!(retry_after, (code == 503).then_some("1"));
    }
    assert_eq!(get(&site, "/error/200").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn flaky_fails_n_times_per_key_then_serves_static() {
    let site = FixtureSite::start().unwrap();
    let path = "/flaky?key=a&fail=2";
    assert_eq!(get(&site, path).await.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        get(&site, "/flaky?key=b&fail=1").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(get(&site, path).await.0, StatusCode::SERVICE_UNAVAILABLE);
    let (status, body) = get(&site, path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Static Title"));
    assert_eq!(get(&site, "/flaky?key=b&fail=1").await.0, StatusCode::OK);

    site.reset_flaky();
    assert_eq!(get(&site, path).await.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(site.count("/flaky"), 6);
}

#[tokio::test]
async fn redirects_are_302_and_chains_end_on_static() {
    let site = FixtureSite::start().unwrap();
    let client = no_redirects();
    let response = client
        .get(site.url("/redirect?to=/form"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/form");
    let response = client.get(site.url("/redirect")).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/static");

    let response = client
        .get(site.url("/redirect/chain/3"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/redirect/chain/2");

    site.clear_requests();
    let (status, body) = get(&site, "/redirect/chain/3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Static Title"));
    let paths: Vec<String> = site.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/redirect/chain/3",
            "/redirect/chain/2",
            "/redirect/chain/1",
            "/static"
        ]
    );
}

#[tokio::test]
async fn slow_answers_after_the_requested_delay() {
    let site = FixtureSite::start().unwrap();
    let started = Instant::now();
    let (status, body) = get(&site, "/slow?ms=300").await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(body.contains("slept 300 ms"));

    // The default (3 s) outlasts a short client timeout.
    let result = http_client()
        .unwrap()
        .get(site.url("/slow"))
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
}

#[tokio::test]
async fn requests_are_logged_with_path_query_time_and_user_agent() {
    let site = FixtureSite::start().unwrap();
    let client = client_builder()
        .user_agent("jetcrawl-test/1.0")
        .build()
        .unwrap();
    let before = Instant::now();
    client.get(site.url("/static?x=1")).send().await.unwrap();
    client.get(site.url("/static")).send().await.unwrap();
    client.get(site.url("/robots.txt")).send().await.unwrap();

    assert_eq!(site.count("/static"), 2);
    assert_eq!(site.count("/robots.txt"), 1);
    assert_eq!(site.count("/js"), 0);
    let first = &site.requests_to("/static")[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.query.as_deref(), Some("x=1"));
    assert_eq!(first.user_agent.as_deref(), Some("jetcrawl-test/1.0"));
    assert!(first.at >= before);
    let all = site.requests();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].at <= w[1].at));

    site.clear_requests();
    assert!(site.requests().is_empty());
}

#[test]
fn serves_without_a_tokio_runtime_in_the_test() {
    let site = FixtureSite::start().unwrap();
    let mut stream = std::net::TcpStream::connect(site.addr()).unwrap();
    use std::io::{Read as _, Write as _};
    stream
        .write_all(b"GET /static HTTP/1.0\r\nHost: fixture\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    assert_eq!(site.count("/static"), 1);
}
