//! The JetStream topology as code: the `JOBS` stream, the durable consumers and the
//! buckets. Applying it is idempotent; every service applies it at start, and any
//! difference from a running definition is reported as drift.

use std::time::Duration;

use async_nats::jetstream::Context;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use async_nats::jetstream::object_store;
use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy, StorageType};
use tracing::{info, warn};

use crate::envelope::EventKind;
use crate::error::StoreError;
use crate::subjects::{
    ADVISORIES_STREAM, JOBS_ALL, JOBS_STREAM, kind_filter, max_deliveries_advisory,
};

/// Durable consumer the workers share.
pub const WORKERS_CONSUMER: &str = "workers";
/// Durable consumer of the dead-letter component, on `ADVISORIES`.
pub const DEADLETTER_CONSUMER: &str = "deadletter";
/// Durable consumer of the Postgres projector.
pub const PROJECTOR_CONSUMER: &str = "projector-jobs";
/// Object Store bucket holding results and artifacts.
pub const RESULTS_BUCKET: &str = "RESULTS";

/// Tunables of the topology; they come from configuration per environment.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Stream and bucket replicas (1 locally, 3 in a cluster).
    pub replicas: usize,
    /// File in every real deployment; memory only for throwaway runs.
    pub storage: StorageType,
    /// How long JetStream remembers `Nats-Msg-Id`s.
    pub duplicate_window: Duration,
    /// How long results and artifacts are kept.
    pub results_max_age: Duration,
    /// How long a worker may hold a job without a progress heartbeat.
    pub worker_ack_wait: Duration,
    /// Deliveries of a work message before JetStream gives up on it (and publishes the
    /// MAX_DELIVERIES advisory the dead-letter component turns into JobDeadLettered).
    pub worker_max_deliver: i64,
    /// How long captured advisories are kept.
    pub advisories_max_age: Duration,
}

