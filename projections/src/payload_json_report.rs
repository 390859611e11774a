//! JSON rendering of `ReportGenerated` for the audit log's `details`: the month, the
//! revision, each file's key and sha256, and the audit chain head it saw.

use jetcrawl_proto::v1::{ReportFileDigest, ReportGenerated};
use serde_json::{Value, json};

pub(crate) fn report_generated(p: &ReportGenerated) -> Value {
    json!({
        "month": p.month,
        "revision": p.revision,
        "files": p.files.iter().map(file).collect::<Vec<_>>(),
        "audit_chain_ok": p.audit_chain_ok,
        "audit_head_seq": p.audit_head_seq,
        "audit_head_hash": p.audit_head_hash,
    })
}

fn file(f: &ReportFileDigest) -> Value {
    json!({
        "scope": f.scope,
        "format": f.format,
        "object_key": f.object_key,
        "size": f.size,
        "sha256": f.sha256,
    })
}
