//! A month of known activity, written straight into the read models (`job_events`,
//! `jobs`) and the audit log, so every expected figure can be computed by hand:
//!
//! - tenant `acme`: jobs 1..=100, job i submitted at start + i h with ACK latency i ms;
//!   1..=80 succeed and 81..=90 fail (dead-lettered: 81..=85), each i s after submit;
//!   81..=90 retried once; 91..=95 cancelled; 96..=100 still queued; 1..=4 deferred;
//!   91..=93 denied by robots.txt; webhooks of 1..=10: 9 delivered (job 9 on its second
//!   attempt), job 10 failed for good. Domains: a.example (1..=60), b.example (61..=90),
//!   c.example (91..=100). Two edge jobs: one submitted 1 s before the month that
//!   succeeds 1 s into it (2 s), one submitted 1 ms before the month ends that succeeds
//!   after it.
//! - tenant `globex`: 10 jobs on day 20, ACK latency 1001..=1010 ms, each succeeding
//!   after 500 ms.
//! - audit log: 2 erasures and 1 access export of acme and 1 retention run in the month,
//!   1 erasure after it.

use chrono::{DateTime, Duration, Utc};
use jetcrawl_reporter::Month;
use serde_json::{Value, json};
use sqlx::PgPool;

struct Event {
    job: String,
    tenant: &'static str,
    kind: &'static str,
    at: DateTime<Utc>,
    payload: Value,
}

struct JobRow {
    job: String,
    tenant: &'static str,
    status: &'static str,
    domain: &'static str,
    submitted: DateTime<Utc>,
    ack_ms: Option<f64>,
}

#[derive(Default)]
struct Seed {
    events: Vec<Event>,
    jobs: Vec<JobRow>,
}

impl Seed {
    fn event(
        &mut self,
        job: &str,
        tenant: &'static str,
        kind: &'static str,
        at: DateTime<Utc>,
        payload: Value,
    ) {
        self.events.push(Event {
            job: job.to_owned(),
            tenant,
            kind,
            at,
            payload,
        });
    }

    fn job(
        &mut self,
        job: &str,
        tenant: &'static str,
        status: &'static str,
        domain: &'static str,
        submitted: DateTime<Utc>,
        ack_ms: Option<f64>,
    ) {
        self.jobs.push(JobRow {
            job: job.to_owned(),
            tenant,
            status,
            domain,
            submitted,
            ack_ms,
        });
        self.event(job, tenant, "JobSubmitted", submitted, json!({}));
    }
}

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

fn acme(seed: &mut Seed, start: DateTime<Utc>) {
    for i in 1..=100_i64 {
        let job = format!("acme-{i}");
        let at = start + Duration::hours(i);
        let status = match i {
            1..=80 => "succeeded",
            81..=90 => "failed",
            91..=95 => "cancelled",
            _ => "queued",
        };
        let domain = match i {
            1..=60 => "a.example",
            61..=90 => "b.example",
            _ => "c.example",
        };
        seed.job(&job, "acme", status, domain, at, Some(i as f64));
        if i <= 4 {
            seed.event(
                &job,
                "acme",
                "JobDeferred",
                at + ms(50),
                json!({"reason": "crawl-delay"}),
            );
        }
        if (91..=93).contains(&i) {
            seed.event(&job, "acme", "RobotsDisallowed", at + ms(60), json!({}));
        }
        if i <= 90 {
            seed.event(
                &job,
                "acme",
                "JobStarted",
                at + ms(100),
                json!({"attempt": 1}),
            );
        }
        if (81..=90).contains(&i) {
            seed.event(
                &job,
                "acme",
                "JobAttemptFailed",
                at + ms(150),
                json!({"attempt": 1, "retryable": true}),
            );
            seed.event(
                &job,
                "acme",
                "JobStarted",
                at + ms(200),
                json!({"attempt": 2}),
            );
        }
        let end = at + ms(i * 1000);
        match status {
            "succeeded" => seed.event(&job, "acme", "JobSucceeded", end, json!({"attempt": 1})),
            "failed" => {
                if i <= 85 {
                    seed.event(
                        &job,
                        "acme",
                        "JobDeadLettered",
                        end,
                        json!({"reason": "attempts_exhausted"}),
                    );
                }
                seed.event(&job, "acme", "JobFailed", end, json!({"attempts": 2}));
            }
            "cancelled" => seed.event(&job, "acme", "JobCancelled", at + ms(500), json!({})),
            _ => {}
        }
        if i <= 10 {
            webhooks(seed, &job, i, end);
        }
    }
}

