//! The data subject's request an erasure or an export answers: its reference and when it
//! was received, checked before anything is done and recorded with the action, so the
//! monthly report can hold each request against the one-month deadline of GDPR
//! Art. 12(3).

use chrono::{DateTime, Duration, Utc};
use jetcrawl_proto::v1::DataSubjectRequest;

use crate::error::GatewayError;

/// Longest reference kept.
const MAX_REFERENCE: usize = 200;
/// Clock skew tolerated on a `received_at` from another machine.
const SKEW: Duration = Duration::minutes(5);

/// The request to record, or `None` when the caller gave none. A request without
/// `received_at` was received `now`.
pub(crate) fn checked(
    given: Option<DataSubjectRequest>,
    now: DateTime<Utc>,
) -> Result<Option<DataSubjectRequest>, GatewayError> {
    let Some(given) = given else {
        return Ok(None);
    };
    let reference = given.reference.trim().to_owned();
    if reference.chars().count() > MAX_REFERENCE || reference.chars().any(char::is_control) {
        return Err(GatewayError::invalid(
            "request.reference",
            format!("at most {MAX_REFERENCE} printable characters, e.g. a ticket number"),
        ));
    }
    let received_at = match given.received_at {
        None => now,
        Some(t) => DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(u32::MAX))
            .ok_or_else(|| GatewayError::invalid("request.received_at", "not a valid timestamp"))?,
    };
    if received_at > now + SKEW {
        return Err(GatewayError::invalid(
            "request.received_at",
            format!("{received_at} is in the future; give when the request was received"),
        ));
    }
    Ok(Some(DataSubjectRequest {
        reference,
        received_at: Some(prost_types::Timestamp {
            seconds: received_at.timestamp(),
            nanos: i32::try_from(received_at.timestamp_subsec_nanos()).unwrap_or(0),
        }),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_kept_defaulted_or_refused_naming_the_field() {
        let now = Utc::now();
        assert_eq!(checked(None, now).expect("none given"), None);
        let kept = checked(
            Some(DataSubjectRequest {
                reference: " TICKET-42 ".into(),
                received_at: None,
            }),
            now,
        )
        .expect("valid")
        .expect("kept");
        assert_eq!(kept.reference, "TICKET-42");
        assert_eq!(kept.received_at.map(|t| t.seconds), Some(now.timestamp()));
        let future = checked(
            Some(DataSubjectRequest {
                reference: String::new(),
                received_at: Some(prost_types::Timestamp {
                    seconds: (now + Duration::days(2)).timestamp(),
                    nanos: 0,
                }),
            }),
            now,
        )
        .expect_err("in the future");
        assert!(
            future.to_string().contains("request.received_at"),
            "{future}"
        );
        let long = checked(
            Some(DataSubjectRequest {
                reference: "x".repeat(201),
                received_at: None,
            }),
            now,
        )
        .expect_err("too long");
        assert!(long.to_string().contains("request.reference"), "{long}");
    }
}
