//! The gRPC face of the gateway.

mod audit;
mod crawl;
mod jobs;
mod oversize;
mod reports;

pub use audit::AuditApi;
pub use crawl::CrawlApi;
pub use jobs::JobsApi;
pub use oversize::{is_oversize, oversize_as_resource_exhausted};
pub use reports::ReportsApi;
