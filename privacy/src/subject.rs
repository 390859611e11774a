//! Whose data a job carries, and the pseudonymous reference stored in clear instead.

use std::fmt;

use crate::key::hmac_sha256;

/// The person (data subject) a job's personal fields belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The client named one in `JobSpec.data_subject`; every job naming it shares a key.
    Data(String),
    /// No `data_subject`: the job is its own subject, with a key of its own (ADR 0023).
    Job(String),
}

impl Subject {
    /// The subject of a job `job_id` whose spec names `data_subject` (may be empty).
    pub fn of_job(data_subject: &str, job_id: &str) -> Self {
        if data_subject.is_empty() {
            Self::Job(job_id.to_owned())
        } else {
            Self::Data(data_subject.to_owned())
        }
    }

    /// `data_subject` or `job`, as recorded in SubjectErased / SubjectDataExported.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Data(_) => "data_subject",
            Self::Job(_) => "job",
        }
    }

    fn id(&self) -> &str {
        match self {
            Self::Data(id) | Self::Job(id) => id,
        }
    }
}

/// The secret that turns a subject into its [`SubjectRef`] (a pepper). Without it a
/// reference cannot be recomputed from a guessed subject id.
#[derive(Clone)]
pub struct RefKey(pub(crate) zeroize::Zeroizing<Vec<u8>>);

impl fmt::Debug for RefKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefKey(..)")
    }
}

impl RefKey {
    /// A reference key made of `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        Self(zeroize::Zeroizing::new(bytes.to_vec()))
    }

    /// The reference of `subject` of `tenant`: 128 bits of HMAC-SHA256, in hex.
    pub fn reference(&self, tenant: &str, subject: &Subject) -> SubjectRef {
        let mac = hmac_sha256(
            &self.0,
            &[
                b"jetcrawl-subject-v1\0",
                subject.kind().as_bytes(),
                b"\0",
                tenant.as_bytes(),
                b"\0",
                subject.id().as_bytes(),
            ],
        );
        SubjectRef(hex::encode(&mac[..16]))
    }
}

/// A subject's pseudonymous reference: 32 lower-case hex digits. It names the subject's
/// key in `SUBJECT_KEYS` and appears in sealed values and `JobSubmitted.subject_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectRef(String);

impl SubjectRef {
    /// Parses a stored reference; `None` unless it is 32 lower-case hex digits.
    pub fn parse(value: &str) -> Option<Self> {
        let valid = value.len() == 32
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| Self(value.to_owned()))
    }

    /// The hex form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_depend_on_the_pepper_the_tenant_the_kind_and_the_id() {
        let pepper = RefKey::new(b"pepper-1");
        let alice = Subject::Data("alice@example.com".into());
        let r = pepper.reference("acme", &alice);
        assert_eq!(r, pepper.reference("acme", &alice));
        assert_ne!(r, pepper.reference("globex", &alice));
        assert_ne!(r, RefKey::new(b"pepper-2").reference("acme", &alice));
        assert_ne!(
            pepper.reference("acme", &Subject::Data("x".into())),
            pepper.reference("acme", &Subject::Job("x".into()))
        );
        assert_eq!(SubjectRef::parse(r.as_str()), Some(r.clone()));
        assert!(!r.as_str().contains("alice"));
    }

    #[test]
    fn a_job_without_data_subject_is_its_own_subject() {
        assert_eq!(Subject::of_job("", "j1"), Subject::Job("j1".into()));
        assert_eq!(Subject::of_job("bob", "j1"), Subject::Data("bob".into()));
        assert_eq!(SubjectRef::parse("ABC"), None);
    }
}
