//! Reports: GenerateMonthlyReport asks a reporter (core-NATS request, queue group
//! `reporters`) and GetReport signs URLs of the files the reports index lists.
//!
//! Scope: a tenant's report holds only that tenant's figures and is readable by the
//! tenant's admins and auditors and by auditors granted the tenant. The platform report
//! (`all_tenants`) holds every tenant's figures, so it needs a credential that may read
//! every tenant in it. Regenerating (a new revision) is for admins.

use std::time::Duration;

use chrono::Utc;
use jetcrawl_projections::reports::Month;
use jetcrawl_projections::reports::index::{self, FileRow};
use jetcrawl_projections::reports::summary::summary;
use jetcrawl_proto::v1::generate_report_reply::Outcome;
use jetcrawl_proto::v1::report_failure::Code;
use jetcrawl_proto::v1::{
    AccessDenied, GenerateMonthlyReportRequest, GenerateMonthlyReportResponse,
    GenerateReportCommand, GenerateReportReply, GetReportRequest, GetReportResponse, ReportFile,
};
use jetcrawl_streams::reports::{PLATFORM_SCOPE, REPORTS_GENERATE_SUBJECT};
use prost::Message as _;

use super::{Caller, Gateway, timestamp};
use crate::auth::{Action, Role, check_tenant};
use crate::error::GatewayError;
use crate::service::reports_files::{content_type, report_error, report_path};

/// How long a generation may take before the call answers UNAVAILABLE (the generation
/// itself goes on; asking again returns its result). Below the default call deadline.
pub const GENERATE_TIMEOUT: Duration = Duration::from_secs(25);

impl Gateway {
    /// Generates (or returns) the month's report through a reporter.
    #[tracing::instrument(name = "generate_monthly_report", skip_all, fields(actor = %caller.actor, month = %request.month))]
    pub async fn generate_monthly_report(
        &self,
        caller: &Caller,
        request: GenerateMonthlyReportRequest,
    ) -> Result<GenerateMonthlyReportResponse, GatewayError> {
        let month = parse_month(&request.month)?;
        if request.regenerate && caller.role != Role::Admin {
            return Err(self.refuse_regenerate(caller).await);
        }
        let command = GenerateReportCommand {
            month: month.to_string(),
            regenerate: request.regenerate,
            requested_by: caller.actor.clone(),
        };
        let client = self.store.context().client();
        let ask = async_nats::Request::new()
            .payload(command.encode_to_vec().into())
            .timeout(Some(GENERATE_TIMEOUT));
        let reply = client
            .send_request(REPORTS_GENERATE_SUBJECT, ask)
            .await
            .map_err(request_error)?;
        let reply = GenerateReportReply::decode(reply.payload).map_err(|err| {
            GatewayError::unavailable_because(
                format!("a reporter answered something unreadable: {err}; retry"),
                err,
            )
        })?;
        match reply.outcome {
            Some(Outcome::Done(done)) => Ok(done),
            Some(Outcome::Failure(failure)) => Err(match failure.code() {
                Code::InvalidArgument => GatewayError::invalid(
                    if failure.field.is_empty() {
                        "month".to_owned()
                    } else {
                        failure.field
                    },
                    failure.message,
                ),
                Code::FailedPrecondition => GatewayError::FailedPrecondition(failure.message),
                Code::NotFound => GatewayError::NotFound(failure.message),
                Code::Unavailable | Code::Unspecified => GatewayError::unavailable(failure.message),
            }),
            None => Err(GatewayError::unavailable(
                "a reporter answered without an outcome; retry",
            )),
        }
    }

