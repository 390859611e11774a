//! Generation on request: the gateway's GenerateMonthlyReport arrives as a
//! `GenerateReportCommand` on `jetcrawl.reports.generate` (queue group `reporters`, so one
//! reporter answers) and gets a `GenerateReportReply`.

use std::future::Future;

use futures::StreamExt as _;
use jetcrawl_proto::v1::generate_report_reply::Outcome;
use jetcrawl_proto::v1::report_failure::Code;
use jetcrawl_proto::v1::{GenerateReportCommand, GenerateReportReply, ReportFailure};
use jetcrawl_streams::reports::{REPORTERS_QUEUE, REPORTS_GENERATE_SUBJECT};
use prost::Message as _;

use crate::error::ReportError;
use crate::generate::{GenerateRequest, Reporter};
use crate::month::Month;
use crate::summary::response;

/// Subscribes before returning, then answers requests until `shutdown`.
pub async fn serve_requests(
    client: async_nats::Client,
    reporter: Reporter,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<impl Future<Output = ()>, ReportError> {
    let mut requests = client
        .queue_subscribe(REPORTS_GENERATE_SUBJECT, REPORTERS_QUEUE.to_owned())
        .await
        .map_err(|err| ReportError::nats("subscribing to report requests", err))?;
    Ok(async move {
        tokio::pin!(shutdown);
        loop {
            let message = tokio::select! {
                () = &mut shutdown => return,
                next = requests.next() => match next { Some(m) => m, None => return },
            };
            let (client, reporter) = (client.clone(), reporter.clone());
            tokio::spawn(async move {
                let Some(reply_to) = message.reply else {
                    return;
                };
                let reply = answer(&reporter, &message.payload).await;
                if let Err(err) = client.publish(reply_to, reply.encode_to_vec().into()).await {
                    tracing::warn!(error = %err, "could not answer a report request");
                }
            });
        }
    })
}

/// The reply to one encoded command.
pub async fn answer(reporter: &Reporter, payload: &[u8]) -> GenerateReportReply {
    let outcome = match handle(reporter, payload).await {
        Ok(done) => Outcome::Done(done),
        Err(err) => Outcome::Failure(failure(err)),
    };
    GenerateReportReply {
        outcome: Some(outcome),
    }
}

async fn handle(
    reporter: &Reporter,
    payload: &[u8],
) -> Result<jetcrawl_proto::v1::GenerateMonthlyReportResponse, ReportError> {
    let command = GenerateReportCommand::decode(payload).map_err(|err| ReportError::Invalid {
        field: "request",
        message: format!("not a GenerateReportCommand: {err}"),
    })?;
    let month: Month = command
        .month
        .parse()
        .map_err(|err: crate::month::BadMonth| ReportError::Invalid {
            field: "month",
            message: err.to_string(),
        })?;
    let requested_by = if command.requested_by.is_empty() {
        crate::schedule::SYSTEM_ACTOR.to_owned()
    } else {
        command.requested_by
    };
    let done = reporter
        .generate(GenerateRequest {
            month,
            regenerate: command.regenerate,
            requested_by,
        })
        .await?;
    Ok(response(&done.report, done.generated))
}

fn failure(err: ReportError) -> ReportFailure {
    let (code, field) = match &err {
        ReportError::Invalid { field, .. } => (Code::InvalidArgument, (*field).to_owned()),
        ReportError::Precondition(_) => (Code::FailedPrecondition, String::new()),
        ReportError::NotFound(_) => (Code::NotFound, String::new()),
        ReportError::Unavailable(_) => (Code::Unavailable, String::new()),
    };
    let message = match err {
        ReportError::Invalid { message, .. } => message,
        other => other.to_string(),
    };
    ReportFailure {
        code: code as i32,
        field,
        message,
    }
}
