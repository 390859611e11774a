//! Done means 4: a webhook URL on a link-local or private address is refused at submit,
//! over gRPC and HTTP, although this gateway allows private job targets (the test kit
//! sets JETCRAWL_ALLOW_PRIVATE_TARGETS); a loopback webhook is accepted there (ADR 0013).

use jetcrawl_proto::v1::SubmitJobRequest;
use jetcrawl_tests::Stack;

use crate::results::support::http_spec;

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_to_link_local_or_private_addresses_are_refused_at_submit() -> anyhow::Result<()> {
    jetcrawl_tests::init_test_tracing();
    let stack = Stack::start().await?;
    let gateway = stack.spawn_gateway().await?;
    let mut jobs = gateway.jobs().await?;
    let target = stack.site.url("/static");
    for hook in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://192.168.1.20:8080/hook",
        "http://[fe80::1]/hook",
    ] {
        let status = jobs
            .submit_job(SubmitJobRequest {
                spec: Some(http_spec(target.clone(), hook)),
                idempotency_key: String::new(),
            })
            .await
            .expect_err(hook);
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "{hook}: {status:?}"
        );
        assert!(
            status.message().contains("spec.webhook_url"),
            "{hook}: {}",
            status.message()
        );

        let response = gateway
            .http_client()?
            .post(format!("{}/v1/jobs", gateway.http_url))
            .json(&serde_json::json!({"spec": {"urls": [target], "webhook_url": hook}}))
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        assert_eq!(status, 400, "{hook}: {body}");
        assert!(body.contains("spec.webhook_url"), "{body}");
    }
    let accepted = jobs
        .submit_job(SubmitJobRequest {
            spec: Some(http_spec(target, "http://127.0.0.1:9/hook")),
            idempotency_key: String::new(),
        })
        .await;
    assert!(
        accepted.is_ok(),
        "loopback webhooks are allowed with private targets: {accepted:?}"
    );
    Ok(())
}
