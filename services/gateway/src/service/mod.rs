//! The one service behind both transports: gRPC and HTTP handlers only translate.

mod caller;
mod convert;
mod gateway;
mod get;
mod ids;
mod list;
mod submit;
mod watch;

pub use caller::Caller;
pub use convert::job_to_proto;
pub use gateway::{Gateway, Settings};
pub use ids::{IDEMPOTENCY_NAMESPACE, job_id_for};
pub use watch::JobEventStream;
