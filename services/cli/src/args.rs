//! The arguments commands share or take: global options, output, and the arguments of
//! the commands defined with the grammar.

use clap::{Args, Subcommand, ValueEnum};

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
    /// Browser tabs of the worker (default: `JETCRAWL_BROWSER_TABS`, else 2). Every
    /// service reads its other `JETCRAWL_*` variables as when it runs alone.
    #[arg(long)]
    pub tabs: Option<usize>,
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
