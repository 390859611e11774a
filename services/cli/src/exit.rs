//! How a command ends: an exit code per kind of failure, so scripts can tell a typo
//! from a missing job or a gateway that is down, and the error said once, without a
//! backtrace: a sentence on stderr, or one JSON document on stdout with `--output json`.

use std::process::ExitCode;

use serde_json::json;
use tonic::Code;

use crate::args::Output;
use crate::output;

/// The kinds of failure, each with its own exit code (`jetcrawl --help` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Anything else (1).
    Failure,
    /// A flag, file or field is wrong: fix the command (2, as clap's own usage errors).
    Usage,
    /// No such job, key or report (3).
    NotFound,
    /// The credential is missing, unknown or not allowed to do this (4).
    Permission,
    /// The gateway or the platform behind it cannot answer now; try again (5).
    Unavailable,
    /// A job the command waited for ended failed or cancelled (6).
    JobFailed,
}

impl ExitKind {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Failure => 1,
            Self::Usage => 2,
            Self::NotFound => 3,
            Self::Permission => 4,
            Self::Unavailable => 5,
            Self::JobFailed => 6,
        }
    }

    /// The name scripts read in `--output json` errors.
    pub fn name(self) -> &'static str {
        match self {
            Self::Failure => "failure",
            Self::Usage => "usage",
            Self::NotFound => "not_found",
            Self::Permission => "permission",
            Self::Unavailable => "unavailable",
            Self::JobFailed => "job_failed",
        }
    }

    /// The kind of the typed error in `err` (its root or a context added to it);
    /// [`Self::Failure`] otherwise.
    pub fn of(err: &anyhow::Error) -> Self {
        if let Some(status) = err.downcast_ref::<GatewayStatus>() {
            Self::of_code(status.code)
        } else if err.downcast_ref::<Unreachable>().is_some() {
            Self::Unavailable
        } else if err.downcast_ref::<JobEnded>().is_some() {
            Self::JobFailed
        } else if err.downcast_ref::<UsageError>().is_some() {
            Self::Usage
        } else {
            Self::Failure
        }
    }

    fn of_code(code: Code) -> Self {
        match code {
            Code::InvalidArgument | Code::OutOfRange => Self::Usage,
            Code::NotFound => Self::NotFound,
            Code::PermissionDenied | Code::Unauthenticated => Self::Permission,
            Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted => {
                Self::Unavailable
            }
            _ => Self::Failure,
        }
    }
}

/// The gateway's answer to a call that failed, its gRPC code kept for the exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message} ({code:?})")]
pub struct GatewayStatus {
    /// The gRPC code.
    pub code: Code,
    /// The gateway's message (it names the field to fix).
    pub message: String,
}

impl From<tonic::Status> for GatewayStatus {
    fn from(status: tonic::Status) -> Self {
        Self {
            code: status.code(),
            message: status.message().to_owned(),
        }
    }
}

/// Nothing answered at the gateway's address.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach the gateway at {0}; is `jetcrawl up` running, and is --gateway right?")]
pub struct Unreachable(pub String);

/// A job the command followed ended other than succeeded.
#[derive(Debug, thiserror::Error)]
#[error("job {job_id} ended {state}{}", why.as_deref().map(|w| format!(": {w}")).unwrap_or_default())]
pub struct JobEnded {
    /// The job.
    pub job_id: String,
    /// `failed` or `cancelled`.
    pub state: &'static str,
    /// The failure's class and message, when it failed.
    pub why: Option<String>,
    /// The job as JSON, put beside the error in `--output json`.
    pub job: Option<serde_json::Value>,
}

/// A failure whose details are a JSON document (an audit chain's verdict): with
/// `--output json` its fields stand beside `error` in the one document printed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Documented {
    /// The sentence for people.
    pub message: String,
    /// A JSON object.
    pub document: serde_json::Value,
}

/// A flag or file the user gave is wrong; nothing was sent.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Says `err` on stderr, and with `--output json` as the one JSON document on stdout;
/// returns its exit code.
pub fn report(err: &anyhow::Error, format: Output) -> ExitCode {
    let kind = ExitKind::of(err);
    let message = format!("{err:#}");
    if format == Output::Json {
        let mut document = match err.downcast_ref::<Documented>() {
            Some(documented) if documented.document.is_object() => documented.document.clone(),
            _ => json!({}),
        };
        if let Some(job) = err.downcast_ref::<JobEnded>().and_then(|e| e.job.clone()) {
            document["job"] = job;
        }
        document["error"] =
            json!({"kind": kind.name(), "exit_code": kind.code(), "message": message});
        output::line(format_args!("{document}"));
    }
    eprintln!("error: {message}");
    ExitCode::from(kind.code())
}

/// The exit codes, for `--help`.
pub const EXIT_CODES: &str = "Exit codes: 0 done, 1 other failure, 2 usage (a flag, file or \
field to fix), 3 not found, 4 permission (missing, unknown or insufficient key), \
5 unavailable (try again later), 6 a waited-for job failed or was cancelled.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_own_code() {
        let status = |code| anyhow::Error::new(GatewayStatus::from(tonic::Status::new(code, "x")));
        let cases = [
            (status(Code::InvalidArgument), 2),
            (status(Code::NotFound), 3),
            (status(Code::PermissionDenied), 4),
            (status(Code::Unauthenticated), 4),
            (status(Code::Unavailable), 5),
            (status(Code::ResourceExhausted), 5),
            (anyhow::Error::new(Unreachable("http://x".into())), 5),
            (
                anyhow::Error::new(JobEnded {
                    job_id: "j".into(),
                    state: "failed",
                    why: None,
                    job: None,
                }),
                6,
            ),
            (anyhow::Error::new(UsageError("bad".into())), 2),
            (anyhow::anyhow!("something else"), 1),
        ];
        for (err, code) in cases {
            assert_eq!(ExitKind::of(&err).code(), code, "{err:#}");
        }
        let wrapped = anyhow::Error::new(GatewayStatus::from(tonic::Status::not_found("no job")))
            .context("getting job j");
        assert_eq!(
            ExitKind::of(&wrapped),
            ExitKind::NotFound,
            "context is looked through"
        );
        let unreachable =
            anyhow::anyhow!("transport error").context(Unreachable("http://x".into()));
        assert_eq!(ExitKind::of(&unreachable), ExitKind::Unavailable);
    }
}