    /// Signed URLs of the month's report in the caller's scope.
    #[tracing::instrument(name = "get_report", skip_all, fields(actor = %caller.actor, month = %request.month))]
    pub async fn get_report(
        &self,
        caller: &Caller,
        request: GetReportRequest,
    ) -> Result<GetReportResponse, GatewayError> {
        let month = parse_month(&request.month)?.to_string();
        let tenant = self.report_scope(caller, &request)?;
        let signer = self.results_access()?.signer.clone().ok_or_else(|| {
            GatewayError::unavailable("report downloads are off: no signing key is configured")
        })?;
        let row = index::revision(&self.pool, &month, request.revision)
            .await
            .map_err(report_error)?
            .ok_or_else(|| not_generated(&month, request.revision))?;
        let files = index::files(&self.pool, &month, row.revision)
            .await
            .map_err(report_error)?;
        let wanted = tenant.clone().unwrap_or_default();
        if tenant.is_none() {
            self.check_platform_readers(caller, &files)?;
        }
        let mine: Vec<&FileRow> = files.iter().filter(|f| f.tenant == wanted).collect();
        if mine.is_empty() {
            return Err(GatewayError::NotFound(format!(
                "the {month} report has no part for tenant {wanted}: it had no activity that month"
            )));
        }
        let ttl =
            (request.ttl_seconds > 0).then(|| Duration::from_secs(u64::from(request.ttl_seconds)));
        let expires_at = signer.expiry(ttl, Utc::now());
        let owner = tenant.as_deref().unwrap_or(PLATFORM_SCOPE);
        let mut key_id = String::new();
        let mut sign = |file: Option<&&FileRow>| {
            file.map(|f| {
                let url = signer.sign_path(
                    owner,
                    &report_path(&month, row.revision, &f.name),
                    expires_at,
                );
                key_id = url.key_id.clone();
                ReportFile {
                    name: f.name.clone(),
                    url: url.url,
                    content_type: content_type(&f.format).to_owned(),
                    size: u64::try_from(f.size_bytes).unwrap_or_default(),
                    sha256: f.sha256.clone(),
                }
            })
        };
        let html = sign(mine.iter().find(|f| f.format == "html"));
        let json = sign(mine.iter().find(|f| f.format == "json"));
        Ok(GetReportResponse {
            report: Some(summary(&row)),
            scope: owner.to_owned(),
            html,
            json,
            expires_at: Some(timestamp(expires_at)),
            key_id,
        })
    }

    /// `None` for the platform report, else the tenant whose report is asked for.
    fn report_scope(
        &self,
        caller: &Caller,
        request: &GetReportRequest,
    ) -> Result<Option<String>, GatewayError> {
        if request.all_tenants {
            return Ok(None);
        }
        let tenant = request.tenant.trim();
        let tenant = if tenant.is_empty() {
            caller.tenant.clone()
        } else {
            tenant.to_owned()
        };
        check_tenant(&tenant).map_err(|why| GatewayError::invalid("tenant", why))?;
        caller.require_tenant("tenant", &tenant)?;
        Ok(Some(tenant))
    }

    fn check_platform_readers(
        &self,
        caller: &Caller,
        files: &[FileRow],
    ) -> Result<(), GatewayError> {
        // A quiet part (a tenant with a key and no activity) adds nothing to the
        // platform report, so it needs no grant.
        let mut hidden: Vec<&str> = files
            .iter()
            .filter(|f| !f.quiet)
            .map(|f| f.tenant.as_str())
            .filter(|t| !t.is_empty() && !caller.may_read_tenant(t))
            .collect();
        hidden.dedup();
        if hidden.is_empty() {
            return Ok(());
        }
        Err(GatewayError::PermissionDenied(format!(
            "all_tenants: the platform report holds {} tenant(s) this key is not granted; ask for \
             your tenant's report (leave all_tenants unset) or for grants on every tenant",
            hidden.len()
        )))
    }

    async fn refuse_regenerate(&self, caller: &Caller) -> GatewayError {
        let reason = format!(
            "regenerate: a new revision needs role admin; this credential ({}) has role {}",
            caller.actor, caller.role
        );
        self.guards
            .denials
            .record(AccessDenied {
                tenant: caller.tenant.clone(),
                actor: caller.actor.clone(),
                role: caller.role.as_str().to_owned(),
                action: format!("{}/GenerateMonthlyReport", Action::Reports.name()),
                reason: reason.clone(),
                transport: caller.transport.to_owned(),
                ..Default::default()
            })
            .await;
        GatewayError::PermissionDenied(reason)
    }
}

fn parse_month(month: &str) -> Result<Month, GatewayError> {
    month
        .trim()
        .parse::<Month>()
        .map_err(|err| GatewayError::invalid("month", err.to_string()))
}

fn not_generated(month: &str, revision: u32) -> GatewayError {
    if revision == 0 {
        GatewayError::NotFound(format!(
            "no report for {month} yet; GenerateMonthlyReport (jetcrawl report --month {month}) creates it"
        ))
    } else {
        GatewayError::NotFound(format!("the {month} report has no revision {revision}"))
    }
}

fn request_error(err: async_nats::RequestError) -> GatewayError {
    use async_nats::RequestErrorKind;
    match err.kind() {
        RequestErrorKind::NoResponders => GatewayError::unavailable(
            "no reporter is running to generate reports; start jetcrawl-reporter and retry",
        ),
        RequestErrorKind::TimedOut => GatewayError::unavailable(format!(
            "the reporter did not finish within {}s; the report may still be generating: retry \
             (it is idempotent) or call GetReport shortly",
            GENERATE_TIMEOUT.as_secs()
        )),
        _ => GatewayError::unavailable_because(
            format!("asking a reporter failed: {err}; retry"),
            err,
        ),
    }
}
