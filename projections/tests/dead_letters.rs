//! The `dead_letters` read model: JobDeadLettered puts a job in the queue with every
//! attempt's error, JobReplayed takes it out, a second dead letter brings it back;
//! `list_dead_letters` filters by tenant, domain and error class and pages newest first.

use crate::support::*;
use jetcrawl_projections::{DeadLetterFilter, Projection, list_dead_letters};
use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{AttemptError, JobDeadLettered, JobReplayed};

fn dead_lettered(class: &str, attempts: u32) -> Payload {
    Payload::JobDeadLettered(JobDeadLettered {
        reason: "attempts_exhausted".into(),
        attempts: (1..=attempts)
            .map(|n| AttemptError {
                attempt: n,
                error_class: class.into(),
                message: format!("attempt {n} failed"),
            })
            .collect(),
        error_class: class.into(),
        message: "4 attempts used".into(),
    })
}

fn replayed() -> Payload {
    Payload::JobReplayed(JobReplayed {
        by: "admin:ops".into(),
        reason: "fixed".into(),
    })
}

#[tokio::test]
async fn dead_letters_enter_leave_and_return_and_list_with_filters_and_pages() {
    let (_pg, pool) = database().await;
    let mut h = History::new();
    for (i, (job, tenant, url, class)) in [
        ("a", "acme", "https://shop.example/x", "http_5xx"),
        ("b", "acme", "https://blog.example/", "http_4xx"),
        ("c", "globex", "https://shop.example/y", "http_5xx"),
        ("d", "acme", "https://shop.example/z", "worker_lost"),
    ]
    .into_iter()
    .enumerate()
    {
        let t = 1_000 + i as i64 * 10;
        h.push(job, tenant, t, submitted(url))
            .push(job, tenant, t + 1, started(1))
            .push(job, tenant, t + 2, dead_lettered(class, 1))
            .push(job, tenant, t + 2, failed(1));
    }
    // `a` is replayed and fails again later: back in the queue, newest.
    h.push("a", "acme", 2_000, replayed())
        .push("a", "acme", 2_001, started(1))
        .push("a", "acme", 2_002, dead_lettered("http_5xx", 1))
        .push("a", "acme", 2_002, failed(1))
        // `b` is replayed: out of the queue.
        .push("b", "acme", 2_010, replayed());
    apply_to(&pool, &[Projection::DeadLetters], &h.events).await;

    let all = DeadLetterFilter::default();
    let (rows, next) = list_dead_letters(&pool, &all, 0, None).await.expect("list");
    let ids: Vec<&str> = rows.iter().map(|r| r.job_id.as_str()).collect();
    assert_eq!(ids, ["a", "d", "c"], "newest first, the replayed one gone");
    assert_eq!(next, None);
    assert_eq!(rows[0].replays, 1, "a was replayed once before");
    assert_eq!(rows[0].domain.as_deref(), Some("shop.example"));
    assert_eq!(rows[0].attempt_errors[0]["error_class"], "http_5xx");

    let filter =
        |tenant: Option<&str>, domain: Option<&str>, class: Option<&str>| DeadLetterFilter {
            tenant: tenant.map(Into::into),
            domain: domain.map(Into::into),
            error_class: class.map(Into::into),
        };
    for (f, expected) in [
        (filter(Some("acme"), None, None), vec!["a", "d"]),
        (
            filter(None, Some("Shop.Example"), Some("http_5xx")),
            vec!["a", "c"],
        ),
        (filter(None, None, Some("worker_lost")), vec!["d"]),
        (filter(Some("globex"), Some("blog.example"), None), vec![]),
    ] {
        let (rows, _) = list_dead_letters(&pool, &f, 0, None).await.expect("list");
        let ids: Vec<&str> = rows.iter().map(|r| r.job_id.as_str()).collect();
        assert_eq!(ids, expected, "{f:?}");
    }

    let (first, token) = list_dead_letters(&pool, &all, 2, None)
        .await
        .expect("page 1");
    let (second, end) = list_dead_letters(&pool, &all, 2, token.as_deref())
        .await
        .expect("page 2");
    let paged: Vec<&str> = first
        .iter()
        .chain(&second)
        .map(|r| r.job_id.as_str())
        .collect();
    assert_eq!(paged, ["a", "d", "c"]);
    assert_eq!(end, None);

    // Replaying the batch changes nothing.
    apply_to(&pool, &[Projection::DeadLetters], &h.events).await;
    let (again, _) = list_dead_letters(&pool, &all, 0, None).await.expect("list");
    assert_eq!(again, rows, "a redelivered batch is a no-op");
}
