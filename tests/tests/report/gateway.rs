//! End to end with the real gateway and reporter binaries: the reporter's schedule
//! generates the previous month at start; GenerateMonthlyReport returns it (or a new
//! revision for an admin); GetReport signs URLs whose downloads hash to what the
//! ReportGenerated event recorded; bad input and roles are refused.

use chrono::Utc;
use jetcrawl_gateway::auth::{KeyStore, NewKey, Role};
use jetcrawl_proto::v1::reports_client::ReportsClient;
use jetcrawl_proto::v1::{
    GenerateMonthlyReportRequest, GetReportRequest, GetReportResponse, ReportFile,
};
use jetcrawl_reporter::Month;
use jetcrawl_streams::audit::{Action, ENVELOPE, decode_action};
use jetcrawl_streams::headers;
use jetcrawl_streams::security::AUDIT_ACTIONS_STREAM;
use jetcrawl_tests::{Stack, eventually};
use sha2::{Digest as _, Sha256};
use std::time::Duration;
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::report::cli::check_cli;
use crate::report::seed::seed_month;
use crate::report::seed_audit::earlier_activity;

type Client = ReportsClient<InterceptedService<Channel, jetcrawl_tests::BearerAuth>>;

async fn key(stack: &Stack, tenant: &str, role: Role, grants: &[&str]) -> anyhow::Result<String> {
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "report-keys").await?;
    let keys = KeyStore::open(&js).await?;
    let (_, issued) = keys
        .create(NewKey {
            tenant: tenant.to_owned(),
            role,
            granted_tenants: grants.iter().map(|g| (*g).to_owned()).collect(),
            created_by: "report-test".to_owned(),
        })
        .await?;
    Ok(issued.token)
}

async fn client(grpc_url: &str, key: &str) -> anyhow::Result<Client> {
    let channel = Channel::from_shared(grpc_url.to_owned())?.connect().await?;
    Ok(ReportsClient::with_interceptor(
        channel,
        jetcrawl_tests::BearerAuth::new(key)?,
    ))
}

fn get(month: &str, tenant: &str, all_tenants: bool) -> GetReportRequest {
    GetReportRequest {
        month: month.to_owned(),
        tenant: tenant.to_owned(),
        all_tenants,
        revision: 0,
        ttl_seconds: 0,
    }
}

#[tokio::test]
async fn reports_through_the_gateway_and_the_reporter_binary() {
    jetcrawl_tests::init_test_tracing();
    let stack = Stack::start().await.expect("stack starts");
    let pool = stack.pg_pool().await.expect("postgres pool");
    jetcrawl_projections::migrate(&pool)
        .await
        .expect("migrations");
    let month = Month::previous(Utc::now());
    let month_text = month.to_string();
    seed_month(&pool, month).await.expect("seeded month");
    earlier_activity(&pool, month, "umbrella")
        .await
        .expect("a JWT tenant's earlier activity");
    let gateway = stack.spawn_gateway().await.expect("gateway");
    let reporter = stack
        .spawn_reporter(&[
            ("JETCRAWL_REPORT_DELAY_SECS", "0"),
            ("JETCRAWL_REPORT_CATCHUP_TIMEOUT_MS", "5000"),
        ])
        .await
        .expect("reporter");
    let auditor_key = key(&stack, "acme", Role::Auditor, &["globex", "umbrella"])
        .await
        .expect("api key");
    let auditor = client(&gateway.grpc_url, &auditor_key)
        .await
        .expect("grpc client");
    let admin = client(
        &gateway.grpc_url,
        &key(&stack, "acme", Role::Admin, &[])
            .await
            .expect("api key"),
    )
    .await
    .expect("admin grpc client");

    // The schedule generated the previous month on its own.
    let scheduled = eventually(Duration::from_secs(30), || {
        let mut auditor = auditor.clone();
        let request = get(&month_text, "", true);
        async move { Ok(auditor.get_report(request).await?.into_inner()) }
    })
    .await
    .unwrap_or_else(|err| panic!("{err:#}\nreporter log:\n{}", reporter.process.log()));
    let summary = scheduled.report.clone().expect("report summary");
    assert_eq!(
        (summary.revision, summary.generated_by.as_str()),
        (1, "system")
    );

    let mut asked = auditor.clone();
    let done = asked
        .generate_monthly_report(GenerateMonthlyReportRequest {
            month: month_text.clone(),
            regenerate: false,
        })
        .await
        .expect("report summary")
        .into_inner();
    assert!(!done.generated, "the month already had its report");
    assert_eq!(done.report.expect("report").revision, 1);

    check_refusals(&stack, &gateway, &auditor, &admin, &month_text).await;
    // A tenant with a key and nothing done in the month: the next revision has its part.
    let quiet_key = key(&stack, "initech", Role::Auditor, &[])
        .await
        .expect("api key");

    let mut regen = admin.clone();
    let second = regen
        .generate_monthly_report(GenerateMonthlyReportRequest {
            month: month_text.clone(),
            regenerate: true,
        })
        .await
        .expect("report summary")
        .into_inner();
    assert!(second.generated);
    let second = second.report.expect("report");
    assert_eq!((second.revision, second.audit_chain_ok), (2, true));

    let platform = asked
        .get_report(get(&month_text, "", true))
        .await
        .expect("report")
        .into_inner();
    assert_eq!(
        (
            platform.scope.as_str(),
            platform.report.clone().expect("report summary").revision
        ),
        ("all", 2)
    );
    check_downloads(&stack, &gateway.http_url, &platform).await;

    check_cli(&gateway.grpc_url, &auditor_key, &month_text);

    // An empty month is an empty report that says so, not NOT_FOUND.
    let quiet = client(&gateway.grpc_url, &quiet_key)
        .await
        .expect("grpc client")
        .get_report(get(&month_text, "", false))
        .await
        .expect("a report for a tenant with no activity")
        .into_inner();
    assert_eq!(quiet.scope, "initech");
    let (page, _) = download(&gateway.http_url, quiet.html.as_ref().expect("html")).await;
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("No activity in this month"), "{page}");
    assert!(!page.contains("<svg"), "no empty charts: {page}");

    // A tenant without a key (it signs in with a JWT) that was active before the month
    // and quiet in it: its part exists too.
    let jwt_tenant = asked
        .get_report(get(&month_text, "umbrella", false))
        .await
        .expect("a report for a JWT tenant with no activity")
        .into_inner();
    assert_eq!(jwt_tenant.scope, "umbrella");
    let (page, _) = download(&gateway.http_url, jwt_tenant.html.as_ref().expect("html")).await;
    assert!(String::from_utf8_lossy(&page).contains("No activity in this month"));

    let mine = admin
        .clone()
        .get_report(get(&month_text, "", false))
        .await
        .expect("report")
        .into_inner();
    assert_eq!(mine.scope, "acme");
    let (body, _) = download(&gateway.http_url, mine.json.as_ref().expect("file")).await;
    assert!(
        !String::from_utf8_lossy(&body).contains("globex"),
        "a tenant's report names no other tenant"
    );
}

