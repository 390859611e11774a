//! Given/when/then tests of the facts about a job's outputs, recorded by the notifier:
//! webhook deliveries and result expiry. A repeat records nothing.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{
    JobReplayed, JobSucceeded, ResultExpired, WebhookDelivered, WebhookFailed,
};

use crate::tests::{given, started, submitted, then, when};
use crate::{Command, DecideError};

fn succeeded() -> Vec<Payload> {
    vec![
        submitted(),
        started(1),
        Payload::JobSucceeded(JobSucceeded {
            attempt: 1,
            result_key: "job-1/result.json".into(),
            ..Default::default()
        }),
    ]
}

fn delivered(id: &str) -> WebhookDelivered {
    WebhookDelivered {
        webhook_id: id.into(),
        attempt: 2,
        status_code: 200,
        ..Default::default()
    }
}

fn failed(id: &str, attempt: u32) -> WebhookFailed {
    WebhookFailed {
        webhook_id: id.into(),
        attempt,
        status_code: 503,
        retrying: true,
        ..Default::default()
    }
}

fn expired() -> ResultExpired {
    ResultExpired {
        keys: vec!["job-1/result.json".into()],
        reason: "retention".into(),
        ..Default::default()
    }
}

#[test]
fn given_a_finished_job_when_a_delivery_is_recorded_then_webhook_delivered_once() {
    let job = given(succeeded());
    let events = when(&job, Command::RecordDelivery(delivered("msg_job-1_3"))).expect("ok");
    assert_eq!(
        events,
        vec![Payload::WebhookDelivered(delivered("msg_job-1_3"))]
    );
    let after = then(job, &events);
    let again = when(&after, Command::RecordDelivery(delivered("msg_job-1_3"))).expect("ok");
    assert!(again.is_empty(), "a repeat records nothing");
    let other = when(&after, Command::RecordDelivery(delivered("msg_job-1_9"))).expect("ok");
    assert_eq!(other.len(), 1, "another notification is another fact");
}

#[test]
fn given_a_failed_attempt_recorded_when_the_same_attempt_is_recorded_then_nothing() {
    let job = given(succeeded());
    let first = when(
        &job,
        Command::RecordDeliveryFailure(failed("msg_job-1_3", 1)),
    )
    .expect("ok");
    assert_eq!(
        first,
        vec![Payload::WebhookFailed(failed("msg_job-1_3", 1))]
    );
    let after = then(job, &first);
    let repeat = when(
        &after,
        Command::RecordDeliveryFailure(failed("msg_job-1_3", 1)),
    )
    .expect("ok");
    assert!(repeat.is_empty());
    let next = when(
        &after,
        Command::RecordDeliveryFailure(failed("msg_job-1_3", 2)),
    )
    .expect("ok");
    assert_eq!(next.len(), 1, "the next attempt is recorded");
}

#[test]
fn given_a_result_when_it_expires_then_recorded_once_until_a_new_success() {
    let job = given(succeeded());
    let events = when(&job, Command::ExpireResult(expired())).expect("ok");
    assert_eq!(events, vec![Payload::ResultExpired(expired())]);
    let after = then(job, &events);
    assert!(
        when(&after, Command::ExpireResult(expired()))
            .expect("ok")
            .is_empty()
    );
    let replayed = then(
        after,
        &[
            Payload::JobReplayed(JobReplayed::default()),
            started(1),
            Payload::JobSucceeded(JobSucceeded {
                attempt: 1,
                ..Default::default()
            }),
        ],
    );
    assert_eq!(
        when(&replayed, Command::ExpireResult(expired()))
            .expect("ok")
            .len(),
        1
    );
}

#[test]
fn given_no_job_when_an_output_is_recorded_then_not_found() {
    let nothing = given(vec![]);
    for command in [
        Command::RecordDelivery(delivered("x")),
        Command::RecordDeliveryFailure(failed("x", 1)),
        Command::ExpireResult(expired()),
    ] {
        assert_eq!(when(&nothing, command), Err(DecideError::NotFound));
    }
}
