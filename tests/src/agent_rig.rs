//! The worker's pieces an agent job runs on, around a fixture site, for agent tests and
//! the bench: nats-server with the topology, a one-tab browser pool behind the egress
//! policy (private targets refused; the fixture site allowed by address, and reachable
//! as `shop.test` and `other.test`, two domains to a crawler), and the crawl gate's
//! robots.txt view. Failures panic: this only ever runs in a test or the bench.

use std::time::Duration;

use crate::{FixtureSite, LlmStub, Scripted};
use jetcrawl_agent::{ChatClient, Entry, ModelConfig, Orchestrator, Outcome, Task};
use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_streams::Topology;
use jetcrawl_worker::execute::agent::AgentPage;
use jetcrawl_worker::execute::{PageLimits, SettlePlan};
use jetcrawl_worker::politeness::CrawlGate;
use jetcrawl_worker::{BrowserPool, WorkerConfig};

const TENANT: &str = "acme";

/// `http://NAME:PORT/PATH` on the fixture site.
pub fn named(site: &FixtureSite, name: &str, path: &str) -> String {
    format!("http://{name}:{}{path}", site.addr().port())
}

/// A worker's browser side, without its consumer.
pub struct Rig {
    _nats: NatsServer,
    pool: BrowserPool,
    gate: CrawlGate,
}

impl Rig {
    /// Starts nats-server, the pool and the gate for `site`.
    pub async fn start(site: &FixtureSite) -> Self {
        let nats = NatsServer::start(NatsOptions::default())
            .await
            .expect("nats-server");
        let (_client, js) = jetcrawl_streams::connect(&nats.url(), "agent-test")
            .await
            .expect("connect");
        Topology::default().apply(&js).await.expect("topology");
        let mut config = WorkerConfig::defaults();
        config.nats.url = nats.url();
        config.allow_private_targets = false;
        config.egress.allow_targets = site.addr().to_string();
        config.egress.resolve = "shop.test=127.0.0.1,other.test=127.0.0.1".to_owned();
        config.navigation_timeout_ms = 10_000;
        config.step_timeout_ms = 5_000;
        config.tabs = 1;
        let egress = jetcrawl_worker::egress::Egress::new(
            config.egress_settings().expect("egress settings"),
        )
        .expect("egress");
        let pool = BrowserPool::new(config.pool(), egress.clone()).expect("pool");
        let gate = CrawlGate::open(&config, &js, egress)
            .await
            .expect("crawl gate");
        Self {
            _nats: nats,
            pool,
            gate,
        }
    }

    /// Runs `task` with the model behind `client`, on a fresh page of the pool.
    pub async fn run(&self, task: &Task, client: ChatClient) -> (Outcome, Vec<Entry>) {
        let limits = PageLimits {
            deadline: tokio::time::Instant::now()
                + Duration::from_secs(u64::from(task.limits.max_seconds)),
            step_timeout: Duration::from_secs(5),
            navigation_timeout: Duration::from_secs(10),
        };
        let mut browser = AgentPage::new(
            self.pool.clone(),
            self.gate.robots_check(TENANT),
            SettlePlan::default_plan(),
            limits,
        );
        let mut journal = Vec::new();
        let outcome = Orchestrator::new(client)
            .run(task, &mut browser, &mut journal)
            .await
            .expect("the loop ends with an outcome");
        browser.close();
        (outcome, journal)
    }

    /// Runs `script` as the model on `task`; the journal and the stub come back.
    pub async fn run_scripted(
        &self,
        task: &Task,
        script: Vec<Scripted>,
    ) -> (Outcome, Vec<Entry>, LlmStub) {
        let stub = LlmStub::start(script).expect("the stub starts");
        let client = ChatClient::new(ModelConfig {
            base_url: stub.base_url(),
            model: "stub".to_owned(),
            api_key: None,
            request_timeout: Duration::from_secs(10),
            max_reply_tokens: 256,
        })
        .expect("a client");
        let (outcome, journal) = self.run(task, client).await;
        (outcome, journal, stub)
    }
}

