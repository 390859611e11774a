//! The gRPC face of the gateway.

mod jobs;
mod oversize;

pub use jobs::JobsApi;
pub use oversize::{is_oversize, oversize_as_resource_exhausted};