impl Default for Topology {
    fn default() -> Self {
        Self {
            replicas: 1,
            storage: StorageType::File,
            duplicate_window: Duration::from_secs(120),
            results_max_age: Duration::from_secs(30 * 24 * 3600),
            // Heartbeats go every quarter of it, so a job whose worker died is picked up
            // by another within this bound (ADR 0009).
            worker_ack_wait: Duration::from_secs(20),
            // Attempts are counted from the job's own history; this is only the
            // backstop for a message nobody can ever handle.
            worker_max_deliver: 20,
            advisories_max_age: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl Topology {
    /// The immutable event log.
    pub fn jobs_stream(&self) -> stream::Config {
        stream::Config {
            name: JOBS_STREAM.to_owned(),
            description: Some("Jetcrawl job events: jobs.<job_id>.<event>".to_owned()),
            subjects: vec![JOBS_ALL.to_owned()],
            retention: RetentionPolicy::Limits,
            discard: DiscardPolicy::Old,
            storage: self.storage,
            num_replicas: self.replicas,
            duplicate_window: self.duplicate_window,
            deny_delete: true,
            deny_purge: true,
            allow_direct: true,
            allow_atomic_publish: true,
            ..Default::default()
        }
    }

    /// Work to do for workers: every submitted, replayed or deferred job.
    pub fn workers_consumer(&self) -> pull::Config {
        pull::Config {
            durable_name: Some(WORKERS_CONSUMER.to_owned()),
            description: Some("Jetcrawl workers: jobs to run".to_owned()),
            filter_subjects: EventKind::WORK.into_iter().map(kind_filter).collect(),
            ack_policy: AckPolicy::Explicit,
            ack_wait: self.worker_ack_wait,
            max_deliver: self.worker_max_deliver,
            max_ack_pending: 10_000,
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        }
    }

    /// JetStream advisories that must not be lost while nobody listens: the workers'
    /// MAX_DELIVERIES (pitfall 5).
    pub fn advisories_stream(&self) -> stream::Config {
        stream::Config {
            name: ADVISORIES_STREAM.to_owned(),
            description: Some("JetStream advisories Jetcrawl acts on".to_owned()),
            subjects: vec![max_deliveries_advisory(JOBS_STREAM, WORKERS_CONSUMER)],
            retention: RetentionPolicy::Limits,
            discard: DiscardPolicy::Old,
            storage: self.storage,
            num_replicas: self.replicas,
            max_age: self.advisories_max_age,
            ..Default::default()
        }
    }

    /// The dead-letter component's consumer of captured advisories.
    pub fn deadletter_consumer(&self) -> pull::Config {
        pull::Config {
            durable_name: Some(DEADLETTER_CONSUMER.to_owned()),
            description: Some("Jetcrawl dead letters: work messages out of deliveries".to_owned()),
            ack_policy: AckPolicy::Explicit,
            ack_wait: Duration::from_secs(30),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        }
    }

    /// A projector's own durable consumer over every event, in order.
    pub fn projector_consumer(&self, name: &str) -> pull::Config {
        pull::Config {
            durable_name: Some(name.to_owned()),
            description: Some("Jetcrawl projector: all job events in order".to_owned()),
            filter_subject: JOBS_ALL.to_owned(),
            ack_policy: AckPolicy::All,
            ack_wait: Duration::from_secs(60),
            max_ack_pending: 20_000,
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        }
    }

    /// Results and artifacts.
    pub fn results_bucket(&self) -> object_store::Config {
        object_store::Config {
            bucket: RESULTS_BUCKET.to_owned(),
            description: Some("Jetcrawl job results and artifacts".to_owned()),
            max_age: self.results_max_age,
            storage: self.storage,
            num_replicas: self.replicas,
            ..Default::default()
        }
    }

    /// Creates what is missing and reports drift in what exists. Returns the drift
    /// found (already logged); an empty list means the server matches the code.
    pub async fn apply(&self, js: &Context) -> Result<Vec<String>, StoreError> {
        let desired = self.jobs_stream();
        let mut drift = Vec::new();
        match js.get_stream(JOBS_STREAM).await {
            Ok(mut existing) => {
                let running = existing
                    .info()
                    .await
                    .map_err(StoreError::unavailable)?
                    .config
                    .clone();
                drift = stream_drift(&running, &desired);
                if !drift.is_empty() {
                    warn!(
                        stream = JOBS_STREAM,
                        ?drift,
                        "stream differs from its definition; updating"
                    );
                    if let Err(err) = js.update_stream(&desired).await {
                        warn!(stream = JOBS_STREAM, error = %err, "stream could not be updated; drift remains");
                    }
                }
            }
            Err(_) => {
                js.create_stream(desired)
                    .await
                    .map_err(StoreError::unavailable)?;
                info!(stream = JOBS_STREAM, "stream created");
            }
        }
        if js.get_stream(ADVISORIES_STREAM).await.is_err() {
            js.create_stream(self.advisories_stream())
                .await
                .map_err(StoreError::unavailable)?;
            info!(stream = ADVISORIES_STREAM, "stream created");
        }
        if js.get_object_store(RESULTS_BUCKET).await.is_err() {
            js.create_object_store(self.results_bucket())
                .await
                .map_err(StoreError::unavailable)?;
            info!(bucket = RESULTS_BUCKET, "object store created");
        }
        Ok(drift)
    }
}

/// Fields of a running stream that differ from its definition.
pub fn stream_drift(running: &stream::Config, desired: &stream::Config) -> Vec<String> {
    let mut drift = Vec::new();
    let mut check = |field: &str, differs: bool, now: String, want: String| {
        if differs {
            drift.push(format!("{field}: running {now}, defined {want}"));
        }
    };
    check(
        "subjects",
        running.subjects != desired.subjects,
        format!("{:?}", running.subjects),
        format!("{:?}", desired.subjects),
    );
    check(
        "retention",
        running.retention != desired.retention,
        format!("{:?}", running.retention),
        format!("{:?}", desired.retention),
    );
    check(
        "storage",
        running.storage != desired.storage,
        format!("{:?}", running.storage),
        format!("{:?}", desired.storage),
    );
    check(
        "replicas",
        running.num_replicas != desired.num_replicas,
        running.num_replicas.to_string(),
        desired.num_replicas.to_string(),
    );
    check(
        "duplicate_window",
        running.duplicate_window != desired.duplicate_window,
        format!("{:?}", running.duplicate_window),
        format!("{:?}", desired.duplicate_window),
    );
    check(
        "deny_delete",
        running.deny_delete != desired.deny_delete,
        running.deny_delete.to_string(),
        desired.deny_delete.to_string(),
    );
    check(
        "deny_purge",
        running.deny_purge != desired.deny_purge,
        running.deny_purge.to_string(),
        desired.deny_purge.to_string(),
    );
    check(
        "allow_direct",
        running.allow_direct != desired.allow_direct,
        running.allow_direct.to_string(),
        desired.allow_direct.to_string(),
    );
    check(
        "allow_atomic",
        running.allow_atomic_publish != desired.allow_atomic_publish,
        running.allow_atomic_publish.to_string(),
        desired.allow_atomic_publish.to_string(),
    );
    drift
}

/// Creates the durable consumer or, when it exists with another definition, updates it.
pub async fn ensure_consumer(
    js: &Context,
    config: pull::Config,
) -> Result<async_nats::jetstream::consumer::Consumer<pull::Config>, StoreError> {
    ensure_consumer_on(js, JOBS_STREAM, config).await
}

/// [`ensure_consumer`] on another stream, e.g. `ADVISORIES`.
pub async fn ensure_consumer_on(
    js: &Context,
    stream_name: &str,
    config: pull::Config,
) -> Result<async_nats::jetstream::consumer::Consumer<pull::Config>, StoreError> {
    let stream = js
        .get_stream(stream_name)
        .await
        .map_err(StoreError::unavailable)?;
    match stream.create_consumer(config.clone()).await {
        Ok(consumer) => Ok(consumer),
        Err(first) => {
            warn!(consumer = ?config.durable_name, error = %first, "consumer differs from its definition; updating");
            js.update_consumer_on_stream(config, stream_name)
                .await
                .map_err(StoreError::unavailable)
        }
    }
}
