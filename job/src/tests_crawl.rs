//! Given/when/then tests of a crawl's frontier: each page queued once, never past the
//! limit, never after a cancel request, and the crawl ends only once every page ended.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    CrawlPageFinished, CrawlSpec, JobSpec, JobSubmitted, JobSucceeded, QueuedPage,
};

use crate::tests::{given, then, when};
use crate::{Command, DecideError, JobStatus};

fn crawl_submitted(max_pages: u32) -> Payload {
    Payload::JobSubmitted(JobSubmitted {
        spec: Some(JobSpec {
            urls: vec!["https://example.com/".into()],
            crawl: Some(CrawlSpec {
                max_pages,
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    })
}

fn pages(ids: &[&str], depth: u32) -> Vec<QueuedPage> {
    ids.iter()
        .map(|id| QueuedPage {
            page_job_id: (*id).into(),
            depth,
            ..Default::default()
        })
        .collect()
}

fn queue(from: &str, ids: &[&str]) -> Command {
    Command::QueuePages {
        from_page: from.into(),
        pages: pages(ids, 1),
        skipped_scope: 2,
        start_hosts: Vec::new(),
    }
}

fn finish(id: &str, outcome: &str) -> Command {
    Command::FinishPage(CrawlPageFinished {
        page_job_id: id.into(),
        outcome: outcome.into(),
        error_class: String::new(),
    })
}

fn run(job: crate::Job, command: Command) -> crate::Job {
    let events = when(&job, command).expect("accepted");
    then(job, &events)
}

#[test]
fn start_pages_run_the_crawl_and_each_page_is_queued_once() {
    let job = given(vec![crawl_submitted(0)]);
    assert_eq!(job.crawl.as_ref().map(|c| c.max_pages), Some(100));
    let job = run(job, queue("", &["a"]));
    assert_eq!(job.status, JobStatus::Running);
    // Two pages link to b and to each other: b is queued once, from the first.
    let job = run(job, queue("a", &["b", "c", "b"]));
    let job = run(job, queue("b", &["a", "c", "d"]));
    let crawl = job.crawl.as_ref().unwrap();
    assert_eq!(crawl.order, ["a", "b", "c", "d"]);
    let from = |page| {
        crawl
            .queued_from(page)
            .map(|(id, q)| (id, q.depth))
            .collect::<Vec<_>>()
    };
    assert_eq!(from("a"), [("b", 1), ("c", 1)]);
    assert_eq!(from("b"), [("d", 1)]);
    assert_eq!(crawl.skipped_scope, 6);
}

#[test]
fn a_page_expands_once_so_a_rerun_counts_nothing_twice() {
    let job = run(given(vec![crawl_submitted(0)]), queue("", &["a"]));
    let job = run(job, queue("a", &["b"]));
    assert_eq!(when(&job, queue("a", &["b", "z"])), Ok(Vec::new()));
    assert_eq!(when(&job, queue("", &["y"])), Ok(Vec::new()));
    assert_eq!(job.crawl.unwrap().skipped_scope, 4);
}

#[test]
fn the_limit_counts_what_it_leaves_out() {
    let job = run(given(vec![crawl_submitted(3)]), queue("", &["a"]));
    let job = run(job, queue("a", &["b", "c", "d", "e"]));
    let progress = job.crawl.unwrap().progress();
    assert_eq!(progress.queued, 3);
    assert_eq!(progress.skipped_limit, 2);
    assert_eq!(progress.discovered, 5);
}

#[test]
fn the_crawl_ends_only_once_every_page_ended() {
    let job = run(given(vec![crawl_submitted(0)]), queue("", &["a"]));
    let job = run(job, queue("a", &["b"]));
    let job = run(job, finish("a", "succeeded"));
    // A repeat, and a page the crawl never queued, record nothing.
    assert_eq!(when(&job, finish("a", "succeeded")), Ok(Vec::new()));
    assert_eq!(when(&job, finish("x", "failed")), Ok(Vec::new()));
    let result = JobSucceeded {
        result_key: "crawl.jsonl".into(),
        ..Default::default()
    };
    assert!(matches!(
        when(&job, Command::EndCrawl(result.clone())),
        Err(DecideError::InvalidTransition { .. })
    ));
    let job = run(job, finish("b", "failed"));
    let progress = job.crawl.as_ref().unwrap().progress();
    assert_eq!(
        (progress.done, progress.failed, progress.pending),
        (1, 1, 0)
    );
    let job = run(job, Command::EndCrawl(result));
    assert_eq!(job.status, JobStatus::Succeeded);
}

#[test]
fn a_cancel_request_stops_the_frontier_and_ends_the_crawl_cancelled() {
    let job = run(given(vec![crawl_submitted(0)]), queue("", &["a"]));
    let job = run(
        job,
        Command::RequestCancel {
            reason: "enough".into(),
            by: "client:t".into(),
        },
    );
    assert!(job.cancel_requested.is_some());
    assert_eq!(when(&job, queue("a", &["b"])), Ok(Vec::new()));
    let job = run(job, finish("a", "cancelled"));
    let job = run(job, Command::EndCrawl(JobSucceeded::default()));
    assert_eq!(job.status, JobStatus::Cancelled);
}

#[test]
fn crawl_commands_on_another_job_are_refused() {
    let job = given(vec![crate::tests::submitted()]);
    assert!(matches!(
        when(&job, queue("", &["a"])),
        Err(DecideError::InvalidTransition { .. })
    ));
}

#[test]
fn sitemaps_are_read_beyond_the_limit_and_are_not_pages() {
    let job = run(given(vec![crawl_submitted(1)]), queue("", &["a"]));
    let sitemap = QueuedPage {
        page_job_id: "s".into(),
        depth: 0,
        kind: jetcrawl_proto::v1::CrawlPageKind::Sitemap as i32,
        ..Default::default()
    };
    let job = run(
        job,
        Command::QueuePages {
            from_page: "a".into(),
            pages: vec![sitemap],
            skipped_scope: 0,
            start_hosts: Vec::new(),
        },
    );
    let job = run(job, finish("s", "succeeded"));
    let progress = job.crawl.unwrap().progress();
    assert_eq!((progress.queued, progress.done), (1, 0));
    assert_eq!((progress.sitemaps_read, progress.pending), (1, 1));
}

#[test]
fn a_large_expansion_is_several_events_and_listings_have_their_own_cap() {
    let job = run(given(vec![crawl_submitted(10_000)]), queue("", &["a"]));
    let ids: Vec<String> = (0..1_200).map(|i| format!("p{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let events = when(&job, queue("a", &refs)).expect("accepted");
    assert_eq!(events.len(), 3, "500 + 500 + 200 pages");
    let job = then(job, &events);
    assert_eq!(job.crawl.as_ref().unwrap().pages(), 1_201);
    assert_eq!(job.crawl.as_ref().unwrap().skipped_scope, 4, "counted once");
    let sitemaps: Vec<QueuedPage> = (0..150)
        .map(|i| QueuedPage {
            page_job_id: format!("s{i}"),
            kind: jetcrawl_proto::v1::CrawlPageKind::Sitemap as i32,
            ..Default::default()
        })
        .collect();
    let events = when(
        &job,
        Command::QueuePages {
            from_page: "p0".into(),
            pages: sitemaps,
            skipped_scope: 0,
            start_hosts: Vec::new(),
        },
    )
    .expect("accepted");
    let job = then(job, &events);
    let crawl = job.crawl.unwrap();
    assert_eq!(crawl.listings(), crate::MAX_LISTINGS);
    assert_eq!(crawl.skipped_limit, 50);
}

#[test]
fn a_failed_crawl_is_not_replayed() {
    let job = given(vec![crawl_submitted(0)]);
    let job = then(
        job,
        &[Payload::JobFailed(jetcrawl_proto::v1::JobFailed::default())],
    );
    assert!(matches!(
        when(
            &job,
            Command::Replay {
                by: "admin:a".into(),
                reason: "again".into()
            }
        ),
        Err(DecideError::InvalidTransition { .. })
    ));
}
