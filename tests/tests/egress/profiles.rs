//! Browser profile roots (`$TMPDIR/jetcrawl-browsers-*`) never outlive their worker:
//! removed on a graceful stop, and by the orphan watchdog after a kill of the worker's
//! whole process group.

use std::path::Path;
use std::time::Duration;

use jetcrawl_proto::v1::{JobState, RenderMode};
use jetcrawl_tests::eventually;

use crate::egress::support::{Platform, env, spec, text};

fn profile_roots(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with("jetcrawl-browsers-"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_or_killed_worker_leaves_no_profile_root() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let tmpdir = tmp.path().display().to_string();
    let mut platform = Platform::start(|_| env(&[("TMPDIR", &tmpdir)])).await?;
    let page = spec(
        platform.stack.site.url("/static"),
        RenderMode::Browser,
        vec![text("title", "#title")],
        Vec::new(),
    );
    let job = platform
        .finished(&platform.submit(page.clone()).await?)
        .await?;
    assert_eq!(job.state, JobState::Succeeded as i32, "{:?}", job.failure);
    assert_eq!(
        profile_roots(tmp.path()).len(),
        1,
        "a browser ran from its profile root"
    );

    let status = platform.worker.process.stop().await;
    assert!(
        status.is_some_and(|s| s.success()),
        "graceful stop: {status:?}"
    );
    assert_eq!(
        profile_roots(tmp.path()),
        Vec::<String>::new(),
        "removed on a graceful stop"
    );

    // A worker killed with its whole group (SIGKILL, as a supervisor or the test kit
    // does) cannot clean up itself: its watchdog, in a group of its own, does.
    platform.worker = platform.stack.spawn_worker(&[("TMPDIR", &tmpdir)]).await?;
    let job = platform.finished(&platform.submit(page).await?).await?;
    assert_eq!(job.state, JobState::Succeeded as i32, "{:?}", job.failure);
    assert_eq!(profile_roots(tmp.path()).len(), 1);
    platform.worker.process.kill();
    eventually(Duration::from_secs(10), || async {
        let left = profile_roots(tmp.path());
        anyhow::ensure!(left.is_empty(), "still there: {left:?}");
        Ok(())
    })
    .await?;
    Ok(())
}
