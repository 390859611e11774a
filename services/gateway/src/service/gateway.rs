//! The gateway's shared state.

use std::time::Duration;

use jetcrawl_streams::EventStore;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::Guards;
use crate::validate::Limits;

/// What the service needs from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Validation limits.
    pub limits: Limits,
    /// Longest time from a submit's arrival to its answer.
    pub submit_budget: Duration,
}

/// The Jobs service, shared by the gRPC and HTTP transports.
#[derive(Clone)]
pub struct Gateway {
    pub(crate) store: EventStore,
    pub(crate) pool: PgPool,
    pub(crate) settings: Settings,
    pub(crate) closing: CancellationToken,
    pub(crate) guards: Guards,
    pub(crate) results: Option<std::sync::Arc<crate::results::ResultsAccess>>,
    pub(crate) privacy: Option<super::PrivacyAccess>,
}

impl Gateway {
    /// A service over `store` (the event log) and `pool` (the read models), behind
    /// `guards`. Cancelling `closing` ends every open WatchJob stream (shutdown).
    pub fn new(
        store: EventStore,
        pool: PgPool,
        settings: Settings,
        closing: CancellationToken,
        guards: Guards,
    ) -> Self {
        Self {
            store,
            pool,
            settings,
            closing,
            guards,
            results: None,
            privacy: None,
        }
    }

    /// Serves results (GetResult, signed downloads) from `results`.
    pub fn with_results(mut self, results: crate::results::ResultsAccess) -> Self {
        self.results = Some(std::sync::Arc::new(results));
        self
    }

    /// Seals personal fields at submit and opens them in answers (ADR 0023).
    pub fn with_privacy(mut self, privacy: super::PrivacyAccess) -> Self {
        self.privacy = Some(privacy);
        self
    }

    /// The authentication, audit and quota guards.
    pub fn guards(&self) -> &Guards {
        &self.guards
    }

    /// The service's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The Postgres pool of the read models.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
