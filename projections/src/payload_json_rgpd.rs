//! JSON renderings of the RGPD audit actions (SubjectErased, SubjectDataExported,
//! RetentionRun), for the audit log's `details`. They carry pseudonymous references and
//! counts only, never a personal field.

use jetcrawl_proto::v1::{
    DataSubjectRequest, RetentionRemoval, RetentionRun, SubjectDataExported, SubjectErased,
};
use serde_json::{Value, json};

use crate::payload_time::rfc3339;

pub(crate) fn subject_erased(p: &SubjectErased) -> Value {
    with_request(
        json!({
            "subject_ref": p.subject_ref,
            "subject_kind": p.subject_kind,
            "job_ids": p.job_ids,
            "objects_deleted": p.objects_deleted,
            "key_existed": p.key_existed,
            "reason": p.reason,
        }),
        p.request.as_ref(),
    )
}

pub(crate) fn subject_data_exported(p: &SubjectDataExported) -> Value {
    with_request(
        json!({
            "subject_ref": p.subject_ref,
            "subject_kind": p.subject_kind,
            "job_ids": p.job_ids,
            "event_count": p.event_count,
            "export_sha256": p.export_sha256,
        }),
        p.request.as_ref(),
    )
}

pub(crate) fn retention_run(p: &RetentionRun) -> Value {
    json!({
        "run_id": p.run_id,
        "trigger": p.trigger,
        "started_at": rfc3339(p.started_at.as_ref()),
        "finished_at": rfc3339(p.finished_at.as_ref()),
        "removals": p.removals.iter().map(removal).collect::<Vec<_>>(),
        "error": p.error,
    })
}

fn removal(r: &RetentionRemoval) -> Value {
    json!({
        "category": r.category,
        "removed": r.removed,
        "cutoff": rfc3339(r.cutoff.as_ref()),
        "retention_secs": r.retention_secs,
        "overdue_after": r.overdue_after,
    })
}

/// `details` with `request` (reference, received_at) added when the action answers a
/// data subject's request. Actions recorded before requests existed render as they
/// always did, so their rows and hashes never change on a rebuild.
fn with_request(mut details: Value, request: Option<&DataSubjectRequest>) -> Value {
    if let Some(r) = request {
        details["request"] = json!({
            "reference": r.reference,
            "received_at": rfc3339(r.received_at.as_ref()),
        });
    }
    details
}