async fn check_refusals(
    stack: &Stack,
    gateway: &jetcrawl_tests::Gateway,
    auditor: &Client,
    admin: &Client,
    month: &str,
) {
    let bad = auditor
        .clone()
        .generate_monthly_report(GenerateMonthlyReportRequest {
            month: "2026-13".into(),
            regenerate: false,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
    assert!(
        bad.message().contains("month") && bad.message().contains("YYYY-MM"),
        "{}",
        bad.message()
    );
    let bad = auditor
        .clone()
        .get_report(get("october", "", false))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
    assert!(bad.message().contains("month"), "{}", bad.message());

    let client_key = key(stack, "acme", Role::Client, &[])
        .await
        .expect("api key");
    let mut as_client = client(&gateway.grpc_url, &client_key)
        .await
        .expect("grpc client");
    let denied = as_client
        .generate_monthly_report(GenerateMonthlyReportRequest {
            month: month.into(),
            regenerate: false,
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let denied = as_client
        .get_report(get(month, "", false))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");

    let denied = auditor
        .clone()
        .generate_monthly_report(GenerateMonthlyReportRequest {
            month: month.into(),
            regenerate: true,
        })
        .await
        .unwrap_err();
    assert_eq!(
        denied.code(),
        Code::PermissionDenied,
        "auditors are read-only: {denied:?}"
    );
    let denied = admin
        .clone()
        .get_report(get(month, "", true))
        .await
        .unwrap_err();
    assert_eq!(
        denied.code(),
        Code::PermissionDenied,
        "globex is not granted to acme's admin: {denied:?}"
    );
    let denied = admin
        .clone()
        .get_report(get(month, "globex", false))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let missing = auditor
        .clone()
        .get_report(get("2001-01", "", false))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
}

async fn download(http_url: &str, file: &ReportFile) -> (Vec<u8>, reqwest::StatusCode) {
    let url = if file.url.starts_with("http") {
        file.url.clone()
    } else {
        format!("{http_url}{}", file.url)
    };
    let response = jetcrawl_tests::http_client()
        .expect("http client")
        .get(url)
        .send()
        .await
        .expect("download");
    let status = response.status();
    (response.bytes().await.expect("body").to_vec(), status)
}

async fn check_downloads(stack: &Stack, http_url: &str, report: &GetReportResponse) {
    let (_client, js) = jetcrawl_streams::connect(&stack.nats_url(), "report-events")
        .await
        .expect("nats");
    let seq = report
        .report
        .as_ref()
        .expect("report summary")
        .event_sequence;
    let raw = js
        .get_stream(AUDIT_ACTIONS_STREAM)
        .await
        .expect("AUDIT_ACTIONS")
        .get_raw_message(seq)
        .await
        .expect("report event");
    assert_eq!(raw.subject.as_str(), "audit.report._all");
    let envelope = raw
        .headers
        .get(headers::ENVELOPE)
        .map(|v| v.as_str().to_owned());
    assert_eq!(envelope.as_deref(), Some(ENVELOPE), "an AuditAction");
    assert_eq!(raw.headers.get(headers::JOB_ID), None, "of no job");
    let action = decode_action(seq, envelope.as_deref(), &raw.payload)
        .expect("action decodes")
        .action;
    let Some(Action::ReportGenerated(generated)) = action.action else {
        panic!("not a ReportGenerated: {action:?}")
    };
    assert_eq!(
        (action.action_type.as_str(), action.tenant.as_str()),
        ("ReportGenerated", "_all")
    );
    for (file, format) in [
        (report.html.as_ref().expect("file"), "html"),
        (report.json.as_ref().expect("file"), "json"),
    ] {
        let (body, status) = download(http_url, file).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let sha = hex::encode(Sha256::digest(&body));
        assert_eq!(sha, file.sha256);
        let recorded = generated
            .files
            .iter()
            .find(|f| f.scope == "all" && f.format == format)
            .expect("recorded file");
        assert_eq!(
            recorded.sha256, sha,
            "the download hashes to what ReportGenerated recorded"
        );
        let mut tampered = file.clone();
        tampered.url = file.url.replace("all.", "tenant.globex.");
        assert_eq!(download(http_url, &tampered).await.1, 403);
    }
}
