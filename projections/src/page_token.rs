//! Opaque keyset page tokens: the (submitted_at, job_id) of the last row of a page.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::error::ProjectionError;

/// Where the next page starts: just after this key in (submitted_at DESC, job_id DESC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageKey {
    /// `submitted_at` of the last row returned.
    pub submitted_at: DateTime<Utc>,
    /// `job_id` of the last row returned.
    pub job_id: String,
}

impl PageKey {
    /// The opaque token handed to clients.
    pub fn encode(&self) -> String {
        let raw = format!(
            "v1:{}:{}",
            self.submitted_at.timestamp_micros(),
            self.job_id
        );
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Parses a token made by [`PageKey::encode`].
    pub fn decode(token: &str) -> Result<Self, ProjectionError> {
        let invalid = || {
            ProjectionError::InvalidArgument(format!(
                "page token {token:?} is not one this service issued; pass the next_page_token \
                 of the previous page unchanged, or none for the first page"
            ))
        };
        let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let raw = String::from_utf8(raw).map_err(|_| invalid())?;
        let mut parts = raw.splitn(3, ':');
        let (Some("v1"), Some(micros), Some(job_id)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let micros: i64 = micros.parse().map_err(|_| invalid())?;
        let submitted_at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
        Ok(Self {
            submitted_at,
            job_id: job_id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_its_key() {
        let key = PageKey {
            submitted_at: DateTime::from_timestamp_micros(1_767_225_600_123_456).expect("time"),
            job_id: "0193-ab:c".into(),
        };
        assert_eq!(PageKey::decode(&key.encode()).expect("decodes"), key);
    }

    #[test]
    fn a_foreign_token_is_refused_with_advice() {
        let err = PageKey::decode("not-a-token").expect_err("refused");
        assert!(err.to_string().contains("next_page_token"), "{err}");
        assert!(PageKey::decode(&URL_SAFE_NO_PAD.encode("v2:1:x")).is_err());
    }
}
