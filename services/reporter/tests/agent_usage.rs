//! What agent jobs' models spent, from `AgentTurn` and `AgentFinished` rows of
//! `job_events` in a real Postgres: the figures per tenant and in total, and the
//! platform and tenant reports that show them.
//!
//! - `acme`: job a1 fails its first loop (2 turns) and answers on its retry (1 turn); a2
//!   answers (1 turn); a3's loop is cut short (1 turn, no AgentFinished); a turn and an
//!   AgentFinished of a0 fall 1 s before the month.
//! - `globex`: g1 fails its loop (2 turns); a turn of g2 falls at the month's end, which
//!   is not in it.
//! - `initech`: a plain job, no agent.

use chrono::{DateTime, Duration, Utc};
use jetcrawl_local::{Postgres, PostgresOptions};
use jetcrawl_reporter::figures::{AgentUsage, Section};
use jetcrawl_reporter::query::{QueryOptions, month_figures};
use jetcrawl_reporter::scope::{Generation, platform_report, tenant_report};
use jetcrawl_reporter::{Month, generate::render_files};
use serde_json::{Value, json};
use sqlx::PgPool;

/// A sealed model reply: no report may show it.
const RAW_REPLY: &str = "sealed-model-reply-must-not-leak";

struct Row {
    job: &'static str,
    tenant: &'static str,
    kind: &'static str,
    at: DateTime<Utc>,
    payload: Value,
}

fn turn(attempt: u32, entry: u32, prompt: u64, completion: u64) -> Value {
    json!({"attempt": attempt, "entry": entry, "turn": entry, "raw_reply": RAW_REPLY,
        "prompt_tokens": prompt, "completion_tokens": completion, "tools": ["click"]})
}

fn finished(attempt: u32, entry: u32, outcome: &str, turns: u32) -> Value {
    let error_class = if outcome == "failed" {
        "agent_step_limit"
    } else {
        ""
    };
    json!({"attempt": attempt, "entry": entry, "outcome": outcome, "error_class": error_class,
        "turns": turns, "steps": turns, "prompt_tokens": 0, "completion_tokens": 0,
        "duration_ms": 1000})
}

fn step(attempt: u32, entry: u32) -> Value {
    json!({"attempt": attempt, "entry": entry, "turn": 1, "tool": "click", "step": null,
        "outcome": "observed", "error_class": "", "message": "", "observation_chars": 900})
}

fn rows(month: Month) -> Vec<Row> {
    let day = |d: i64, s: i64| month.start() + Duration::days(d) + Duration::seconds(s);
    let row = |job, tenant, kind, at, payload| Row {
        job,
        tenant,
        kind,
        at,
        payload,
    };
    let before = month.start() - Duration::seconds(1);
    vec![
        row(
            "acme-a0",
            "acme",
            "AgentTurn",
            before,
            turn(1, 1, 1000, 1000),
        ),
        row(
            "acme-a0",
            "acme",
            "AgentFinished",
            before,
            finished(1, 2, "answered", 1),
        ),
        row("acme-a1", "acme", "JobSubmitted", day(0, 0), json!({})),
        row(
            "acme-a1",
            "acme",
            "AgentTurn",
            day(0, 1),
            turn(1, 1, 100, 20),
        ),
        row("acme-a1", "acme", "StepExecuted", day(0, 2), step(1, 2)),
        row(
            "acme-a1",
            "acme",
            "AgentTurn",
            day(0, 3),
            turn(1, 3, 150, 30),
        ),
        row(
            "acme-a1",
            "acme",
            "AgentFinished",
            day(0, 4),
            finished(1, 4, "failed", 2),
        ),
        row(
            "acme-a1",
            "acme",
            "AgentTurn",
            day(0, 9),
            turn(2, 1, 120, 25),
        ),
        row(
            "acme-a1",
            "acme",
            "AgentFinished",
            day(0, 10),
            finished(2, 2, "answered", 1),
        ),
        row("acme-a2", "acme", "JobSubmitted", day(3, 0), json!({})),
        row(
            "acme-a2",
            "acme",
            "AgentTurn",
            day(3, 1),
            turn(1, 1, 200, 40),
        ),
        row(
            "acme-a2",
            "acme",
            "AgentFinished",
            day(3, 2),
            finished(1, 2, "answered", 1),
        ),
        row(
            "acme-a3",
            "acme",
            "AgentTurn",
            day(5, 1),
            turn(1, 1, 50, 10),
        ),
        row("globex-g1", "globex", "JobSubmitted", day(9, 0), json!({})),
        row(
            "globex-g1",
            "globex",
            "AgentTurn",
            day(9, 1),
            turn(1, 1, 1000, 300),
        ),
        row(
            "globex-g1",
            "globex",
            "AgentTurn",
            day(9, 2),
            turn(1, 2, 2000, 500),
        ),
        row(
            "globex-g1",
            "globex",
            "AgentFinished",
            day(9, 3),
            finished(1, 3, "failed", 2),
        ),
        row(
            "globex-g2",
            "globex",
            "AgentTurn",
            month.end(),
            turn(1, 1, 7, 7),
        ),
        row("initech-1", "initech", "JobSubmitted", day(1, 0), json!({})),
        row("initech-1", "initech", "JobSucceeded", day(1, 5), json!({})),
    ]
}

