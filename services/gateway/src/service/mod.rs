//! The one service behind both transports: gRPC and HTTP handlers only translate.

mod caller;
mod cancel;
mod convert;
mod dead_letters;
mod gateway;
mod get;
mod guards;
mod ids;
mod list;
mod replay;
mod result;
mod submit;
mod watch;

pub use caller::Caller;
pub use convert::{job_to_proto, timestamp};
pub use gateway::{Gateway, Settings};
pub use guards::Guards;
pub use ids::{IDEMPOTENCY_NAMESPACE, job_id_for};
pub(crate) use result::gone;
pub use result::{ResultView, result_view};
pub use watch::JobEventStream;
