//! The real local model for agent tests: `llama-server` serving Qwen2.5-Coder-1.5B
//! (both installed by `scripts/setup-llm.sh`) on a free loopback port, at temperature 0
//! through the loop's own requests, with the chat template that makes it answer with
//! tool calls (`infra/llm/tools.jinja`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use jetcrawl_local::{ChildGroup, free_port};

/// The model file `scripts/setup-llm.sh` installs.
const MODEL_FILE: &str = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf";
/// The llama.cpp release it builds.
const LLAMA_DIR: &str = "llama-0.94.0";
/// Longest wait for the model to load.
const LOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// A running llama-server; it stops when dropped.
pub struct LlamaServer {
    child: ChildGroup,
    port: u16,
    _dir: tempfile::TempDir,
}

impl LlamaServer {
    /// Where `scripts/setup-llm.sh` put the model and the server: `$JETCRAWL_LLM_DIR`,
    /// else `~/.cache/jetcrawl/llm`.
    pub fn cache_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("JETCRAWL_LLM_DIR") {
            return PathBuf::from(dir);
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        cache.join("jetcrawl/llm")
    }

    /// Starts the server and waits until the model is loaded.
    pub async fn start() -> anyhow::Result<Self> {
        let cache = Self::cache_dir();
        let model = cache.join(MODEL_FILE);
        let server = cache.join(LLAMA_DIR).join("bin/llama-server");
        if !model.is_file() || !server.is_file() {
            bail!(
                "no local model in {}: run `bash scripts/setup-llm.sh` (or `scripts/test.sh --llm`)",
                cache.display()
            );
        }
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/llm/tools.jinja");
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let mut cmd = Command::new(&server);
        cmd.arg("--model")
            .arg(&model)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--ctx-size", "8192", "--parallel", "1", "--threads", "2"])
            .arg("--jinja")
            .arg("--chat-template-file")
            .arg(&template)
            .arg("--no-webui");
        let child = ChildGroup::spawn("llama-server", cmd, &dir.path().join("llama.log"))?;
        let mut server = Self {
            child,
            port,
            _dir: dir,
        };
        server.wait_loaded().await?;
        Ok(server)
    }

    /// The OpenAI-compatible base URL, `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// A chat client for the model, as an agent job's worker would configure it.
    pub fn client(&self) -> jetcrawl_agent::ChatClient {
        jetcrawl_agent::ChatClient::new(jetcrawl_agent::ModelConfig {
            base_url: self.base_url(),
            model: "qwen2.5-coder-1.5b-instruct".to_owned(),
            api_key: None,
            request_timeout: Duration::from_secs(60),
            max_reply_tokens: 256,
        })
        .expect("a chat client for a loopback URL")
    }

    /// The server's log.
    pub fn log(&self) -> String {
        self.child.log()
    }

    async fn wait_loaded(&mut self) -> anyhow::Result<()> {
        let client = crate::http::http_client()?;
        let health = format!("http://127.0.0.1:{}/health", self.port);
        let started = Instant::now();
        while started.elapsed() < LOAD_TIMEOUT {
            if !self.child.is_running() {
                bail!("llama-server exited: {}", self.child.log_tail(30));
            }
            let ok = client
                .get(&health)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(anyhow::anyhow!("{}", self.child.log_tail(30)))
            .context("llama-server did not load the model in time")
    }
}
