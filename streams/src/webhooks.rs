//! The notifier's buckets: per-tenant webhook secrets and endpoints disabled by a
//! `410 Gone`. Defined here with every other bucket so `jetcrawl admin apply` owns them.

pub use crate::topology::definitions::{
    DISABLED_BUCKET, SECRETS_BUCKET, disabled_bucket, secrets_bucket,
};
