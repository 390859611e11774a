//! The audit log against a real Postgres: every message of JOBS and AUDIT_ACTIONS becomes
//! one chained row; the trigger refuses UPDATE, DELETE and TRUNCATE; a row altered behind
//! the trigger's back (superuser, triggers disabled) is named by `verify_chain`; the
//! retention job's sanctioned DELETE with its anchor keeps the chain verifiable;
//! `query_audit_log` filters and pages in chain order; and an MCP tool call is a row of
//! its tenant with the page's origin.

use crate::support::*;
use chrono::{DateTime, Utc};
use jetcrawl_projections::audit::{AuditFilter, GENESIS_HASH, query_audit_log, verify_chain};
use jetcrawl_projections::{Projection, StreamMessage, checkpoint};
use jetcrawl_proto::v1::{AccessDenied, ApiKeyIssued, BrowserToolCalled};
use jetcrawl_streams::audit::{Action, ENVELOPE, encode_action, new_action};
use prost::Message as _;
use sqlx::PgPool;

const T0: i64 = 1_770_000_000;

/// seq, source, stream_seq, tenant, actor, action, job_id, prev_hash.
type RowSummary = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
);

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("time")
}

fn actions() -> Vec<StreamMessage> {
    let denied = AccessDenied {
        schema_version: 1,
        occurred_at: Some(prost_types::Timestamp {
            seconds: T0 + 50,
            nanos: 0,
        }),
        tenant: "acme".into(),
        actor: "key:client1".into(),
        role: "client".into(),
        action: "jetcrawl.v1.Audit/QueryAuditLog".into(),
        reason: "needs auditor".into(),
        transport: "grpc".into(),
        ..Default::default()
    };
    let mut issued = new_action(
        "globex",
        "operator:root",
        "",
        Action::ApiKeyIssued(ApiKeyIssued {
            key_id: "abcd".into(),
            role: "auditor".into(),
            granted_tenants: vec!["acme".into()],
            issued_by: "operator:root".into(),
        }),
    );
    issued.occurred_at = Some(prost_types::Timestamp {
        seconds: T0 + 60,
        nanos: 0,
    });
    let mut key_issued = raw(2, "audit.key.globex", encode_action(&issued).to_vec());
    key_issued.envelope_header = ENVELOPE.to_owned();
    vec![
        raw(1, "audit.denied.acme", denied.encode_to_vec()),
        key_issued,
    ]
}

fn raw(sequence: u64, subject: &str, payload: Vec<u8>) -> StreamMessage {
    StreamMessage {
        sequence,
        subject: subject.into(),
        payload,
        stored_at: None,
        job_id_header: String::new(),
        tenant_header: String::new(),
        envelope_header: String::new(),
    }
}

fn jobs() -> History {
    let mut h = History::new();
    h.push("a", "acme", T0, submitted("https://a.example/"))
        .push("b", "globex", T0 + 10, submitted("https://b.example/"))
        .push("a", "acme", T0 + 20, started(1))
        .push("a", "acme", T0 + 30, succeeded(1))
        .push("b", "globex", T0 + 40, started(1));
    h
}

/// 5 job events, then 2 audit actions, then redeliveries of both (no-ops).
async fn seeded() -> (jetcrawl_local::Postgres, PgPool) {
    let (pg, pool) = database().await;
    let h = jobs();
    for _ in 0..2 {
        apply_to(&pool, &[Projection::AuditJobs], &h.events).await;
        let mut tx = pool.begin().await.expect("begin");
        Projection::AuditActions
            .apply(&mut tx, &actions())
            .await
            .expect("actions apply");
        tx.commit().await.expect("commit");
    }
    (pg, pool)
}

