//! The spec's canonical digest: what makes "the same key with the same spec" decidable.

use std::collections::BTreeMap;

use jetcrawl_proto::v1::JobSpec;
use prost::Message;
use prost::encoding::{btree_map, string};
use sha2::{Digest, Sha256};

/// Field number of `JobSpec.labels`, the last field.
const LABELS_FIELD: u32 = 6;

/// Canonical bytes of `spec`: its prost encoding with the labels map in key order.
///
/// prost encodes a `HashMap` in iteration order, which differs between processes, so the
/// labels are encoded from a sorted map; everything else is already deterministic. Labels
/// are the last field, so appending them keeps the encoding in field order.
pub fn canonical_bytes(spec: &JobSpec) -> Vec<u8> {
    let without_labels = JobSpec {
        labels: Default::default(),
        ..spec.clone()
    };
    let mut buf = without_labels.encode_to_vec();
    let labels: BTreeMap<String, String> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    btree_map::encode(
        string::encode,
        string::encoded_len,
        string::encode,
        string::encoded_len,
        LABELS_FIELD,
        &labels,
        &mut buf,
    );
    buf
}

/// Hex sha256 of [`canonical_bytes`].
pub fn spec_sha256(spec: &JobSpec) -> String {
    hex::encode(Sha256::digest(canonical_bytes(spec)))
}
