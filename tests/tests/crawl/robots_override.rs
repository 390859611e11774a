//! Done means 1 (override): only an admin turns the robots.txt check off for a tenant,
//! the change is audited on AUDIT_ACTIONS, and turning it back on restores it.

use jetcrawl_proto::v1::{JobState, SetRobotsPolicyRequest};
use jetcrawl_streams::audit::{Action, ENVELOPE, decode_action};
use jetcrawl_streams::headers;

use crate::crawl::support::{Platform, run_all, state};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admin_turns_robots_off_for_a_tenant_and_it_is_audited() {
    let platform = Platform::start().await.expect("platform");
    let site = &platform.stack.site;
    site.set_robots("User-agent: *\nDisallow: /static\n");
    let _worker = platform.worker(&[]).await.expect("worker");
    let off = SetRobotsPolicyRequest {
        respect_robots: false,
        reason: "contract with the site owner, ticket 42".into(),
    };

    let mut client = platform
        .crawl(&platform.gateway.api_key)
        .await
        .expect("client");
    let refused = client
        .set_robots_policy(off.clone())
        .await
        .expect_err("a client may not");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    let mut admin = platform.crawl(&platform.admin_key).await.expect("admin");
    let empty = SetRobotsPolicyRequest {
        reason: " ".into(),
        ..off.clone()
    };
    let invalid = admin
        .set_robots_policy(empty)
        .await
        .expect_err("a reason is required");
    assert_eq!(invalid.code(), tonic::Code::InvalidArgument);
    assert!(
        invalid.message().contains("reason"),
        "{}",
        invalid.message()
    );

    let set = admin
        .set_robots_policy(off)
        .await
        .expect("admin sets")
        .into_inner();
    assert!(set.changed);
    let ignored = run_all(&platform, vec![site.url("/static")]).await;
    assert_eq!(
        state(&ignored[0].2),
        JobState::Succeeded,
        "robots.txt is off for the tenant"
    );

    let audit = audited(&platform).await;
    assert_eq!(
        audit.len(),
        1,
        "one RobotsPolicyChanged on audit.robots_override.e2e"
    );
    let (subject, actor, respect, reason) = &audit[0];
    assert_eq!(subject, "audit.robots_override.e2e");
    assert!(actor.starts_with("key:"), "{actor}");
    assert!(!respect);
    assert_eq!(reason, "contract with the site owner, ticket 42");

    admin
        .set_robots_policy(SetRobotsPolicyRequest {
            respect_robots: true,
            reason: "ticket closed".into(),
        })
        .await
        .expect("back on");
    let obeyed = run_all(&platform, vec![site.url("/static")]).await;
    assert_eq!(
        state(&obeyed[0].2),
        JobState::Failed,
        "robots.txt applies again"
    );
    assert_eq!(audited(&platform).await.len(), 2);
}

/// (subject, actor, respect_robots, reason) of every RobotsPolicyChanged on AUDIT_ACTIONS.
async fn audited(platform: &Platform) -> Vec<(String, String, bool, String)> {
    use futures::StreamExt;
    let (_client, js) = jetcrawl_streams::connect(&platform.stack.nats_url(), "audit-read")
        .await
        .expect("nats");
    let stream = js.get_stream("AUDIT_ACTIONS").await.expect("stream");
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::OrderedConfig {
            filter_subject: "audit.robots_override.>".into(),
            ..Default::default()
        })
        .await
        .expect("consumer");
    let pending = consumer.cached_info().num_pending as usize;
    let mut messages = consumer.messages().await.expect("messages").take(pending);
    let mut found = Vec::new();
    while let Some(message) = messages.next().await {
        let message = message.expect("message");
        let header = |name: &str| {
            message
                .headers
                .as_ref()
                .and_then(|h| h.get(name))
                .map(|v| v.as_str().to_owned())
        };
        let envelope = header(headers::ENVELOPE);
        assert_eq!(envelope.as_deref(), Some(ENVELOPE), "an AuditAction");
        assert_eq!(header(headers::JOB_ID), None, "no job");
        let sequence = message.info().expect("metadata").stream_sequence;
        let action = decode_action(sequence, envelope.as_deref(), &message.payload)
            .expect("an AuditAction envelope")
            .action;
        if let Some(Action::RobotsPolicyChanged(changed)) = action.action {
            found.push((
                message.subject.to_string(),
                action.actor,
                changed.respect_robots,
                changed.reason,
            ));
        }
    }
    found
}
