//! The downloadable objects of a succeeded job, named as in its URLs.

use jetcrawl_proto::v1::JobSucceeded;
use jetcrawl_results::artifacts::{RESULT_NAME, artifact_name};
use jetcrawl_results::content_type_of;

/// One object a signed URL may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloadable {
    /// Name in the URL (`result.json`, `shot.png`, `shot.thumb.png`).
    pub name: String,
    /// Key in the result store.
    pub key: String,
    /// Content type served.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex sha256 (the ETag).
    pub sha256: String,
}

/// The result JSON first, then every artifact recorded in `JobSucceeded`.
pub fn downloadables(job_id: &str, succeeded: &JobSucceeded) -> Vec<Downloadable> {
    let result_name = artifact_name(job_id, &succeeded.result_key).unwrap_or(RESULT_NAME);
    let mut out = vec![Downloadable {
        name: result_name.to_owned(),
        key: succeeded.result_key.clone(),
        content_type: content_type_of(result_name).to_owned(),
        size: succeeded.result_size,
        sha256: succeeded.result_sha256.clone(),
    }];
    out.extend(succeeded.artifacts.iter().filter_map(|a| {
        let name = artifact_name(job_id, &a.key)?;
        let content_type = if a.content_type.is_empty() {
            content_type_of(name).to_owned()
        } else {
            a.content_type.clone()
        };
        Some(Downloadable {
            name: name.to_owned(),
            key: a.key.clone(),
            content_type,
            size: a.size,
            sha256: a.sha256.clone(),
        })
    }));
    out
}