fn webhooks(seed: &mut Seed, job: &str, i: i64, end: DateTime<Utc>) {
    let id = format!("msg_{job}_1");
    let attempt = |n: u32, ok: bool, retrying: bool| {
        if ok {
            json!({"webhook_id": id, "attempt": n, "status_code": 200})
        } else {
            json!({"webhook_id": id, "attempt": n, "status_code": 503, "retrying": retrying})
        }
    };
    match i {
        9 => {
            seed.event(
                job,
                "acme",
                "WebhookFailed",
                end + ms(1000),
                attempt(1, false, true),
            );
            seed.event(
                job,
                "acme",
                "WebhookDelivered",
                end + ms(2000),
                attempt(2, true, false),
            );
        }
        10 => {
            seed.event(
                job,
                "acme",
                "WebhookFailed",
                end + ms(1000),
                attempt(1, false, true),
            );
            seed.event(
                job,
                "acme",
                "WebhookFailed",
                end + ms(2000),
                attempt(2, false, false),
            );
        }
        _ => seed.event(
            job,
            "acme",
            "WebhookDelivered",
            end + ms(1000),
            attempt(1, true, false),
        ),
    }
}

fn edges_and_globex(seed: &mut Seed, month: Month) {
    let before = month.start() - ms(1000);
    seed.job(
        "acme-edge-1",
        "acme",
        "succeeded",
        "edge.example",
        before,
        None,
    );
    seed.event(
        "acme-edge-1",
        "acme",
        "JobSucceeded",
        month.start() + ms(1000),
        json!({}),
    );
    let last = month.end() - ms(1);
    seed.job(
        "acme-edge-2",
        "acme",
        "succeeded",
        "edge.example",
        last,
        None,
    );
    seed.event(
        "acme-edge-2",
        "acme",
        "JobSucceeded",
        month.end(),
        json!({}),
    );
    for i in 1..=10_i64 {
        let job = format!("globex-{i}");
        let at = month.start() + Duration::days(19) + Duration::minutes(i);
        seed.job(
            &job,
            "globex",
            "succeeded",
            "g.example",
            at,
            Some(1000.0 + i as f64),
        );
        seed.event(&job, "globex", "JobSucceeded", at + ms(500), json!({}));
    }
}

/// Writes the month's activity; returns the audit chain's head hash.
pub async fn seed_month(pool: &PgPool, month: Month) -> anyhow::Result<String> {
    let mut seed = Seed::default();
    acme(&mut seed, month.start());
    edges_and_globex(&mut seed, month);
    seed.events.sort_by_key(|e| e.at);
    let mut tx = pool.begin().await?;
    for (n, e) in seed.events.iter().enumerate() {
        sqlx::query(
            "INSERT INTO job_events (stream_seq, job_id, tenant, event_type, schema_version, \
             occurred_at, actor, payload) VALUES ($1, $2, $3, $4, 1, $5, 'seed', $6)",
        )
        .bind(n as i64 + 1)
        .bind(&e.job)
        .bind(e.tenant)
        .bind(e.kind)
        .bind(e.at)
        .bind(&e.payload)
        .execute(&mut *tx)
        .await?;
    }
    for j in &seed.jobs {
        sqlx::query(
            "INSERT INTO jobs (job_id, tenant, status, domain, submitted_at, updated_at, last_seq, \
             ack_latency_ms) VALUES ($1, $2, $3, $4, $5, $5, 0, $6)",
        )
        .bind(&j.job)
        .bind(j.tenant)
        .bind(j.status)
        .bind(j.domain)
        .bind(j.submitted)
        .bind(j.ack_ms)
        .execute(&mut *tx)
        .await?;
    }
    crate::report::seed_audit::audit(&mut tx, month).await?;
    let head: String = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(head)
}
