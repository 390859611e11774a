//! Where a running attempt is (page, steps done), for live watchers. The attempt opens a
//! scope with a sink; the executor and the browser page report into it without their
//! signatures having to carry it. Outside a scope nothing is reported.

use std::sync::Arc;

use jetcrawl_proto::v1::JobProgress;

tokio::task_local! {
    static PROGRESS: Progress;
}

/// Receives each progress report.
pub type ProgressSink = Arc<dyn Fn(JobProgress) + Send + Sync>;

/// The progress of one attempt.
#[derive(Clone)]
pub struct Progress {
    sink: ProgressSink,
    attempt: u32,
    current: Arc<std::sync::Mutex<JobProgress>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl Progress {
    /// Progress of `attempt`, reported to `sink`.
    pub fn new(attempt: u32, sink: ProgressSink) -> Self {
        Self {
            sink,
            attempt,
            current: Arc::default(),
        }
    }

    /// Runs `fut` with this progress receiving what it reports.
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        PROGRESS.scope(self.clone(), fut).await
    }

    /// The attempt starts page `page` (1-based) of `pages`, which has `steps` steps.
    pub fn page(page: usize, pages: usize, url: &str, steps: usize) {
        Self::report(|p| {
            p.page = count(page);
            p.pages = count(pages);
            p.url = url.to_owned();
            p.steps_done = 0;
            p.steps = count(steps);
        });
    }

    /// `done` steps of the current page have run.
    pub fn steps_done(done: usize) {
        Self::report(|p| p.steps_done = count(done));
    }

    fn report(update: impl FnOnce(&mut JobProgress)) {
        let _ = PROGRESS.try_with(|progress| {
            let Ok(mut current) = progress.current.lock() else {
                return;
            };
            update(&mut current);
            current.attempt = progress.attempt;
            (progress.sink)(current.clone());
        });
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[tokio::test]
    async fn reports_inside_its_scope_only() {
        Progress::steps_done(9);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = seen.clone();
        let progress = Progress::new(2, Arc::new(move |p| into.lock().expect("seen").push(p)));
        progress
            .scope(async {
                Progress::page(1, 2, "http://a.test/", 3);
                Progress::steps_done(2);
                Progress::page(2, 2, "http://b.test/", 0);
            })
            .await;
        let seen = seen.lock().expect("seen");
        let summary: Vec<(u32, u32, u32, u32, &str)> = seen
            .iter()
            .map(|p| (p.attempt, p.page, p.steps_done, p.steps, p.url.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (2, 1, 0, 3, "http://a.test/"),
                (2, 1, 2, 3, "http://a.test/"),
                (2, 2, 0, 0, "http://b.test/"),
            ]
        );
        assert!(seen.iter().all(|p| p.pages == 2));
    }
}
