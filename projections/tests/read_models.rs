//! The read models beyond `jobs`: attempts, usage per day and month, per-domain stats,
//! ack latency and duration. Each is folded per batch, so however the stream is cut into
//! batches (and however often a batch is redelivered) the tables come out the same.

use crate::support::*;
use jetcrawl_projections::{Projection, checkpoint};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{JobDeferred, JobReplayed, WebhookDelivered};
use sqlx::PgPool;

/// job, attempt, outcome, error class, duration.
type AttemptSummary = (String, i32, String, Option<String>, Option<i64>);
/// tenant, day, then eight counters.
type DailyUsage = (String, String, i64, i64, i64, i64, i64, i64, i64, i64);

/// 2026-01-31 23:59:00 UTC: the history crosses a day and a month boundary.
const T0: i64 = 1_769_903_940;

fn deferred() -> Payload {
    Payload::JobDeferred(JobDeferred {
        reason: "crawl-delay of a.example".into(),
        ..Default::default()
    })
}

fn history() -> History {
    let mut h = History::new();
    h.push("a", "acme", T0, submitted("https://a.example/x?q=1"))
        .push("b", "acme", T0 + 1, submitted("https://B.example/"))
        .push("c", "globex", T0 + 2, submitted("https://a.example/y"))
        .push("a", "acme", T0 + 3, deferred())
        .push("a", "acme", T0 + 10, started(1))
        .push("b", "acme", T0 + 11, started(1))
        .push("b", "acme", T0 + 12, attempt_failed(1, true))
        // Past midnight: 2026-02-01.
        .push("b", "acme", T0 + 70, started(2))
        .push("a", "acme", T0 + 71, succeeded(1))
        .push("b", "acme", T0 + 72, attempt_failed(2, false))
        .push("b", "acme", T0 + 72, failed(2))
        .push("c", "globex", T0 + 80, started(1))
        // c's worker vanished: a new attempt starts while the first is open.
        .push("c", "globex", T0 + 200, started(2))
        .push("c", "globex", T0 + 205, succeeded(2))
        .push(
            "a",
            "acme",
            T0 + 300,
            Payload::WebhookDelivered(WebhookDelivered {
                webhook_id: "w".into(),
                attempt: 1,
                status_code: 200,
                ..Default::default()
            }),
        )
        .push(
            "b",
            "acme",
            T0 + 400,
            Payload::JobReplayed(JobReplayed {
                by: "key:admin".into(),
                reason: "retry".into(),
            }),
        );
    h
}

/// Every read-model table, as text rows in a stable order.
async fn tables(pool: &PgPool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (table, order) in [
        ("jobs", "job_id"),
        ("job_attempts", "job_id, started_seq"),
        ("tenant_usage_daily", "tenant, day"),
        ("tenant_usage_monthly", "tenant, month"),
        ("domain_stats", "tenant, domain, day"),
        ("job_domains", "job_id"),
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT row_to_json(t)::text FROM {table} t ORDER BY {order}"
        )))
        .fetch_all(pool)
        .await
        .expect("rows");
        out.push(rows);
    }
    out
}

