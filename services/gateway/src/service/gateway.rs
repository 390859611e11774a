//! The gateway's shared state.

use std::time::Duration;

use jetcrawl_streams::EventStore;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::validate::Limits;

/// What the service needs from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Validation limits.
    pub limits: Limits,
    /// Tenant of every caller until authentication lands.
    pub default_tenant: String,
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
}

impl Gateway {
    /// A service over `store` (the event log) and `pool` (the read models). Cancelling
    /// `closing` ends every open WatchJob stream (shutdown).
    pub fn new(
        store: EventStore,
        pool: PgPool,
        settings: Settings,
        closing: CancellationToken,
    ) -> Self {
        Self {
            store,
            pool,
            settings,
            closing,
        }
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
