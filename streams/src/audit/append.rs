//! [`append_action`]: the one function that writes to `AUDIT_ACTIONS` for an audit
//! action, as `EventStore::execute` is for a job's events (ADR 31, ADR 34).

use async_nats::jetstream::Context;
use async_nats::jetstream::message::PublishMessage;
use jetcrawl_proto::v1::AuditAction;

use super::envelope::{action_headers, encode_action};
use super::kind::ActionKind;
use crate::error::StoreError;
use crate::security::AUDIT_ACTIONS_STREAM;
use crate::subjects::is_valid_token;

/// Publishes `action` on its subject (`audit.<kind>.<tenant>`) of `AUDIT_ACTIONS` and
/// returns its stream sequence once JetStream acknowledged it.
///
/// `dedupe`, when given, is sent as `Nats-Msg-Id`: a second publish with the same id
/// inside the stream's duplicate window stores nothing and returns the first one's
/// sequence. Give one when the action has a natural identity that a retry repeats (the
/// reporter: month, revision and file digest); without one every call records an action.
///
/// An unacknowledged publish is `StoreError::Unavailable`: it may still have been stored
/// (DESIGN.md pitfall 11), so a retry without `dedupe` can record the action twice.
pub async fn append_action(
    js: &Context,
    action: &AuditAction,
    dedupe: Option<&str>,
) -> Result<u64, StoreError> {
    let kind = check(action)?;
    let subject = kind.subject(&action.tenant);
    let mut headers = action_headers(action);
    if let Some(id) = dedupe {
        headers.insert(async_nats::header::NATS_MESSAGE_ID, id);
    }
    let message = PublishMessage::build()
        .payload(encode_action(action))
        .headers(headers);
    let context = || {
        format!(
            "recording {} on {AUDIT_ACTIONS_STREAM} ({subject})",
            kind.type_name()
        )
    };
    let ack = js
        .send_publish(subject.clone(), message)
        .await
        .map_err(|err| StoreError::unavailable_while(context(), err))?
        .await
        .map_err(|err| StoreError::unavailable_while(context(), err))?;
    Ok(ack.sequence)
}

/// The action's kind, or why it must not be published (a bug in the caller).
fn check(action: &AuditAction) -> Result<ActionKind, StoreError> {
    let Some(kind) = action.action.as_ref().map(ActionKind::of) else {
        return Err(StoreError::Invalid("an audit action without its action"));
    };
    if action.action_type != kind.type_name() {
        return Err(StoreError::Invalid(
            "an audit action whose action_type is not its action's (build it with new_action)",
        ));
    }
    if !is_valid_token(&action.tenant) {
        return Err(StoreError::Invalid(
            "an audit action whose tenant is not one subject token",
        ));
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use jetcrawl_proto::v1::ApiKeyRevoked;
    use jetcrawl_proto::v1::audit_action::Action;

    use super::*;
    use crate::audit::new_action;

    fn revoked(tenant: &str) -> AuditAction {
        new_action(
            tenant,
            "cli:root",
            "",
            Action::ApiKeyRevoked(ApiKeyRevoked::default()),
        )
    }

    #[test]
    fn only_a_well_formed_action_is_published() {
        assert_eq!(
            check(&revoked("acme")).ok(),
            Some(ActionKind::ApiKeyRevoked)
        );
        assert_eq!(
            check(&revoked("_all")).ok(),
            Some(ActionKind::ApiKeyRevoked)
        );
        for bad in [
            AuditAction {
                action: None,
                ..revoked("acme")
            },
            AuditAction {
                action_type: "ApiKeyIssued".into(),
                ..revoked("acme")
            },
            revoked("a.b"),
            revoked(""),
        ] {
            assert!(
                matches!(check(&bad), Err(StoreError::Invalid(_))),
                "{bad:?} must be refused"
            );
        }
    }
}