#[tokio::test]
async fn attempts_usage_and_domain_stats_follow_the_stream() {
    let (_pg, pool) = database().await;
    let h = history();
    apply_to(&pool, &Projection::READ_MODELS, &h.events).await;

    let attempts: Vec<AttemptSummary> = sqlx::query_as(
        "SELECT job_id, attempt, outcome, error_class, duration_ms FROM job_attempts
         ORDER BY job_id, started_seq",
    )
    .fetch_all(&pool)
    .await
    .expect("attempts");
    let want = [
        ("a", 1, "succeeded", None, Some(61_000)),
        ("b", 1, "failed", Some("http_5xx"), Some(1_000)),
        ("b", 2, "failed", Some("http_5xx"), Some(2_000)),
        ("c", 1, "lost", Some("worker_lost"), Some(120_000)),
        ("c", 2, "succeeded", None, Some(5_000)),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(j, n, o, e, d)| (j.to_string(), *n, o.to_string(), e.map(str::to_owned), *d))
        .collect();
    assert_eq!(attempts, want);

    let daily: Vec<DailyUsage> = sqlx::query_as(
        "SELECT tenant, day::text, submitted, attempts, retries, succeeded, failed, deferrals,
                webhooks_delivered, replayed
         FROM tenant_usage_daily ORDER BY tenant, day",
    )
    .fetch_all(&pool)
    .await
    .expect("daily");
    let row = |t: &str, d: &str, v: [i64; 8]| {
        (
            t.to_owned(),
            d.to_owned(),
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            v[6],
            v[7],
        )
    };
    assert_eq!(
        daily,
        [
            row("acme", "2026-01-31", [2, 2, 0, 0, 0, 1, 0, 0]),
            row("acme", "2026-02-01", [0, 1, 1, 1, 1, 0, 1, 1]),
            row("globex", "2026-01-31", [1, 0, 0, 0, 0, 0, 0, 0]),
            row("globex", "2026-02-01", [0, 2, 1, 1, 0, 0, 0, 0]),
        ]
    );
    let monthly: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT tenant, month::text, submitted, attempts FROM tenant_usage_monthly
         ORDER BY tenant, month",
    )
    .fetch_all(&pool)
    .await
    .expect("monthly");
    assert_eq!(
        monthly,
        [
            ("acme".into(), "2026-01-01".into(), 2, 2),
            ("acme".into(), "2026-02-01".into(), 0, 1),
            ("globex".into(), "2026-01-01".into(), 1, 0),
            ("globex".into(), "2026-02-01".into(), 0, 2),
        ]
    );

    let domains: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT tenant, domain, sum(requests)::int8, sum(succeeded)::int8, sum(errors)::int8,
                sum(deferrals)::int8
         FROM domain_stats GROUP BY tenant, domain ORDER BY tenant, domain",
    )
    .fetch_all(&pool)
    .await
    .expect("domains");
    assert_eq!(
        domains,
        [
            ("acme".into(), "a.example".into(), 1, 1, 0, 1),
            ("acme".into(), "b.example".into(), 2, 0, 2, 0),
            ("globex".into(), "a.example".into(), 2, 1, 0, 0),
        ]
    );

    let jobs: Vec<(String, Option<f64>, Option<i64>)> =
        sqlx::query_as("SELECT job_id, ack_latency_ms, duration_ms FROM jobs ORDER BY job_id")
            .fetch_all(&pool)
            .await
            .expect("jobs");
    assert_eq!(
        jobs,
        [
            ("a".into(), Some(1000.0), Some(71_000)),
            // Replayed: running again, so no duration until it ends.
            ("b".into(), Some(1000.0), None),
            ("c".into(), Some(1000.0), Some(203_000)),
        ],
        "ack latency is stored time minus occurred_at; duration from submit to the end"
    );
    for projection in Projection::READ_MODELS {
        assert_eq!(
            checkpoint(&pool, projection.name()).await.expect("cp"),
            h.events.len() as u64
        );
    }
}

#[tokio::test]
async fn any_cut_into_batches_and_any_redelivery_gives_the_same_tables() {
    let h = history();
    let (_pg, whole) = database().await;
    apply_to(&whole, &Projection::READ_MODELS, &h.events).await;
    let expected = tables(&whole).await;
    assert!(expected.iter().all(|t| !t.is_empty()), "{expected:?}");

    let (_pg2, cut) = database().await;
    let n = h.events.len();
    // Overlapping batches: each one redelivers part of the previous one.
    for (start, end) in [(0, 3), (1, 7), (7, 8), (5, 12), (12, n), (0, n)] {
        apply_to(&cut, &Projection::READ_MODELS, &h.events[start..end]).await;
    }
    assert_eq!(tables(&cut).await, expected);
}
