//! The proxies an attempt went out through, for its events. The attempt opens a scope
//! around its run; the HTTP fetcher and the browser page record into it without the
//! executor's signatures having to carry it.

use std::sync::{Arc, Mutex};

tokio::task_local! {
    static TRAIL: EgressTrail;
}

/// Proxy labels in order of first use.
#[derive(Debug, Clone, Default)]
pub struct EgressTrail(Arc<Mutex<Vec<String>>>);

impl EgressTrail {
    /// An empty trail.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `fut` with this trail collecting what it records.
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        TRAIL.scope(self.clone(), fut).await
    }

    /// Records `label` in the current scope's trail (nothing outside a scope; an empty
    /// label, a direct route, is not recorded).
    pub fn record(label: &str) {
        if label.is_empty() {
            return;
        }
        let _ = TRAIL.try_with(|trail| {
            if let Ok(mut labels) = trail.0.lock()
                && !labels.iter().any(|l| l == label)
            {
                labels.push(label.to_owned());
            }
        });
    }

    /// The labels joined by `, `; empty when everything went direct.
    pub fn summary(&self) -> String {
        self.0.lock().map(|l| l.join(", ")).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_inside_its_scope_only() {
        EgressTrail::record("http://outside:1");
        let trail = EgressTrail::new();
        trail
            .scope(async {
                EgressTrail::record("http://a:1");
                EgressTrail::record("");
                EgressTrail::record("http://b:2");
                EgressTrail::record("http://a:1");
            })
            .await;
        assert_eq!(trail.summary(), "http://a:1, http://b:2");
    }
}
