//! Done means 4: with short test settings, `jetcrawl retention run` (the CLI, through a
//! running notifier) removes expired results and audit and log rows, leaves 0 overdue
//! records, records the run in `retention_runs` and as a `RetentionRun` event, and the
//! trimmed audit chain still verifies from its anchor.

use std::time::Duration;

use jetcrawl_proto::v1::JobState;
use jetcrawl_tests::stack::CLI_BIN;
use serde_json::Value;

use crate::rgpd::support::{Platform, http_spec};

const RETENTION_SECS: u64 = 4;

#[tokio::test(flavor = "multi_thread")]
async fn a_retention_run_leaves_nothing_overdue_and_records_itself() -> anyhow::Result<()> {
    let p = Platform::start().await?;
    let secs = RETENTION_SECS.to_string();
    let notifier = p
        .stack
        .spawn_notifier(&[
            ("JETCRAWL_DATABASE_URL", p.stack.database_url().as_str()),
            ("JETCRAWL_DEV_AUDIT_RETENTION_SECS", secs.as_str()),
            ("JETCRAWL_DEV_RESULTS_RETENTION_SECS", secs.as_str()),
            // Only the run asked for below: the schedule and the purge wait for an hour.
            ("JETCRAWL_RETENTION_INTERVAL_MS", "3600000"),
            ("JETCRAWL_RESULTS_PURGE_INTERVAL_MS", "3600000"),
        ])
        .await?;
    let job = p
        .submit(http_spec(p.stack.site.url("/static"), "", ""))
        .await?;
    let done = p.finished(&job).await?;
    assert_eq!(done.state, JobState::Succeeded as i32, "{done:?}");
    p.projected(&job, done.last_sequence).await?;
    let pool = p.stack.pg_pool().await?;
    jetcrawl_tests::eventually(Duration::from_secs(30), || {
        let (pool, job) = (pool.clone(), job.clone());
        async move {
            let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE job_id = $1")
                .bind(&job)
                .fetch_one(&pool)
                .await?;
            anyhow::ensure!(
                rows >= 3,
                "the job's events are not all audit rows yet ({rows})"
            );
            Ok(())
        }
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(RETENTION_SECS + 1)).await;

    let report = run_cli(&p, &["--output", "json", "retention", "run"]).await?;
    let removals = report["removals"].as_array().cloned().unwrap_or_default();
    let removed = |category: &str| {
        removals
            .iter()
            .find(|r| r["category"] == category)
            .map(|r| {
                (
                    r["removed"].as_u64().unwrap_or(0),
                    r["overdue_after"].as_u64(),
                )
            })
    };
    assert_eq!(report["error"], "", "{report}");
    assert_eq!(report["trigger"], "manual");
    // What the retention-overdue alert watches.
    let succeeded = jetcrawl_tests::scrape::metric_value(
        &notifier.metrics_url,
        "jetcrawl_retention_last_success_timestamp_seconds",
    )
    .await?;
    let now = chrono::Utc::now().timestamp() as f64;
    assert!(
        succeeded.is_some_and(|at| (now - 60.0..=now + 1.0).contains(&at)),
        "the run's success is exported: {succeeded:?} (now {now})"
    );
    for category in ["results", "audit_log", "job_events", "retention_runs"] {
        let (count, overdue) =
            removed(category).unwrap_or_else(|| panic!("{category} in {report}"));
        assert_eq!(
            overdue,
            Some(0),
            "{category} overdue after the run: {report}"
        );
        if category != "retention_runs" {
            assert!(count > 0, "{category} removed nothing: {report}");
        }
    }

    // 0 overdue, measured independently of the job's own report.
    let cutoff = format!("now() - interval '{RETENTION_SECS} seconds'");
    for (table, column) in [("audit_log", "occurred_at"), ("job_events", "occurred_at")] {
        let sql = format!("SELECT count(*) FROM {table} WHERE {column} < {cutoff}");
        let overdue: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&pool)
            .await?;
        assert_eq!(overdue, 0, "{table} rows still overdue");
    }
    let request = jetcrawl_proto::v1::GetResultRequest {
        job_id: job.clone(),
        ttl_seconds: 0,
    };
    let gone = p.jobs().await?.get_result(request).await;
    assert!(gone.is_err(), "the result is gone: {gone:?}");

    // Recorded: the row, and its event on AUDIT_ACTIONS folded into the audit log.
    let run_id = report["run_id"].as_str().unwrap_or_default().to_owned();
    let (total, event_seq): (i64, Option<i64>) =
        sqlx::query_as("SELECT total_removed, event_seq FROM retention_runs WHERE run_id = $1")
            .bind(&run_id)
            .fetch_one(&pool)
            .await?;
    assert!(
        total > 0 && event_seq.unwrap_or(0) > 0,
        "{total} {event_seq:?}"
    );
    jetcrawl_tests::eventually(Duration::from_secs(30), || {
        let (pool, run_id) = (pool.clone(), run_id.clone());
        async move {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM audit_log WHERE action = 'RetentionRun' AND details->>'run_id' = $1",
            )
            .bind(&run_id)
            .fetch_one(&pool)
            .await?;
            anyhow::ensure!(n == 1, "RetentionRun not audited yet");
            Ok(())
        }
    })
    .await?;
    let verdict = jetcrawl_projections::audit::verify_chain(&pool).await?;
    assert!(verdict.ok, "{verdict:?}");
    assert!(
        verdict.anchor_seq > 0,
        "verification starts at the anchor: {verdict:?}"
    );
    Ok(())
}

/// Runs the `jetcrawl` CLI against the platform and parses its JSON output.
async fn run_cli(p: &Platform, args: &[&str]) -> anyhow::Result<Value> {
    let bin = jetcrawl_tests::target_dir::binary_path(CLI_BIN)?;
    let run = tokio::process::Command::new(bin)
        .args(args)
        .env("JETCRAWL_NATS_URL", p.stack.nats_url())
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), run).await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "jetcrawl {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_str(stdout.trim())?)
}
