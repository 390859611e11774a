//! Command-line grammar.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Jetcrawl: event-sourced browser jobs.
#[derive(Debug, Parser)]
#[command(name = "jetcrawl", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every client command shares.
#[derive(Debug, Args)]
pub struct Global {
    /// Gateway gRPC endpoint.
    #[arg(
        long,
        global = true,
        env = "JETCRAWL_GATEWAY",
        default_value = "http://127.0.0.1:50051"
    )]
    pub gateway: String,
    /// NATS URL, used to read result objects until signed result URLs exist.
    #[arg(
        long,
        global = true,
        env = "JETCRAWL_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats_url: String,
    /// Output for humans (text) or scripts (json).
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// API key (or JWT) sent to the gateway as `authorization: Bearer`.
    #[arg(long, global = true, env = "JETCRAWL_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// CA certificate (PEM) of a gateway served over TLS (use an https:// --gateway).
    #[arg(long, global = true, env = "JETCRAWL_CA")]
    pub ca: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start nats-server, Postgres and every service on loopback; Ctrl-C stops them.
    Up(UpArgs),
    /// Submit a job and print its id.
    Submit(SubmitArgs),
    /// Show a job.
    Get(JobArgs),
    /// Follow a job's events until it ends.
    Watch(JobArgs),
    /// The infrastructure's one owner: `apply` creates and updates the JetStream topology
    /// and migrates Postgres; `verify` compares (talks to NATS and Postgres directly).
    #[command(subcommand)]
    Admin(crate::commands::admin::AdminCommand),
    /// Issue and revoke API keys (talks to NATS directly: an operator's tool).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The audit log: `verify` the hash chain, `query` rows (auditor or admin key).
    #[command(subcommand)]
    Audit(crate::commands::audit::AuditCommand),
    /// Read models: `rebuild` them from the stream and swap atomically (talks to NATS and
    /// Postgres directly).
    #[command(subcommand)]
    Projections(crate::commands::projections::ProjectionsCommand),
    /// The dead-letter queue: list and replay failed jobs (admin key).
    #[command(subcommand)]
    Dlq(crate::commands::dlq::DlqCommand),
    /// Webhook secrets per tenant, and endpoints disabled by 410 (talks to NATS directly).
    #[command(subcommand)]
    Webhooks(crate::commands::webhooks::WebhooksCommand),
    /// RGPD rights of a data subject: `export` (auditor or admin key), `erase` (admin key).
    #[command(subcommand)]
    Subjects(crate::commands::subjects::SubjectsCommand),
    /// RGPD retention: `run` it now through a running notifier (talks to NATS directly).
    #[command(subcommand)]
    Retention(crate::commands::retention::RetentionCommand),
    /// The monthly report: generate (or fetch) a month's and print signed URLs of its
    /// HTML and JSON (auditor or admin key).
    Report(crate::commands::report::ReportArgs),
    /// Per-domain politeness state shared by every worker: breaker, next slot, pause,
    /// running jobs (auditor or admin key).
    Domains(crate::commands::domains::DomainsArgs),
    /// The tenant's robots.txt policy: `ignore` / `respect` (admin key, audited), `show`.
    #[command(subcommand)]
    Robots(crate::commands::robots::RobotsCommand),
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where nats-server and Postgres keep their data.
    #[arg(long, default_value = ".jetcrawl")]
    pub data_dir: std::path::PathBuf,
    /// Gateway gRPC address.
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub grpc_addr: std::net::SocketAddr,
    /// Gateway HTTP address (REST API, /metrics, /healthz, /readyz).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub http_addr: std::net::SocketAddr,
    /// nats-server client port.
    #[arg(long, default_value_t = 4222)]
    pub nats_port: u16,
    /// Browser tabs of the worker.
    #[arg(long, default_value_t = 2)]
    pub tabs: usize,
    /// Serve a demo page, run one browser job against it and print the result.
    #[arg(long)]
    pub demo: bool,
    /// Exit after the demo job instead of running until Ctrl-C.
    #[arg(long, requires = "demo")]
    pub exit_after_demo: bool,
    /// Run the event log on a local 3-node JetStream cluster (three zones, every stream
    /// and bucket R3) instead of one node; `--nats-port` is then ignored.
    #[arg(long)]
    pub cluster: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Render {
    Http,
    Browser,
    Auto,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Page URLs, visited in order.
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// How pages are fetched.
    #[arg(long, value_enum, default_value_t = Render::Auto)]
    pub render: Render,
    /// Extraction rule `name=css-selector` (text of the first match); repeatable.
    /// Suffix the name with `[]` for every match: `items[]=li.item`.
    #[arg(long = "extract", value_name = "NAME=SELECTOR")]
    pub extract: Vec<String>,
    /// Job deadline in milliseconds (0: server default).
    #[arg(long, default_value_t = 0)]
    pub timeout_ms: u32,
    /// Idempotency key: resubmitting with it returns the same job. When absent the CLI
    /// makes one (printed with --output json), so its own retries never duplicate a job.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Follow progress until the job ends, then print the result.
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Args)]
pub struct JobArgs {
    /// Job id.
    pub job_id: String,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Issue a key for a tenant; the key is printed once and never stored in clear.
    Create(KeyCreateArgs),
    /// Revoke a key by its id; gateways refuse it within milliseconds.
    Revoke(KeyRevokeArgs),
}

#[derive(Debug, Args)]
pub struct KeyCreateArgs {
    /// Tenant the key speaks for.
    #[arg(long)]
    pub tenant: String,
    /// client, auditor or admin.
    #[arg(long, default_value = "client")]
    pub role: String,
    /// Another tenant an auditor key may read; repeatable.
    #[arg(long = "grant", value_name = "TENANT")]
    pub grant: Vec<String>,
}

#[derive(Debug, Args)]
pub struct KeyRevokeArgs {
    /// Key id (the part after `jck_`, as `keys create` printed it).
    pub id: String,
}
