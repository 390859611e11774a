//! QueryAuditLog: auditors (and admins) read their tenants' rows in chain order, with
//! every filter and paging; clients are refused (and the refusal is itself a row); a
//! tenant the key was not granted is PERMISSION_DENIED; bad arguments name the field.

use jetcrawl_gateway::auth::Role;
use jetcrawl_proto::v1::{AuditFilter, QueryAuditLogRequest, VerifyAuditChainRequest};
use tonic::Code;

use crate::audit::support::*;

#[tokio::test]
async fn auditors_query_their_tenants_rows_filtered_and_paged_in_chain_order() {
    let p = Platform::start().await.expect("platform");
    let client = p.gateway.api_key.clone();
    let other_client = p.key(OTHER, Role::Client, &[]).await.expect("key");
    let auditor = p.key(tenant(), Role::Auditor, &[]).await.expect("key");
    let admin = p.key(tenant(), Role::Admin, &[]).await.expect("key");
    let outside_auditor = p
        .key("audit-co", Role::Auditor, &[OTHER])
        .await
        .expect("key");

    let mine: Vec<String> =
        futures::future::try_join_all(["/a", "/b", "/c"].map(|path| p.submit(&client, path)))
            .await
            .expect("submits");
    p.submit(&other_client, "/d").await.expect("submit");
    p.cancel(&client, &mine[1]).await.expect("cancel");
    // A client may not read the audit log: refused, and the refusal is audited.
    let refused = p
        .audit(&client)
        .await
        .expect("client")
        .query_audit_log(QueryAuditLogRequest::default())
        .await
        .expect_err("clients are refused");
    assert_eq!(refused.code(), Code::PermissionDenied);
    let refused = p
        .audit(&client)
        .await
        .expect("client")
        .verify_audit_chain(VerifyAuditChainRequest {})
        .await
        .expect_err("clients are refused");
    assert_eq!(refused.code(), Code::PermissionDenied);
    // 4 submits + JobCancelled (the job was queued) + 2 refusals.
    p.audit_rows(7).await.expect("projected");

    let mut audit = p.audit(&auditor).await.expect("auditor");
    let rows = all_pages(&mut audit, AuditFilter::default(), 0)
        .await
        .expect("own tenant by default");
    assert!(rows.iter().all(|r| r.tenant == tenant()), "{rows:?}");
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq), "chain order");
    let submitted: Vec<&str> = rows
        .iter()
        .filter(|r| r.action == "JobSubmitted")
        .map(|r| r.job_id.as_str())
        .collect();
    assert_eq!(submitted.len(), 3);
    assert!(mine.iter().all(|id| submitted.contains(&id.as_str())));
    let denied: Vec<_> = rows.iter().filter(|r| r.action == "AccessDenied").collect();
    assert_eq!(denied.len(), 2, "both refusals are rows");
    assert!(
        denied
            .iter()
            .all(|r| r.source == "audit_actions" && r.job_id.is_empty())
    );
    let client_actor = denied[0].actor.clone();
    assert!(client_actor.starts_with("key:"), "{client_actor}");

    let paged = all_pages(&mut audit, AuditFilter::default(), 2)
        .await
        .expect("pages of 2");
    assert_eq!(
        paged.iter().map(|r| r.seq).collect::<Vec<_>>(),
        rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        "pages of 2 give every row once, in order"
    );

    let only = |f: AuditFilter| {
        let mut audit = audit.clone();
        async move { all_pages(&mut audit, f, 0).await.expect("query") }
    };
    let cancelled = only(AuditFilter {
        job_id: mine[1].clone(),
        ..Default::default()
    })
    .await;
    assert!(cancelled.len() >= 2 && cancelled.iter().all(|r| r.job_id == mine[1]));
    assert_eq!(cancelled[0].action, "JobSubmitted");
    let by_type = only(AuditFilter {
        action: "AccessDenied".into(),
        actor: client_actor.clone(),
        ..Default::default()
    })
    .await;
    assert_eq!(by_type.len(), 2);
    let first_submit = rows
        .iter()
        .find(|r| r.action == "JobSubmitted")
        .expect("one");
    let at = first_submit.occurred_at.expect("time");
    let window = only(AuditFilter {
        since: Some(at),
        until: Some(one_micro_after(&at)),
        ..Default::default()
    })
    .await;
    assert_eq!(
        window.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![first_submit.seq],
        "[since, until) holds exactly the row at `since`"
    );

    // Tenants: a grant opens another tenant, nothing else does; admins read their own.
    let err = audit
        .query_audit_log(QueryAuditLogRequest {
            filter: Some(of_tenant(OTHER)),
            ..Default::default()
        })
        .await
        .expect_err("not granted");
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(err.message().contains("filter.tenant"), "{}", err.message());
    let mut outside = p.audit(&outside_auditor).await.expect("auditor");
    let theirs = all_pages(&mut outside, of_tenant(OTHER), 0)
        .await
        .expect("granted");
    assert_eq!(theirs.len(), 1);
    assert_eq!(
        (theirs[0].tenant.as_str(), theirs[0].action.as_str()),
        (OTHER, "JobSubmitted")
    );
    let mut admin_api = p.audit(&admin).await.expect("admin");
    let admin_rows = all_pages(&mut admin_api, AuditFilter::default(), 0)
        .await
        .expect("admin");
    assert!(admin_rows.len() >= rows.len() && admin_rows.iter().all(|r| r.tenant == tenant()));

    // Bad arguments name the field.
    for (request, field) in [
        (
            QueryAuditLogRequest {
                page_size: 501,
                ..Default::default()
            },
            "page_size",
        ),
        (
            QueryAuditLogRequest {
                page_token: "not-a-token".into(),
                ..Default::default()
            },
            "page_token",
        ),
        (
            QueryAuditLogRequest {
                filter: Some(AuditFilter {
                    since: Some(at),
                    until: Some(at),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "filter.until",
        ),
        (
            QueryAuditLogRequest {
                filter: Some(AuditFilter {
                    action: "JobSubmited".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "filter.action",
        ),
    ] {
        let err = audit.query_audit_log(request).await.expect_err(field);
        assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
        assert!(err.message().contains(field), "{field}: {}", err.message());
    }
    // A mistyped type is refused with the list to pick from, not answered with nothing.
    let output = p
        .cli(&auditor, &["audit", "query", "--type", "JobSubmited"])
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "a usage error: {stderr}");
    assert!(
        stderr.contains("JobSubmitted") && stderr.contains("AccessDenied"),
        "{stderr}"
    );
    let output = p
        .cli(
            &auditor,
            &[
                "audit",
                "query",
                "--type",
                "JobCancelled",
                "--since",
                "2000-01-01",
            ],
        )
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let header = stdout.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("SEQ") && header.contains("TYPE"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&mine[1]),
        "the cancelled job's row: {stdout}"
    );
}

fn one_micro_after(t: &prost_types::Timestamp) -> prost_types::Timestamp {
    let nanos = t.nanos + 1000;
    prost_types::Timestamp {
        seconds: t.seconds + i64::from(nanos / 1_000_000_000),
        nanos: nanos % 1_000_000_000,
    }
}
