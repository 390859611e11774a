//! The definitions of the event log's streams and the durable consumers every
//! deployment has; the catalog lists them with every bucket.

use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use async_nats::jetstream::object_store;
use async_nats::jetstream::stream::{self, DiscardPolicy, RetentionPolicy};

use super::Topology;
use crate::envelope::EventKind;
use crate::subjects::{
    ADVISORIES_STREAM, JOBS_ALL, JOBS_STREAM, kind_filter, max_deliveries_advisory,
};

/// Durable consumer the workers share.
pub const WORKERS_CONSUMER: &str = "workers";
/// Durable consumer of the dead-letter component, on `ADVISORIES`.
pub const DEADLETTER_CONSUMER: &str = "deadletter";
/// Durable consumer of the Postgres projector.
pub const PROJECTOR_CONSUMER: &str = "projector-jobs";
/// Durable consumer of the notifier: terminal job events to deliver as webhooks.
pub const NOTIFIER_CONSUMER: &str = "notifier";
/// Durable consumer of the crawl frontier (ADR 0047), shared by the workers: terminal
/// events of page jobs, and cancel requests of crawls.
pub const CRAWLS_CONSUMER: &str = "crawls";
/// Object Store bucket holding results and artifacts.
pub const RESULTS_BUCKET: &str = "RESULTS";

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

    /// The crawl frontier's consumer: every terminal event (a crawl's page job ends) and
    /// cancel request (a crawl is cancelled). Other jobs' messages are acked at once.
    pub fn crawls_consumer(&self) -> pull::Config {
        let mut filters: Vec<String> = EventKind::TERMINAL.into_iter().map(kind_filter).collect();
        filters.push(kind_filter(EventKind::CancelRequested));
        pull::Config {
            durable_name: Some(CRAWLS_CONSUMER.to_owned()),
            description: Some(
                "Jetcrawl crawl frontier: page jobs that ended, crawls to cancel".to_owned(),
            ),
            filter_subjects: filters,
            ack_policy: AckPolicy::Explicit,
            // Ending a large crawl writes its JSONL; the handler beats while it does.
            ack_wait: Duration::from_secs(30),
            // A frontier message must never be dropped: a crawl would never end.
            max_deliver: -1,
            max_ack_pending: 10_000,
            // Crawls exist only once this consumer does: the history before it holds
            // none, and replaying it would only be acked away.
            deliver_policy: DeliverPolicy::New,
            ..Default::default()
        }
    }

    /// The notifier's consumer: terminal job events, each delivered as a webhook.
    pub fn notifier_consumer(&self) -> pull::Config {
        pull::Config {
            durable_name: Some(NOTIFIER_CONSUMER.to_owned()),
            description: Some(
                "Jetcrawl notifier: terminal job events to deliver as webhooks".to_owned(),
            ),
            filter_subjects: EventKind::TERMINAL.into_iter().map(kind_filter).collect(),
            ack_policy: AckPolicy::Explicit,
            ack_wait: self.notifier_ack_wait,
            // Attempts are bounded by the retry window, not by a count.
            max_deliver: -1,
            max_ack_pending: 10_000,
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        }
    }
}
