//! `list_jobs`: keyset pages cover every job exactly once, newest first, per tenant.

use crate::support::*;
use jetcrawl_projections::{JOBS_PROJECTION, JobRow, ProjectionError, apply_batch, list_jobs};
use sqlx::PgPool;

/// Tenant `acme`: 23 jobs, several submitted in the same second (ties broken by job_id);
/// every third one failed, every fifth running. Tenant `globex`: 7 jobs.
async fn seed(pool: &PgPool) {
    let mut h = History::new();
    for i in 0..23 {
        let job = format!("acme-{i:02}");
        h.push(
            &job,
            "acme",
            1_000 + i / 3,
            submitted("https://shop.example/"),
        );
        if i % 3 == 0 {
            h.push(&job, "acme", 2_000, started(1))
                .push(&job, "acme", 2_001, attempt_failed(1, false))
                .push(&job, "acme", 2_002, failed(1));
        } else if i % 5 == 0 {
            h.push(&job, "acme", 2_000, started(1));
        }
    }
    for i in 0..7 {
        h.push(
            &format!("globex-{i}"),
            "globex",
            1_000 + i,
            submitted("https://globex.example/"),
        );
    }
    let mut tx = pool.begin().await.expect("begin");
    apply_batch(&mut tx, JOBS_PROJECTION, &h.events)
        .await
        .expect("seed applies");
    tx.commit().await.expect("commit");
}

async fn all_pages(
    pool: &PgPool,
    tenant: &str,
    status: Option<&str>,
    size: u32,
) -> (Vec<JobRow>, usize) {
    let (mut rows, mut token, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let (page, next) = list_jobs(pool, tenant, status, None, size, token.as_deref())
            .await
            .expect("page");
        assert!(page.len() <= size as usize, "a page never exceeds its size");
        pages += 1;
        rows.extend(page);
        match next {
            Some(t) => token = Some(t),
            None => return (rows, pages),
        }
        assert!(pages < 100, "pagination does not terminate");
    }
}

fn ids(rows: &[JobRow]) -> Vec<String> {
    rows.iter().map(|r| r.job_id.clone()).collect()
}

fn expected_order(mut rows: Vec<JobRow>) -> Vec<String> {
    rows.sort_by(|a, b| (b.submitted_at, &b.job_id).cmp(&(a.submitted_at, &a.job_id)));
    ids(&rows)
}

#[tokio::test]
async fn pages_return_every_job_once_newest_first_and_only_the_tenants_own() {
    let (_pg, pool) = database().await;
    seed(&pool).await;
    let (rows, pages) = all_pages(&pool, "acme", None, 5).await;
    assert_eq!(rows.len(), 23);
    assert_eq!(pages, 5);
    let mut unique = ids(&rows);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 23, "no job appears twice");
    assert!(
        rows.iter().all(|r| r.tenant == "acme"),
        "tenant acme never sees globex rows"
    );
    assert_eq!(ids(&rows), expected_order(rows.clone()));
    // 21 and 22 share a second, as do 18..=20: ties go to the higher job id first.
    assert_eq!(
        ids(&rows[..5]),
        ["acme-22", "acme-21", "acme-20", "acme-19", "acme-18"]
    );

    let (globex, _) = all_pages(&pool, "globex", None, 50).await;
    assert_eq!(
        ids(&globex),
        (0..7)
            .rev()
            .map(|i| format!("globex-{i}"))
            .collect::<Vec<_>>()
    );
    let (nobody, pages) = all_pages(&pool, "initech", None, 5).await;
    assert!(nobody.is_empty());
    assert_eq!(pages, 1);
}

#[tokio::test]
async fn a_status_filter_pages_through_that_status_only() {
    let (_pg, pool) = database().await;
    seed(&pool).await;
    let (failed, _) = all_pages(&pool, "acme", Some("failed"), 3).await;
    let want: Vec<String> = (0..23)
        .rev()
        .filter(|i| i % 3 == 0)
        .map(|i| format!("acme-{i:02}"))
        .collect();
    assert_eq!(ids(&failed), want);
    assert!(
        failed
            .iter()
            .all(|r| r.status == "failed" && r.last_error_class.as_deref() == Some("http_5xx"))
    );
    let (running, _) = all_pages(&pool, "acme", Some("running"), 2).await;
    assert_eq!(ids(&running), ["acme-20", "acme-10", "acme-05"]);
    let (queued, _) = all_pages(&pool, "acme", Some("queued"), 4).await;
    assert_eq!(queued.len(), 23 - 8 - 3);
    let (globex_failed, _) = all_pages(&pool, "globex", Some("failed"), 4).await;
    assert!(globex_failed.is_empty());
}

#[tokio::test]
async fn bad_arguments_are_refused_with_advice() {
    let (_pg, pool) = database().await;
    seed(&pool).await;
    let err = list_jobs(&pool, "acme", Some("done"), None, 5, None)
        .await
        .expect_err("unknown status");
    assert!(matches!(err, ProjectionError::InvalidArgument(_)), "{err}");
    assert!(err.to_string().contains("queued, running"), "{err}");
    let err = list_jobs(&pool, "acme", None, None, 5, Some("garbage!"))
        .await
        .expect_err("bad token");
    assert!(matches!(err, ProjectionError::InvalidArgument(_)), "{err}");
    let (page, next) = list_jobs(&pool, "acme", None, None, 0, None)
        .await
        .expect("default size");
    assert_eq!(
        (page.len(), next),
        (23, None),
        "page size 0 means the default (50)"
    );
}
