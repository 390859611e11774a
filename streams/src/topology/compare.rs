//! What differs between a running stream or consumer and its definition. Only the
//! fields Jetcrawl relies on are compared; each difference says whether an update can
//! fix it in place.

use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream;

use super::catalog::Resource;

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `stream JOBS`, `KV bucket API_KEYS`, `consumer workers on JOBS`.
    pub what: String,
    /// The field, e.g. `replicas`.
    pub field: &'static str,
    /// What the server runs.
    pub running: String,
    /// What the definition says.
    pub defined: String,
    /// False when JetStream cannot change it on a live stream (storage, retention).
    pub updatable: bool,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: running {}, defined {}",
            self.what, self.field, self.running, self.defined
        )
    }
}

struct Collect {
    what: String,
    found: Vec<Difference>,
}

impl Collect {
    fn check<T: PartialEq + std::fmt::Debug>(
        &mut self,
        field: &'static str,
        running: T,
        defined: T,
        updatable: bool,
    ) {
        if running != defined {
            self.found.push(Difference {
                what: self.what.clone(),
                field,
                running: format!("{running:?}"),
                defined: format!("{defined:?}"),
                updatable,
            });
        }
    }
}

/// Differences between `running` (the stream behind `resource`) and the definition.
pub fn resource_differences(resource: &Resource, running: &stream::Config) -> Vec<Difference> {
    let mut c = Collect {
        what: resource.label(),
        found: Vec::new(),
    };
    match resource {
        Resource::Stream(defined) => {
            c.check("storage", running.storage, defined.storage, false);
            c.check("retention", running.retention, defined.retention, false);
            c.check("replicas", running.num_replicas, defined.num_replicas, true);
            c.check("subjects", &running.subjects, &defined.subjects, true);
            if !defined.duplicate_window.is_zero() {
                c.check(
                    "duplicate_window",
                    running.duplicate_window,
                    defined.duplicate_window,
                    true,
                );
            }
            c.check("max_age", running.max_age, defined.max_age, true);
            c.check(
                "deny_delete",
                running.deny_delete,
                defined.deny_delete,
                true,
            );
            c.check("deny_purge", running.deny_purge, defined.deny_purge, true);
            c.check(
                "allow_direct",
                running.allow_direct,
                defined.allow_direct,
                true,
            );
            c.check(
                "allow_atomic",
                running.allow_atomic_publish,
                defined.allow_atomic_publish,
                true,
            );
        }
        Resource::KeyValue(defined) => {
            c.check("storage", running.storage, defined.storage, false);
            c.check("replicas", running.num_replicas, defined.num_replicas, true);
            c.check(
                "history",
                running.max_messages_per_subject,
                defined.history,
                true,
            );
            c.check("max_age", running.max_age, defined.max_age, true);
        }
        Resource::Objects(defined) => {
            c.check("storage", running.storage, defined.storage, false);
            c.check("replicas", running.num_replicas, defined.num_replicas, true);
            c.check("max_age", running.max_age, defined.max_age, true);
        }
    }
    c.found
}

/// `running` with every updatable field of `resource` set as defined.
pub fn updated(resource: &Resource, running: &stream::Config) -> stream::Config {
    let mut config = running.clone();
    match resource {
        Resource::Stream(defined) => {
            let storage = config.storage;
            let retention = config.retention;
            config = defined.as_ref().clone();
            // Not changeable in place: left for the error to report.
            config.storage = storage;
            config.retention = retention;
        }
        Resource::KeyValue(defined) => {
            config.num_replicas = defined.num_replicas;
            config.max_messages_per_subject = defined.history;
            config.max_age = defined.max_age;
        }
        Resource::Objects(defined) => {
            config.num_replicas = defined.num_replicas;
            config.max_age = defined.max_age;
        }
    }
    config
}

/// Differences between a running consumer and its definition.
pub fn consumer_differences(
    what: String,
    running: &pull::Config,
    defined: &pull::Config,
) -> Vec<Difference> {
    let mut c = Collect {
        what,
        found: Vec::new(),
    };
    let mut running_filters = running.filter_subjects.clone();
    if !running.filter_subject.is_empty() {
        running_filters.push(running.filter_subject.clone());
    }
    let mut defined_filters = defined.filter_subjects.clone();
    if !defined.filter_subject.is_empty() {
        defined_filters.push(defined.filter_subject.clone());
    }
    running_filters.sort();
    defined_filters.sort();
    c.check("filter_subjects", running_filters, defined_filters, true);
    c.check("ack_policy", running.ack_policy, defined.ack_policy, false);
    // Zero means "the server's default" in a definition: the server fills it in.
    if !defined.ack_wait.is_zero() {
        c.check("ack_wait", running.ack_wait, defined.ack_wait, true);
    }
    if defined.max_deliver != 0 {
        c.check(
            "max_deliver",
            running.max_deliver,
            defined.max_deliver,
            true,
        );
    }
    if defined.max_ack_pending != 0 {
        c.check(
            "max_ack_pending",
            running.max_ack_pending,
            defined.max_ack_pending,
            true,
        );
    }
    c.found
}
