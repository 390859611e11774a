//! Every service takes the same NATS and Postgres settings, declared once: an operator
//! who secures NATS with a `.creds` file and TLS, or gives Postgres a password file,
//! sets the same variables for every service and each one uses them.

use clap::{CommandFactory, Parser};
use jetcrawl_gateway::GatewayConfig;
use jetcrawl_notifier::NotifierConfig;
use jetcrawl_projector::ProjectorConfig;
use jetcrawl_reporter::ReporterConfig;
use jetcrawl_worker::WorkerConfig;

const NATS: &[&str] = &[
    "--nats-url",
    "nats://n1:4222,nats://n2:4222",
    "--nats-creds",
    "/run/secrets/jetcrawl.creds",
    "--nats-tls-ca",
    "/run/secrets/nats-ca.pem",
];
const DATABASE: &[&str] = &[
    "--database-url",
    "postgres://jetcrawl@db:5432/jetcrawl",
    "--database-password-file",
    "/run/secrets/pg-password",
];

fn args(name: &str, groups: &[&[&str]]) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    for group in groups {
        out.extend(group.iter().map(|s| (*s).to_owned()));
    }
    out
}

fn assert_nats(nats: &jetcrawl_streams::NatsArgs, service: &str) {
    assert_eq!(nats.url, "nats://n1:4222,nats://n2:4222", "{service}");
    let security = nats.security();
    assert_eq!(
        security.creds_file.as_deref(),
        Some(std::path::Path::new("/run/secrets/jetcrawl.creds")),
        "{service}"
    );
    assert!(security.require_tls, "{service}: a CA turns TLS on");
}

fn assert_database(database: &jetcrawl_projections::DatabaseArgs, service: &str) {
    assert_eq!(database.describe(), "db:5432/jetcrawl", "{service}");
    assert_eq!(
        database.password_file.as_deref(),
        Some(std::path::Path::new("/run/secrets/pg-password")),
        "{service}"
    );
}

/// The projector binary flattens its settings into its own command line.
#[derive(Parser)]
struct Projector {
    #[command(flatten)]
    config: ProjectorConfig,
}

#[test]
fn every_service_reads_the_same_nats_and_postgres_settings() {
    let gateway = GatewayConfig::parse_from(args("jetcrawl-gateway", &[NATS, DATABASE]));
    assert_nats(&gateway.nats, "gateway");
    assert_database(&gateway.database, "gateway");

    let projector = Projector::parse_from(args("jetcrawl-projector", &[NATS, DATABASE]));
    assert_nats(&projector.config.nats, "projector");
    assert_database(&projector.config.database, "projector");

    let reporter = ReporterConfig::parse_from(args("jetcrawl-reporter", &[NATS, DATABASE]));
    assert_nats(&reporter.nats, "reporter");
    assert_database(&reporter.database, "reporter");

    let worker = WorkerConfig::parse_from(args("jetcrawl-worker", &[NATS]));
    assert_nats(&worker.nats, "worker");

    let notifier = NotifierConfig::parse_from(args("jetcrawl-notifier", &[NATS, DATABASE]));
    assert_nats(&notifier.nats, "notifier");
    assert_database(&notifier.rgpd_retention.database, "notifier");
}

#[test]
fn the_notifier_runs_without_a_database() {
    if std::env::var_os("JETCRAWL_DATABASE_URL").is_some() {
        return; // the environment gives it one
    }
    let notifier = NotifierConfig::parse_from(args("jetcrawl-notifier", &[NATS]));
    assert!(!notifier.rgpd_retention.database.is_set());
}

#[test]
fn no_service_declares_a_flag_twice() {
    GatewayConfig::command().debug_assert();
    Projector::command().debug_assert();
    ReporterConfig::command().debug_assert();
    WorkerConfig::command().debug_assert();
    NotifierConfig::command().debug_assert();
}

/// The operator commands of the CLI that talk to NATS directly read the same settings as
/// the services: with a credentials file set, each one uses it (here a missing one,
/// which it names) instead of connecting without it.
#[tokio::test]
async fn the_operator_commands_connect_with_the_services_nats_settings() {
    let nats = jetcrawl_tests::NatsServer::start(Default::default())
        .await
        .expect("nats-server");
    let cli = jetcrawl_tests::target_dir::binary_path(jetcrawl_tests::stack::CLI_BIN)
        .expect("the jetcrawl binary");
    let missing = "/nonexistent/jetcrawl.creds";
    for command in [
        &["admin", "verify"][..],
        &["keys", "list"],
        &["webhooks", "secret", "--tenant", "acme"],
        &["retention", "run"],
    ] {
        let out = std::process::Command::new(&cli)
            .args(command)
            .env("JETCRAWL_NATS_URL", nats.url())
            .env("JETCRAWL_NATS_CREDS", missing)
            .env_remove("JETCRAWL_DATABASE_URL")
            .output()
            .expect("jetcrawl runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{command:?} ignored the credentials: {stderr}"
        );
        assert!(
            stderr.contains("credentials file") && stderr.contains(missing),
            "{command:?} names the credentials file: {stderr}"
        );
    }
}
