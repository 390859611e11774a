//! The one service behind both transports: gRPC and HTTP handlers only translate.

mod audit;
mod caller;
mod cancel;
mod convert;
mod dead_letters;
mod gateway;
mod get;
mod guards;
mod ids;
mod list;
mod privacy;
mod replay;
mod reports;
mod reports_files;
mod result;
mod seal;
mod subject_export;
mod subject_request;
mod subject_rows;
mod submit;
mod watch;

pub use audit::verdict_to_proto;
pub use caller::Caller;
pub use convert::{job_to_proto, timestamp};
pub use gateway::{Gateway, Settings};
pub use guards::Guards;
pub use ids::{IDEMPOTENCY_NAMESPACE, job_id_for};
pub(crate) use reports_files::{content_type, report_error, report_path};
pub(crate) use result::gone;
pub use result::{ResultView, result_view};
pub use seal::PrivacyAccess;
pub use watch::JobEventStream;
