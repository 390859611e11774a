//! The personal fields of a job spec, and sealing them all under one subject's key.

use jetcrawl_proto::v1::JobSpec;
use jetcrawl_proto::v1::step::Kind;

use crate::error::PrivacyError;
use crate::key::DataKey;
use crate::seal::{ERASED, seal_value, sealed_ref};
use crate::subject::SubjectRef;

/// Every personal field of `spec` that holds a value: the URLs, navigate-step URLs, the
/// webhook URL, the data subject id and an agent job's goal. Empty optional fields are
/// left out.
pub fn personal_fields_mut(spec: &mut JobSpec) -> Vec<&mut String> {
    let mut fields: Vec<&mut String> = spec.urls.iter_mut().collect();
    for step in &mut spec.steps {
        if let Some(Kind::Navigate(navigate)) = &mut step.kind {
            fields.push(&mut navigate.url);
        }
    }
    fields.push(&mut spec.webhook_url);
    fields.push(&mut spec.data_subject);
    if let Some(agent) = &mut spec.agent {
        fields.push(&mut agent.goal);
    }
    fields.retain(|f| !f.is_empty());
    fields
}

/// `spec` with every personal field sealed under `key` of subject `reference`.
pub fn seal_spec(
    spec: &JobSpec,
    key: &DataKey,
    tenant: &str,
    reference: &SubjectRef,
) -> Result<JobSpec, PrivacyError> {
    let mut sealed = spec.clone();
    for field in personal_fields_mut(&mut sealed) {
        *field = seal_value(key, tenant, reference, field)?;
    }
    Ok(sealed)
}

/// The subject reference of a sealed spec (from its first sealed field).
pub fn sealed_subject_ref(spec: &JobSpec) -> Option<SubjectRef> {
    let mut spec = spec.clone();
    personal_fields_mut(&mut spec)
        .into_iter()
        .find_map(|field| sealed_ref(field))
}

/// True when a personal field of `spec` reads [`ERASED`]: its subject was erased, and
/// the job cannot run or be delivered any more.
pub fn is_erased(spec: &JobSpec) -> bool {
    let mut spec = spec.clone();
    personal_fields_mut(&mut spec)
        .into_iter()
        .any(|field| field == ERASED)
}

#[cfg(test)]
mod tests {
    use jetcrawl_proto::v1::{Navigate, Step};

    use super::*;
    use crate::subject::{RefKey, Subject};

    pub(crate) fn spec() -> JobSpec {
        JobSpec {
            urls: vec!["https://a.example/p?who=alice".into()],
            steps: vec![Step {
                kind: Some(Kind::Navigate(Navigate {
                    url: "https://a.example/next?who=alice".into(),
                })),
                timeout_ms: 0,
            }],
            webhook_url: "https://hooks.example/alice".into(),
            data_subject: "alice".into(),
            timeout_ms: 5_000,
            ..JobSpec::default()
        }
    }

    #[test]
    fn sealing_covers_every_personal_field_and_nothing_else() {
        let key = DataKey::generate();
        let r = RefKey::new(b"p").reference("acme", &Subject::Data("alice".into()));
        let sealed = seal_spec(&spec(), &key, "acme", &r).expect("seals");
        let text = format!("{sealed:?}");
        assert!(
            !text.contains("alice") && !text.contains("a.example"),
            "{text}"
        );
        assert_eq!(sealed.timeout_ms, 5_000);
        assert_eq!(sealed_subject_ref(&sealed), Some(r));
        assert_eq!(sealed_subject_ref(&spec()), None);
        assert!(!is_erased(&sealed));
    }

    #[test]
    fn an_absent_webhook_stays_empty() {
        let key = DataKey::generate();
        let r = RefKey::new(b"p").reference("acme", &Subject::Job("j".into()));
        let plain = JobSpec {
            urls: vec!["https://a.example/".into()],
            ..JobSpec::default()
        };
        let sealed = seal_spec(&plain, &key, "acme", &r).expect("seals");
        assert!(sealed.webhook_url.is_empty() && sealed.data_subject.is_empty());
    }
}