#[tokio::test]
async fn every_message_is_one_chained_row_and_the_chain_verifies() {
    let (_pg, pool) = seeded().await;
    let rows: Vec<RowSummary> = sqlx::query_as(
        "SELECT seq, source, stream_seq, tenant, actor, action, job_id, prev_hash
             FROM audit_log ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .expect("rows");
    assert_eq!(rows.len(), 7, "one row per message, redeliveries skipped");
    assert_eq!(rows[0].7, GENESIS_HASH);
    assert_eq!(
        (rows[5].1.as_str(), rows[5].3.as_str(), rows[5].5.as_str()),
        ("audit_actions", "acme", "AccessDenied")
    );
    assert_eq!(rows[6].5, "ApiKeyIssued");
    assert_eq!(rows[6].6, None, "an admin action belongs to no job");
    assert_eq!(rows[2].6.as_deref(), Some("a"));
    assert_eq!(checkpoint(&pool, "audit_jobs").await.expect("cp"), 5);
    assert_eq!(checkpoint(&pool, "audit_actions").await.expect("cp"), 2);

    let verdict = verify_chain(&pool).await.expect("verifies");
    let head: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 7")
        .fetch_one(&pool)
        .await
        .expect("head");
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(
        (verdict.rows_checked, verdict.head_seq, verdict.head_hash),
        (7, 7, head)
    );
}

#[tokio::test]
async fn updates_deletes_and_truncates_are_refused_by_the_trigger() {
    let (_pg, pool) = seeded().await;
    for statement in [
        "UPDATE audit_log SET actor = 'key:forged' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
        "TRUNCATE audit_log",
    ] {
        let err = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect_err(statement);
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    let verdict = verify_chain(&pool).await.expect("verifies");
    assert!(verdict.ok && verdict.rows_checked == 7, "{verdict:?}");
}

#[tokio::test]
async fn a_row_altered_by_a_superuser_with_the_trigger_disabled_is_named() {
    let (_pg, pool) = seeded().await;
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .expect("superuser disables triggers");
    sqlx::query("UPDATE audit_log SET details = '{\"forged\": true}' WHERE seq = 4")
        .execute(&mut *tx)
        .await
        .expect("the update goes through");
    tx.commit().await.expect("commit");

    let verdict = verify_chain(&pool).await.expect("verifies");
    assert!(!verdict.ok);
    assert_eq!(verdict.first_broken_seq, Some(4));
    assert!(verdict.reason.contains("seq 4"), "{}", verdict.reason);
    assert!(verdict.reason.contains("altered"), "{}", verdict.reason);
    assert_eq!(verdict.head_seq, 3, "the last good row");
}

#[tokio::test]
async fn a_deleted_row_is_named_as_a_gap() {
    let (_pg, pool) = seeded().await;
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete")
        .execute(&mut *tx)
        .await
        .expect("superuser disables the trigger");
    sqlx::query("DELETE FROM audit_log WHERE seq = 5")
        .execute(&mut *tx)
        .await
        .expect("delete");
    tx.commit().await.expect("commit");
    let verdict = verify_chain(&pool).await.expect("verifies");
    assert_eq!(verdict.first_broken_seq, Some(6), "{verdict:?}");
    assert!(
        verdict.reason.contains("rows 5..5 are missing"),
        "{}",
        verdict.reason
    );
}

#[tokio::test]
async fn retention_deletes_with_its_setting_and_verification_starts_at_the_anchor() {
    let (_pg, pool) = seeded().await;
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SET LOCAL jetcrawl.audit_retention = 'on'")
        .execute(&mut *tx)
        .await
        .expect("setting");
    sqlx::query(
        "WITH gone AS (DELETE FROM audit_log WHERE seq <= 3 RETURNING seq, hash)
         INSERT INTO audit_anchor (id, seq, hash)
         SELECT true, seq, hash FROM gone ORDER BY seq DESC LIMIT 1
         ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
    )
    .execute(&mut *tx)
    .await
    .expect("retention removes and anchors");
    tx.commit().await.expect("commit");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 4);

    let verdict = verify_chain(&pool).await.expect("verifies");
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(
        (verdict.anchor_seq, verdict.rows_checked, verdict.head_seq),
        (3, 4, 7)
    );

    // New rows chain on after the head, and the chain still verifies.
    let mut more = History::new();
    more.next_seq = 6;
    more.push("c", "acme", T0 + 100, submitted("https://c.example/"));
    apply_to(&pool, &[Projection::AuditJobs], &more.events).await;
    let verdict = verify_chain(&pool).await.expect("verifies");
    assert!(verdict.ok && verdict.head_seq == 8, "{verdict:?}");
}

#[tokio::test]
async fn queries_filter_and_page_in_chain_order() {
    let (_pg, pool) = seeded().await;
    let tenant = |t: &str| AuditFilter {
        tenants: vec![t.into()],
        ..Default::default()
    };
    let seqs = |rows: &[jetcrawl_projections::audit::AuditRow]| {
        rows.iter().map(|r| r.seq).collect::<Vec<_>>()
    };
    let (rows, next) = query_audit_log(&pool, &tenant("acme"), 0, None)
        .await
        .expect("query");
    assert_eq!((seqs(&rows), next), (vec![1, 3, 4, 6], None));
    for (filter, want) in [
        (
            AuditFilter {
                job_id: Some("a".into()),
                ..tenant("acme")
            },
            vec![1, 3, 4],
        ),
        (
            AuditFilter {
                action: Some("AccessDenied".into()),
                ..tenant("acme")
            },
            vec![6],
        ),
        (
            AuditFilter {
                actor: Some("operator:root".into()),
                ..tenant("globex")
            },
            vec![7],
        ),
        (
            AuditFilter {
                since: Some(at(T0 + 20)),
                until: Some(at(T0 + 50)),
                ..tenant("acme")
            },
            vec![3, 4],
        ),
        (
            AuditFilter {
                tenants: vec!["acme".into(), "globex".into()],
                ..Default::default()
            },
            vec![1, 2, 3, 4, 5, 6, 7],
        ),
        (tenant("initech"), vec![]),
    ] {
        let (rows, _) = query_audit_log(&pool, &filter, 0, None)
            .await
            .expect("query");
        assert_eq!(seqs(&rows), want, "{filter:?}");
    }

    let both = AuditFilter {
        tenants: vec!["acme".into(), "globex".into()],
        ..Default::default()
    };
    let mut token = None;
    let mut paged = Vec::new();
    loop {
        let (rows, next) = query_audit_log(&pool, &both, 3, token.as_deref())
            .await
            .expect("page");
        assert!(rows.len() <= 3);
        paged.extend(seqs(&rows));
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(paged, vec![1, 2, 3, 4, 5, 6, 7]);
    let err = query_audit_log(&pool, &both, 3, Some("garbage"))
        .await
        .expect_err("bad token");
    assert!(err.to_string().contains("next_page_token"), "{err}");
    let err = query_audit_log(&pool, &AuditFilter::default(), 0, None)
        .await
        .expect_err("no tenant");
    assert!(err.to_string().contains("filter.tenant"), "{err}");
}

#[tokio::test]
async fn a_browser_tool_call_is_a_row_of_its_tenant_with_the_origin_only() {
    let (_pg, pool) = database().await;
    let mut call = new_action(
        "acme",
        "key:client1",
        "",
        Action::BrowserToolCalled(BrowserToolCalled {
            session_id: "5f0c6a2e-1d3b-4c6e-9a7f-2b8d4e6f8a10".into(),
            tool: "navigate".into(),
            outcome: "refused".into(),
            error_class: "robots_disallowed".into(),
            origin: "https://shop.example:8443".into(),
            worker_id: "w1".into(),
            duration_ms: 412,
            transport: "http".into(),
        }),
    );
    call.occurred_at = Some(prost_types::Timestamp {
        seconds: T0 + 70,
        nanos: 0,
    });
    let mut message = raw(1, "audit.browser_tool.acme", encode_action(&call).to_vec());
    message.envelope_header = ENVELOPE.to_owned();
    let mut tx = pool.begin().await.expect("begin");
    Projection::AuditActions
        .apply(&mut tx, &[message])
        .await
        .expect("the call applies");
    tx.commit().await.expect("commit");

    let filter = AuditFilter {
        tenants: vec!["acme".into()],
        action: Some("BrowserToolCalled".into()),
        ..Default::default()
    };
    let (rows, _) = query_audit_log(&pool, &filter, 0, None)
        .await
        .expect("query");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(
        (
            row.source.as_str(),
            row.tenant.as_str(),
            row.actor.as_str(),
            row.job_id.as_deref(),
            row.occurred_at,
        ),
        ("audit_actions", "acme", "key:client1", None, at(T0 + 70))
    );
    assert_eq!(
        row.details,
        serde_json::json!({
            "session_id": "5f0c6a2e-1d3b-4c6e-9a7f-2b8d4e6f8a10",
            "tool": "navigate",
            "outcome": "refused",
            "error_class": "robots_disallowed",
            "origin": "https://shop.example:8443",
            "worker_id": "w1",
            "duration_ms": 412,
            "transport": "http",
        })
    );
    let verdict = verify_chain(&pool).await.expect("verifies");
    assert!(verdict.ok && verdict.rows_checked == 1, "{verdict:?}");
}
