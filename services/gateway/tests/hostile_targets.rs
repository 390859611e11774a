//! The shared hostile-address table at submit (ADR 0032): every entry, as a job URL and
//! as a webhook URL, is refused with INVALID_ARGUMENT, a field violation naming the
//! field and the address class the worker and the notifier name for it, and nothing
//! appended to the stream.

use crate::common;

use crate::common::{request, spec};
use jetcrawl_egress::hostile::HOSTILE;
use jetcrawl_gateway::status::bad_request_of;
use tonic::Code;

/// The violation of `field` in a refused submit, or a panic saying what came back.
async fn violation(
    client: &mut common::Client,
    job: jetcrawl_proto::v1::JobSpec,
    field: &str,
) -> String {
    let status = client
        .submit_job(request(job, ""))
        .await
        .expect_err("a hostile target is refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let details = bad_request_of(&status).expect("BadRequest details");
    details
        .field_violations
        .iter()
        .find(|v| v.field == field)
        .map(|v| v.description.clone())
        .unwrap_or_else(|| panic!("no violation of {field}: {details:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_address_is_refused_at_submit_with_its_class_named() {
    let mut gw = common::start(|config| config.allow_private_targets = false).await;
    let mut client = gw.grpc().await;
    let before = gw.last_sequence().await;
    for hostile in HOSTILE {
        let url = hostile.url(8080);
        let named = hostile.named();

        let why = violation(&mut client, spec(&[url.as_str()]), "spec.urls[0]").await;
        assert!(
            why.contains(&named),
            "job URL {url}: {why:?} must say {named:?}"
        );

        let mut with_hook = spec(&["https://example.com/"]);
        with_hook.webhook_url = url.clone();
        let why = violation(&mut client, with_hook, "spec.webhook_url").await;
        assert!(
            why.contains(&named),
            "webhook {url}: {why:?} must say {named:?}"
        );
    }
    assert_eq!(gw.last_sequence().await, before, "nothing appended");
    gw.shutdown().await;
}
