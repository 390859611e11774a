//! The arguments commands share or take: global options, output, and the arguments of
//! the commands defined with the grammar.

use clap::{Args, Subcommand, ValueEnum};

/// Options every client command shares.
#[derive(Debug, Args)]
#[command(next_help_heading = "Client options (for the commands that call a gateway)")]
pub struct Global {
    /// Gateway gRPC endpoint.
    #[arg(
        long,
        global = true,
        env = "JETCRAWL_GATEWAY",
        default_value = "http://127.0.0.1:50051"
    )]
    pub gateway: String,
    /// Gateway HTTP base URL, for downloads when the gateway signs URLs without its
    /// public base URL (JETCRAWL_PUBLIC_BASE_URL).
    #[arg(
        long,
        global = true,
        env = "JETCRAWL_HTTP_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub http_url: String,
    /// NATS, for the operator commands that talk to it directly (keys, admin, webhooks,
    /// retention, projections): URL, and the credentials and TLS files the services use.
    #[command(flatten)]
    pub nats: jetcrawl_streams::NatsArgs,
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
    #[arg(long, default_value_t = UpArgs::default_addresses().grpc)]
    pub grpc_addr: std::net::SocketAddr,
    /// Gateway HTTP address (REST API, /metrics, /healthz, /readyz).
    #[arg(long, default_value_t = UpArgs::default_addresses().http)]
    pub http_addr: std::net::SocketAddr,
    /// nats-server client port.
    #[arg(long, default_value_t = UpArgs::default_addresses().nats_port)]
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
    /// Let jobs and webhooks target private, loopback and link-local addresses (a site
    /// on this machine); the same as JETCRAWL_ALLOW_PRIVATE_TARGETS=true.
    #[arg(long)]
    pub allow_private_targets: bool,
    /// Show the services' INFO logs (warnings and errors only by default; RUST_LOG
    /// overrides both).
    #[arg(short, long)]
    pub verbose: bool,
}

/// The addresses `up` listens on and the client commands call by default.
pub struct DefaultAddresses {
    pub grpc: std::net::SocketAddr,
    pub http: std::net::SocketAddr,
    pub nats_port: u16,
}

impl UpArgs {
    /// The defaults of `--grpc-addr`, `--http-addr` and `--nats-port`, which the client
    /// options' defaults (`--gateway`, `--http-url`, `--nats-url`) point at.
    pub fn default_addresses() -> DefaultAddresses {
        DefaultAddresses {
            grpc: std::net::SocketAddr::from(([127, 0, 0, 1], DEFAULT_GRPC_PORT)),
            http: std::net::SocketAddr::from(([127, 0, 0, 1], DEFAULT_HTTP_PORT)),
            nats_port: DEFAULT_NATS_PORT,
        }
    }
}

const DEFAULT_GRPC_PORT: u16 = 50051;
const DEFAULT_HTTP_PORT: u16 = 8080;
const DEFAULT_NATS_PORT: u16 = 4222;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Render {
    Http,
    Browser,
    Auto,
}

/// An output format of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The main content as Markdown.
    Markdown,
    /// The main content as HTML.
    Html,
    /// The whole document as read.
    RawHtml,
    /// Every link, absolute, with its text.
    Links,
    /// Title, description, language, canonical URL, Open Graph.
    Metadata,
}

#[derive(Debug, Default, Args)]
pub struct SubmitArgs {
    /// Page URLs, visited in order (added to those of --spec).
    #[arg(required_unless_present = "spec")]
    pub urls: Vec<String>,
    /// The job spec as a JSON or YAML file (`-`: stdin), in the shape of the HTTP API's
    /// `spec`; the flags below add to it or override it.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<std::path::PathBuf>,
    /// How pages are fetched (default: auto).
    #[arg(long, value_enum)]
    pub render: Option<Render>,
    /// Extraction rule `NAME=SELECTOR` (text of the first match); repeatable. `NAME[]`
    /// takes every match, `NAME!` fails the job when nothing matches, and
    /// `SELECTOR@ATTR` reads an attribute: `links[]=a.item@href`.
    #[arg(long = "extract", value_name = "NAME=SELECTOR")]
    pub extract: Vec<String>,
    /// Extraction rule reading outer HTML, `NAME=SELECTOR` (same suffixes); repeatable.
    #[arg(long = "extract-html", value_name = "NAME=SELECTOR")]
    pub extract_html: Vec<String>,
    /// A browser step as JSON or YAML, in order; repeatable. For example
    /// `--step 'click: {selector: "#more"}'` or `--step '{"wait_for_text": {"text": "Price"}}'`.
    #[arg(long = "step", value_name = "STEP")]
    pub step: Vec<String>,
    /// A full-page screenshot named NAME, taken after the steps; repeatable.
    #[arg(long, value_name = "NAME")]
    pub screenshot: Vec<String>,
    /// A label `KEY=VALUE`; repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// Where to POST a Standard Webhooks notification when the job ends.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// The RGPD data subject the job's personal data is about.
    #[arg(long)]
    pub data_subject: Option<String>,
    /// When a browser page counts as ready: quiet (default), load, network_idle,
    /// selector=CSS or text=TEXT.
    #[arg(long, value_name = "RULE")]
    pub settle: Option<String>,
    /// Job deadline in milliseconds (0: server default).
    #[arg(long, default_value_t = 0)]
    pub timeout_ms: u32,
    /// Also return each page in this format, under `pages[].formats`; repeatable.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub format: Vec<Format>,
    /// An agent job: a language model reaches this goal in words from the one URL, and
    /// answers in the shape of --schema (ADR 0045). `--wait` shows its turns as they
    /// happen.
    #[arg(long, value_name = "GOAL", requires = "schema")]
    pub agent: Option<String>,
    /// The agent's answer as a JSON Schema file (JSON or YAML; `-`: stdin).
    #[arg(long, value_name = "FILE", requires = "agent")]
    pub schema: Option<std::path::PathBuf>,
    /// Most tool calls of the agent (0: the server default, 15).
    #[arg(long, default_value_t = 0, requires = "agent")]
    pub max_steps: u32,
    /// Longest wall time of the agent's loop in seconds (0: the server default, 120).
    #[arg(long, default_value_t = 0, requires = "agent")]
    pub max_seconds: u32,
    /// Most prompt plus completion tokens of the agent (0: the server default, 40,000).
    #[arg(long, default_value_t = 0, requires = "agent")]
    pub max_tokens: u64,
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
    /// Every key: id, tenant, role, grants, issue and revocation (never a secret).
    List(KeyListArgs),
}

#[derive(Debug, Args)]
pub struct KeyListArgs {
    /// Only this tenant's keys.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Leave revoked keys out.
    #[arg(long)]
    pub active: bool,
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

/// A date (midnight UTC) or an RFC 3339 time, for flags like `--since` and `--received`.
pub fn instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            format!("{text:?} is neither a date (2026-12-01) nor an RFC 3339 time (2026-12-01T08:00:00Z)")
        })
}

#[cfg(test)]
mod tests {
    use super::instant;

    #[test]
    fn instants_are_a_date_or_a_time() {
        assert_eq!(
            instant("2026-12-01").expect("a date").to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            instant("2026-12-01T08:30:00+01:00")
                .expect("a time")
                .to_rfc3339(),
            "2026-12-01T07:30:00+00:00"
        );
        let err = instant("yesterday").expect_err("neither");
        assert!(err.contains("2026-12-01"), "{err}");
    }
}