async fn seed(pool: &PgPool, month: Month) -> anyhow::Result<()> {
    for (n, r) in rows(month).into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO job_events (stream_seq, job_id, tenant, event_type, schema_version, \
             occurred_at, actor, payload) VALUES ($1, $2, $3, $4, 1, $5, 'seed', $6)",
        )
        .bind(i64::try_from(n)? + 1)
        .bind(r.job)
        .bind(r.tenant)
        .bind(r.kind)
        .bind(r.at)
        .bind(&r.payload)
        .execute(pool)
        .await?;
    }
    Ok(())
}

fn usage(
    jobs: i64,
    answered: i64,
    failed: i64,
    turns: i64,
    prompt: i64,
    completion: i64,
) -> AgentUsage {
    AgentUsage {
        jobs,
        answered,
        failed,
        turns,
        prompt_tokens: prompt,
        completion_tokens: completion,
    }
}

fn tenant<'a>(sections: &'a [Section], name: &str) -> &'a Section {
    sections
        .iter()
        .find(|s| s.tenant.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no section of {name}"))
}

#[tokio::test]
async fn agent_usage_is_counted_per_tenant_and_in_total_and_rendered() {
    let pg = Postgres::start(PostgresOptions::for_tests())
        .await
        .expect("postgres starts");
    let pool = PgPool::connect(&pg.url()).await.expect("connects");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations");
    let month: Month = "2026-10".parse().expect("month");
    seed(&pool, month).await.expect("seeded");

    let figures = month_figures(&pool, month, QueryOptions { top_domains: 3 })
        .await
        .expect("figures");
    let acme = usage(2, 2, 1, 5, 620, 125);
    let globex = usage(1, 0, 1, 2, 3000, 800);
    assert_eq!(figures.tenants["acme"].agent, acme);
    assert_eq!(figures.tenants["globex"].agent, globex);
    assert_eq!(figures.tenants["initech"].agent, AgentUsage::default());
    assert_eq!(figures.overall.agent, usage(3, 2, 2, 7, 3620, 925));

    let generation = Generation {
        month,
        revision: 1,
        generated_at: month.end(),
        generated_by: "system".to_owned(),
    };
    let platform = platform_report(&figures, &generation);
    assert_eq!(tenant(&platform.tenants, "acme").agent, acme);
    let (json, page) = render_files(&platform);
    let json = String::from_utf8(json).expect("utf-8 JSON");
    for shown in [&json, &page] {
        assert!(!shown.contains(RAW_REPLY), "a model reply in the report");
    }
    let parsed: Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed["overall"]["agent"]["prompt_tokens"], 3620);
    assert_eq!(parsed["tenants"][1]["agent"]["completion_tokens"], 800);
    for figure in [
        r#"data-figure="overall.agent.jobs" data-value="3">3<"#,
        r#"data-figure="overall.agent.failed" data-value="2">2<"#,
        r#"data-figure="overall.agent.turns" data-value="7">7<"#,
        r#"data-figure="overall.agent.prompt_tokens" data-value="3620">3620<"#,
        r#"data-figure="overall.agent.completion_tokens" data-value="925">925<"#,
        r#"data-figure="tenant.acme.agent.answered" data-value="2">2<"#,
        r#"data-figure="tenant.acme.agent.prompt_tokens" data-value="620">620<"#,
        r#"data-figure="tenant.globex.agent.completion_tokens" data-value="800">800<"#,
        r#"data-figure="tenant.initech.agent.jobs" data-value="0">0<"#,
    ] {
        assert!(page.contains(figure), "{figure} not in the page");
    }
    assert!(
        page.contains("3 agent job(s) ended a model loop: 2 loop(s) answered and 2 failed"),
        "no agent sentence in the summary"
    );

    let globex_report = tenant_report(&figures, "globex", &generation);
    let (json, page) = render_files(&globex_report);
    assert_eq!(globex_report.overall.agent, globex);
    assert!(!String::from_utf8_lossy(&json).contains("acme") && !page.contains("acme"));
    assert!(page.contains(r#"data-figure="overall.agent.prompt_tokens" data-value="3000">3000<"#));
}