/// One goal in words on the fixture shop, with its output schema.
#[derive(Debug, Clone)]
pub struct ShopGoal {
    /// A short name, for rows and messages.
    pub name: &'static str,
    /// The goal.
    pub goal: &'static str,
    /// The output schema.
    pub schema: serde_json::Value,
}

/// The shop's three goals, all from `/shop/kettle`: read a product page as it is, reveal
/// a value with a click, and find a value on a linked page.
pub fn shop_goals() -> [ShopGoal; 3] {
    [
        ShopGoal {
            name: "price",
            goal: "Find the price in EUR and the delivery time of this kettle.",
            schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "price_eur": {"type": "number"},
                    "delivery": {"type": "string"},
                },
                "required": ["price_eur", "delivery"],
            }),
        },
        ShopGoal {
            name: "stock",
            goal: "How many kettles are in stock? The page shows the stock only after a click.",
            schema: serde_json::json!({
                "type": "object",
                "properties": {"in_stock": {"type": "integer"}},
                "required": ["in_stock"],
            }),
        },
        ShopGoal {
            name: "reviews",
            goal: "What is this kettle's average rating, and how many reviews is it based on? \
                   They are on its reviews page.",
            schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "rating": {"type": "number"},
                    "reviews": {"type": "integer"},
                },
                "required": ["rating", "reviews"],
            }),
        },
    ]
}

/// The model's own work over a run, from llama-server's `timings` in each raw reply.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ModelTime {
    /// Prompt tokens read (not served from its cache).
    pub read: f64,
    /// Milliseconds spent reading them.
    pub read_ms: f64,
    /// Tokens written.
    pub wrote: f64,
    /// Milliseconds spent writing them.
    pub wrote_ms: f64,
}

impl ModelTime {
    /// Sums the timings of every turn in `journal`.
    pub fn of(journal: &[Entry]) -> Self {
        let mut time = Self::default();
        for entry in journal {
            let Entry::Turn(turn) = entry else { continue };
            let reply: serde_json::Value =
                serde_json::from_str(&turn.raw_reply).unwrap_or_default();
            time.add(&reply["timings"]);
        }
        time
    }

    /// Adds one reply's `timings`.
    pub fn add(&mut self, timings: &serde_json::Value) {
        let get = |key: &str| timings[key].as_f64().unwrap_or_default();
        self.read += get("prompt_n");
        self.read_ms += get("prompt_ms");
        self.wrote += get("predicted_n");
        self.wrote_ms += get("predicted_ms");
    }

    /// Prompt tokens read per second.
    pub fn read_per_s(&self) -> f64 {
        self.read * 1000.0 / self.read_ms
    }

    /// Tokens written per second.
    pub fn wrote_per_s(&self) -> f64 {
        self.wrote * 1000.0 / self.wrote_ms
    }

    /// Seconds the model worked.
    pub fn seconds(&self) -> f64 {
        (self.read_ms + self.wrote_ms) / 1000.0
    }
}

/// The tool and outcome of every step in `journal`, in order.
pub fn steps(journal: &[Entry]) -> Vec<(String, jetcrawl_agent::StepOutcome)> {
    journal
        .iter()
        .filter_map(|entry| match entry {
            Entry::Step { tool, outcome, .. } => Some((tool.clone(), outcome.clone())),
            Entry::Turn(_) => None,
        })
        .collect()
}

/// The text of a chat request's last message: what the model was told last.
pub fn last_message(request: &serde_json::Value) -> String {
    request["messages"]
        .as_array()
        .and_then(|messages| messages.last())
        .and_then(|message| message["content"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// What the model was told last in each request the stub received, in order.
pub fn told(stub: &LlmStub) -> Vec<String> {
    stub.requests().iter().map(last_message).collect()
}
