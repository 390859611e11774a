//! What an egress refusal becomes in a job: a final `TargetForbidden` error naming the
//! URL, the address, its class and the allow-list entry that would admit it.

use jetcrawl_egress::{CheckError, Refusal};
use url::Url;

use crate::error::{ErrorClass, JobError};

/// The job error of `refusal` for `url`.
pub fn refused(url: &str, refusal: &Refusal) -> JobError {
    JobError::new(ErrorClass::TargetForbidden, format!("{url}: {refusal}"))
}

/// Only http and https leave the worker.
pub fn check_scheme(url: &Url) -> Result<(), JobError> {
    jetcrawl_egress::check_scheme(url).map_err(JobError::from)
}

impl From<CheckError> for JobError {
    fn from(err: CheckError) -> Self {
        let class = match &err {
            CheckError::Scheme { .. } | CheckError::Refused { .. } => ErrorClass::TargetForbidden,
            CheckError::NoHost { .. } => ErrorClass::InvalidSpec,
            CheckError::Resolve { .. } => ErrorClass::Network,
        };
        JobError::new(class, jetcrawl_egress::chain(&err))
    }
}
