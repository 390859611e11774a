//! What the reporter writes and the gateway reads about monthly reports: the month a
//! report covers, the reports index in Postgres, and its rows as `jetcrawl.v1`
//! summaries. Both sides depend on this crate, not on each other.

pub mod index;
pub mod month;
pub mod summary;

pub use month::{BadMonth, Month};
