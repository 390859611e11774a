//! The notifier's life: connect, apply the topology, then deliver webhooks and run the
//! retention purge until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::FutureExt as _;
use jetcrawl_results::JetStreamResults;
use jetcrawl_streams::EventStore;
use jetcrawl_streams::subjects::JOBS_STREAM;
use jetcrawl_streams::topology::{NOTIFIER_CONSUMER, bind_consumer};
use tracing::{info, warn};

use crate::backoff::Backoff;
use crate::config::NotifierConfig;
use crate::consumer::consume;
use crate::disabled::DisabledEndpoints;
use crate::handle::Notifier;
use crate::purge::Purge;
use crate::secrets::WebhookSecrets;

/// How long deliveries in flight may finish after shutdown.
const GRACE: Duration = Duration::from_secs(5);

/// Runs the notifier until `shutdown` completes.
pub async fn run(
    config: NotifierConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shutdown = shutdown.boxed().shared();
    let topology = config.topology.topology();
    let (client, js) = config
        .nats
        .connect_verified("jetcrawl-notifier", &topology)
        .await?;
    let retention = config.retention.retention();
    let store = EventStore::open(js.clone())
        .await
        .context("opening the JOBS stream")?;
    let results = Arc::new(
        JetStreamResults::open(&js)
            .await
            .context("opening the results store")?,
    );
    let notifier = Arc::new(Notifier {
        store: store.clone(),
        secrets: WebhookSecrets::open(&js).await?,
        disabled: DisabledEndpoints::open(&js)
            .await
            .map_err(anyhow::Error::msg)?,
        signer: config
            .signing
            .signer()
            .context("loading the result signing keys")?,
        backoff: Backoff {
            base: Duration::from_millis(config.backoff_base_ms.max(1)),
            cap: Duration::from_millis(config.backoff_cap_ms.max(1)),
        },
        window: config.retry_window(),
        timeout: config.request_timeout(),
        allow_loopback: config.allow_private_targets,
        privacy: Some(
            jetcrawl_privacy::SubjectKeys::open(&js)
                .await
                .context("opening the SUBJECT_KEYS bucket")?,
        ),
    });
    let consumer = bind_consumer(&js, JOBS_STREAM, NOTIFIER_CONSUMER)
        .await
        .context("opening the notifier consumer")?;
    let purge = Purge {
        store,
        results,
        retention,
    };
    let pool = retention_pool(&config)?;
    let verifying = pool.clone().map(|pool| {
        tokio::spawn(crate::audit_chain::verify_loop(
            pool,
            config.rgpd_retention.verify_interval(),
            shutdown.clone(),
        ))
    });
    let rgpd = crate::retention::Retention {
        purge: purge.clone(),
        pool,
        js: js.clone(),
        audit_retention: config.rgpd_retention.audit_retention(),
    };
    let purging = tokio::spawn(purge_loop(purge, config.purge_interval(), shutdown.clone()));
    let scheduled = tokio::spawn(crate::retention::retention_loop(
        rgpd.clone(),
        config.rgpd_retention.interval(),
        shutdown.clone(),
    ));
    let run_now = tokio::spawn(crate::retention::serve_run_now(
        client,
        rgpd,
        shutdown.clone(),
    ));
    info!(
        retention_secs = retention.period().as_secs(),
        "notifier running"
    );
    consume(consumer, notifier, config.concurrency, shutdown, GRACE).await;
    purging.abort();
    scheduled.abort();
    run_now.abort();
    if let Some(verifying) = verifying {
        verifying.abort();
    }
    info!("notifier stopped");
    Ok(())
}

async fn purge_loop(purge: Purge, every: Duration, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        if let Err(err) = purge.run_once(chrono::Utc::now()).await {
            warn!(error = %err, "retention purge failed; retrying next round");
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// A lazy pool on the read models for retention, when a database URL is configured.
fn retention_pool(config: &NotifierConfig) -> anyhow::Result<Option<sqlx::PgPool>> {
    let database = &config.rgpd_retention.database;
    if !database.is_set() {
        warn!("JETCRAWL_DATABASE_URL not set: retention removes expired results only");
        return Ok(None);
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(database.connect_options()?);
    Ok(Some(pool))
}
