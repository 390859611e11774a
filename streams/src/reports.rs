//! The monthly reports' JetStream side: the `REPORTS` Object Store bucket, the object
//! key scheme shared by the reporter (which writes) and the gateway (which signs and
//! serves), and the core-NATS subject on which the gateway asks a reporter to generate.

use async_nats::jetstream::Context;
use async_nats::jetstream::object_store::ObjectStore;

use crate::error::StoreError;

pub use crate::topology::definitions::{REPORTS_BUCKET, reports_bucket};

/// Core-NATS request subject: "generate this month's report" (a `GenerateReportCommand`).
pub const REPORTS_GENERATE_SUBJECT: &str = "jetcrawl.reports.generate";
/// Queue group of the reporters: one of them answers each request.
pub const REPORTERS_QUEUE: &str = "reporters";
pub use crate::audit::ALL_TENANTS;
/// Scope name of the platform report (every tenant) in file names.
pub const PLATFORM_SCOPE: &str = "all";

/// Binds to the bucket, which `jetcrawl admin apply` created.
pub async fn bind_reports(js: &Context) -> Result<ObjectStore, StoreError> {
    js.get_object_store(REPORTS_BUCKET).await.map_err(|err| {
        StoreError::unavailable_while(
            format!(
                "object store {REPORTS_BUCKET} (run `{}` to create the topology)",
                crate::topology::APPLY_COMMAND
            ),
            err,
        )
    })
}

/// File name of one report file: `all.html` (the platform report) or
/// `tenant.<tenant>.json`. Tenants are subject tokens (no dots), so it parses back.
pub fn report_file_name(tenant: Option<&str>, format: &str) -> String {
    match tenant {
        None => format!("{PLATFORM_SCOPE}.{format}"),
        Some(tenant) => format!("tenant.{tenant}.{format}"),
    }
}

/// `(tenant, format)` of a file name made by [`report_file_name`]; `None` if it is not one.
pub fn parse_report_file_name(name: &str) -> Option<(Option<String>, String)> {
    let (stem, format) = name.rsplit_once('.')?;
    if !matches!(format, "html" | "json") {
        return None;
    }
    if stem == PLATFORM_SCOPE {
        return Some((None, format.to_owned()));
    }
    let tenant = stem.strip_prefix("tenant.")?;
    crate::subjects::is_valid_token(tenant).then(|| (Some(tenant.to_owned()), format.to_owned()))
}

/// Object key of a report file: `<YYYY-MM>/r<revision>/<file name>`.
pub fn report_object_key(month: &str, revision: u32, file_name: &str) -> String {
    format!("{month}/r{revision}/{file_name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip() {
        for tenant in [None, Some("acme-1_x")] {
            for format in ["html", "json"] {
                let name = report_file_name(tenant, format);
                assert_eq!(
                    parse_report_file_name(&name),
                    Some((tenant.map(str::to_owned), format.to_owned()))
                );
            }
        }
        for bad in [
            "all.txt",
            "tenant..html",
            "tenant.a.b.html",
            "x.html",
            "all",
            "../all.html",
        ] {
            assert_eq!(parse_report_file_name(bad), None, "{bad}");
        }
        assert_eq!(
            report_object_key("2026-10", 2, "all.html"),
            "2026-10/r2/all.html"
        );
    }
}
