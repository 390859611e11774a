//! Real local infrastructure as child processes: a nats-server with JetStream (alone or
//! as a 3-node cluster) and a Postgres cluster, each on free loopback ports, plus the
//! Chromium path and launch flags. Stores can sit on a loop-mounted disk whose power
//! can be cut, to test what an acknowledgement survives.
//!
//! The `jetcrawl up` command uses it with a persistent `.jetcrawl/` data directory; the
//! test kit uses it with temporary directories. Every child runs in its own process
//! group, which is killed as a whole on drop and by a watchdog if this process dies,
//! so a failing or killed test never leaves orphans behind.
//!
//! Errors are `anyhow` with context on purpose: every failure here is an environment
//! problem for a human to fix (a missing binary, a busy port), never one a caller
//! branches on, and the message says what to install or check.

pub mod chromium;
pub mod cluster;
pub mod nats;
pub mod pg_tools;
pub mod ports;
pub mod postgres;
pub mod power;
pub mod process;
pub mod user;

mod binaries;
mod jsz;
mod launch;
mod probe;

pub use chromium::chromium_path;
pub use cluster::{ClusterOptions, NatsCluster};
pub use nats::{NatsOptions, NatsServer};
pub use ports::free_port;
pub use postgres::{Postgres, PostgresOptions};
pub use power::PowerCutDisk;
pub use process::ChildGroup;
