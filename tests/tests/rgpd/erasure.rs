//! Done means 3: before erasure the subject's URL is readable (GetJob, the access
//! export) but stored only sealed; after EraseSubject it appears nowhere — not in a
//! `pg_dump`, not in any stream, object store or KV message — its jobs read `[erased]`,
//! its results are gone, its key has no revision left, a queued job of it fails cleanly,
//! and the audit chain still verifies. The export lists the subject's jobs and nothing
//! else.

use std::time::Duration;

use jetcrawl_privacy::{ERASED, SubjectKeys};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    DataSubjectRequest, EraseSubjectRequest, ExportSubjectDataRequest, JobState,
};
use jetcrawl_tests::eventually;
use serde_json::Value;

use crate::rgpd::dump::{all_stream_messages, pg_dump};
use crate::rgpd::support::{Platform, http_spec};

#[tokio::test(flavor = "multi_thread")]
async fn an_erased_subject_leaves_no_plaintext_and_the_chain_still_verifies() -> anyhow::Result<()>
{
    let mut p = Platform::start().await?;
    let tag = uuid_tag();
    let alice = format!("alice-{tag}");
    let secret_a = format!("token-a-{tag}");
    let secret_b = format!("token-b-{tag}");
    let secret_bob = format!("token-bob-{tag}");
    let hook = p.stack.site.url(&format!("/hook?for={secret_a}"));
    let url_a = p.stack.site.url(&format!("/static?q={secret_a}"));
    let url_b = p.stack.site.url(&format!("/static/2?q={secret_b}"));
    let url_bob = p.stack.site.url(&format!("/static?q={secret_bob}"));
    let a = p.submit(http_spec(url_a.clone(), &alice, &hook)).await?;
    let b = p.submit(http_spec(url_b.clone(), &alice, "")).await?;
    let bob = p
        .submit(http_spec(url_bob.clone(), &format!("bob-{tag}"), ""))
        .await?;
    for job in [&a, &b, &bob] {
        let done = p.finished(job).await?;
        assert_eq!(done.state, JobState::Succeeded as i32, "{done:?}");
    }

    // Readable through the API, sealed in storage.
    let job_a = p.get(&a).await?;
    let spec = job_a.spec.clone().unwrap_or_default();
    assert_eq!(
        (spec.urls.clone(), spec.data_subject.clone()),
        (vec![url_a.clone()], alice.clone())
    );
    assert_eq!(spec.webhook_url, hook);
    assert!(!job_a.personal_data_erased);
    // Results (the object store) hold the page's URL in clear until erasure removes
    // them; events, projections and keys never do.
    let (_, stored) = all_stream_messages(&p.stack).await?;
    assert!(stored.contains("sealed:v1:"), "specs are sealed");
    for line in stored.lines().filter(|l| !l.starts_with("OBJ_RESULTS ")) {
        for plain in [&secret_a, &secret_b, &alice] {
            assert!(
                !line.contains(plain.as_str()),
                "{plain} stored in clear: {line:.300}"
            );
        }
    }

    // A queued job of the subject: no worker runs it before the erasure.
    let worker = p.worker.take().expect("worker");
    drop(worker);
    let queued = p.submit(http_spec(url_a.clone(), &alice, "")).await?;
    let queued_seq = p.get(&queued).await?.last_sequence;
    for (job, seq) in [(&a, job_a.last_sequence), (&queued, queued_seq)] {
        p.projected(job, seq).await?;
    }

    // The access export: exactly alice's jobs, decrypted.
    let auditor_export = export(&p, &alice).await?;
    let exported: Vec<&str> = auditor_export["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j["job_id"].as_str())
        .collect();
    let mut want = vec![a.as_str(), b.as_str(), queued.as_str()];
    want.sort();
    let mut got = exported.clone();
    got.sort();
    assert_eq!(got, want, "the export lists alice's jobs and no other");
    let text = auditor_export.to_string();
    assert!(
        text.contains(&secret_a) && text.contains(&secret_b),
        "decrypted URLs exported"
    );
    assert!(
        !text.contains(&secret_bob) && !text.contains(&bob),
        "nothing about bob"
    );
    assert!(
        text.contains(&format!("{a}/result.json")),
        "result refs exported"
    );

    // Erase alice.
    let erased = p
        .audit(&p.admin_key)
        .await?
        .erase_subject(EraseSubjectRequest {
            data_subject: alice.clone(),
            reason: "subject request #1".into(),
            // The request answered, for the monthly report's deadline check.
            request: Some(DataSubjectRequest {
                reference: "DSR-1".into(),
                received_at: Some(prost_types::Timestamp {
                    seconds: 1_796_000_000,
                    nanos: 0,
                }),
            }),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(erased.key_existed);
    assert_eq!(erased.job_ids.len(), 3, "{erased:?}");
    assert!(
        erased.objects_deleted >= 2,
        "both results deleted: {erased:?}"
    );

    // Everywhere [erased]; the queued job fails cleanly once a worker picks it up.
    let after = p.get(&a).await?;
    let spec = after.spec.clone().unwrap_or_default();
    assert_eq!(
        (spec.urls[0].as_str(), spec.data_subject.as_str()),
        (ERASED, ERASED)
    );
    assert!(after.personal_data_erased);
    // No download URL to an erased result, and the answer says erasure, not retention.
    let request = jetcrawl_proto::v1::GetResultRequest {
        job_id: a.clone(),
        ttl_seconds: 0,
    };
    let refused = p
        .jobs()
        .await?
        .get_result(request)
        .await
        .expect_err("no URL to an erased result");
    assert_eq!(refused.code(), tonic::Code::NotFound, "{refused:?}");
    assert!(
        refused.message().contains("erased") && !refused.message().contains("retention"),
        "{}",
        refused.message()
    );
    assert!(p.get(&bob).await?.spec.unwrap_or_default().urls[0].contains(&secret_bob));

    // The CLI records the request an export answers; a receipt in the future is a
    // usage error naming the field, and nothing is exported.
    let bin = jetcrawl_tests::target_dir::binary_path(jetcrawl_tests::stack::CLI_BIN)?;
    let out_file = tempfile::NamedTempFile::new()?;
    let cli = |received: &str| {
        std::process::Command::new(&bin)
            .args(["--gateway", &p.gateway.grpc_url, "--api-key", &p.admin_key])
            .args([
                "subjects",
                "export",
                &format!("bob-{tag}"),
                "--reference",
                "DSR-2",
            ])
            .args(["--received", received, "--out"])
            .arg(out_file.path())
            .output()
    };
    let future = cli("2999-01-01")?;
    let stderr = String::from_utf8_lossy(&future.stderr);
    assert_eq!(future.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("request.received_at"), "{stderr}");
    let done = cli("2026-11-30")?;
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let pool = p.stack.pg_pool().await?;
    let exported = eventually(Duration::from_secs(30), || {
        let pool = pool.clone();
        async move {
            let details: Option<String> = sqlx::query_scalar(
                "SELECT details::text FROM audit_log WHERE action = 'SubjectDataExported' \
                 AND details->'request'->>'reference' = 'DSR-2'",
            )
            .fetch_optional(&pool)
            .await?;
            details.ok_or_else(|| anyhow::anyhow!("the export is not audited yet"))
        }
    })
    .await?;
    let exported: Value = serde_json::from_str(&exported)?;
    assert_eq!(
        exported["request"],
        serde_json::json!({"reference": "DSR-2", "received_at": "2026-11-30T00:00:00+00:00"}),
        "{exported}"
    );
    p.worker = Some(p.stack.spawn_worker(&[]).await?);
    let failed = p.finished(&queued).await?;
    assert_eq!(failed.state, JobState::Failed as i32, "{failed:?}");
    let failure = failed.failure.unwrap_or_default();
    assert_eq!(failure.error_class, "invalid_spec");
    assert!(failure.message.contains("erased"), "{}", failure.message);

    // Nothing left in clear: every stream (JOBS, AUDIT_ACTIONS, objects, KV) and Postgres.
    let erased_record = wait_audited(&p, "SubjectErased").await?;
    assert!(
        erased_record.contains(&erased.subject_ref),
        "{erased_record}"
    );
    let recorded: serde_json::Value = serde_json::from_str(&erased_record)?;
    assert_eq!(
        recorded["request"],
        serde_json::json!({"reference": "DSR-1", "received_at": "2026-11-30T00:53:20+00:00"}),
        "the request answered is on the audit row"
    );
    let (streams, stored) = all_stream_messages(&p.stack).await?;
    for needed in ["JOBS", "AUDIT_ACTIONS", "OBJ_RESULTS", "KV_SUBJECT_KEYS"] {
        assert!(
            streams.iter().any(|s| s == needed),
            "{needed} read: {streams:?}"
        );
    }
    let dump = pg_dump(&p.stack)?;
    assert!(
        dump.contains("COPY public.audit_log"),
        "the dump holds the audit log"
    );
    for plain in [&secret_a, &secret_b, &alice, &url_a] {
        assert!(
            !stored.contains(plain.as_str()),
            "{plain} still in a stream"
        );
        assert!(!dump.contains(plain.as_str()), "{plain} still in pg_dump");
    }
    assert!(dump.contains(ERASED), "the read model shows [erased]");
    let verdict = jetcrawl_projections::audit::verify_chain(&p.stack.pg_pool().await?).await?;
    assert!(verdict.ok, "{verdict:?}");

    // No revision of the key survives: only the purge marker, without a value.
    let (_client, js) = jetcrawl_streams::connect(&p.stack.nats_url(), "rgpd-keys").await?;
    let keys = SubjectKeys::open(&js).await?;
    let reference = jetcrawl_privacy::SubjectRef::parse(&erased.subject_ref).expect("ref");
    let revisions = keys.stored_revisions("e2e", &reference).await?;
    assert_eq!(revisions.len(), 1, "{revisions:?}");
    assert_eq!(revisions[0].1, 0, "the purge marker holds no key material");
    assert!(p.get(&a).await.is_ok());
    let history = p.history_types(&a).await?;
    assert!(
        !history.iter().any(|t| t == "ResultExpired"),
        "erasure is not retention"
    );
    Ok(())
}

async fn export(p: &Platform, subject: &str) -> anyhow::Result<Value> {
    let auditor = p
        .stack
        .mint_api_key("e2e", jetcrawl_gateway::auth::Role::Auditor)
        .await?;
    let done = p
        .audit(&auditor)
        .await?
        .export_subject_data(ExportSubjectDataRequest {
            data_subject: subject.to_owned(),
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok(serde_json::from_slice(&done.json)?)
}

/// Waits for the audit projection to fold an `action` row; returns its details.
async fn wait_audited(p: &Platform, action: &str) -> anyhow::Result<String> {
    let pool = p.stack.pg_pool().await?;
    eventually(Duration::from_secs(30), || {
        let pool = pool.clone();
        let action = action.to_owned();
        async move {
            let details: Option<String> = sqlx::query_scalar(
                "SELECT details::text FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(&action)
            .fetch_optional(&pool)
            .await?;
            details.ok_or_else(|| anyhow::anyhow!("no {action} row yet"))
        }
    })
    .await
}

fn uuid_tag() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    )
}

impl Platform {
    async fn history_types(&self, job_id: &str) -> anyhow::Result<Vec<String>> {
        let (_client, js) =
            jetcrawl_streams::connect(&self.stack.nats_url(), "rgpd-history").await?;
        let history = jetcrawl_streams::EventStore::open(js)
            .await?
            .history(job_id)
            .await?;
        Ok(history
            .iter()
            .filter(|e| !matches!(e.payload(), Some(Payload::JobSubmitted(_))))
            .map(|e| e.event.event_type.clone())
            .collect())
    }
}
