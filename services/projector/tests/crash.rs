//! SIGKILL the projector binary mid-stream while events keep being appended, restart it,
//! and the read models still hold exactly one row per stream message and the right state
//! of every job: the checkpoint commits with the rows, and redelivery is skipped.

use std::path::Path as FsPath;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::*;
use jetcrawl_streams::EventStore;

/// The projector binary as a child process, SIGKILLed when dropped.
struct ProjectorProcess {
    child: Child,
}

impl ProjectorProcess {
    fn spawn(infra: &Infra, log: &FsPath) -> Self {
        let bin = env!("CARGO_BIN_EXE_jetcrawl-projector");
        assert!(
            FsPath::new(bin).exists(),
            "projector binary {bin} is missing; build it with `cargo build -p jetcrawl-projector`"
        );
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let child = Command::new(bin)
            .env("JETCRAWL_NATS_URL", infra.nats.url())
            .env("JETCRAWL_DATABASE_URL", infra.pg.url())
            .env("JETCRAWL_METRICS_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .spawn()
            .expect("projector spawns");
        Self { child }
    }

    /// SIGKILL, as a crash or an OOM kill would.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ProjectorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends jobs on `lanes` concurrent lanes until `stop` is set.
fn start_writers(
    store: &EventStore,
    lanes: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<usize>> {
    (0..lanes)
        .map(|lane| {
            let (store, stop) = (store.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let tenant = if n % 3 == 0 { "globex" } else { "acme" };
                    drive_job(
                        &store,
                        &format!("crash-{lane}-{n:05}"),
                        tenant,
                        Path::of(n + lane),
                    )
                    .await;
                    n += 1;
                }
                n
            })
        })
        .collect()
}

#[tokio::test]
async fn a_projector_killed_mid_stream_resumes_without_gaps_or_duplicates() {
    let infra = infra().await;
    let logs = tempfile::tempdir().expect("log dir");
    let log = logs.path().join("projector.log");
    let stop = Arc::new(AtomicBool::new(false));
    let writers = start_writers(&infra.store, 3, stop.clone());

    let mut projector = ProjectorProcess::spawn(&infra, &log);
    for round in 1..=3 {
        let floor = projected(&infra.pool).await;
        wait_until(
            Duration::from_secs(30),
            "the projector to make progress",
            || async { projected(&infra.pool).await >= floor + 200 },
        )
        .await;
        projector.kill();
        let at_kill = projected(&infra.pool).await;
        let appended = last_sequence(&infra.js).await;
        assert!(
            appended > at_kill,
            "round {round}: events keep arriving while the projector is dead"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        projector = ProjectorProcess::spawn(&infra, &log);
    }

    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut jobs = 0;
    for writer in writers {
        jobs += writer.await.expect("writer");
    }
    let last = last_sequence(&infra.js).await;
    wait_until(
        Duration::from_secs(60),
        &format!("checkpoint {last}"),
        || async { projected(&infra.pool).await == last },
    )
    .await;
    drop(projector);

    assert!(jobs > 100, "the load was real: {jobs} jobs, {last} events");
    assert_matches_stream(&infra.pool, &infra.js).await;
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log.contains("leader lock taken"),
        "the restarted projectors led:\n{log}"
    );
}
