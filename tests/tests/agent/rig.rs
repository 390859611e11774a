//! The worker's pieces an agent job runs on, around a fixture site: nats-server with the
//! topology, a one-tab browser pool behind the egress policy (private targets refused;
//! the fixture site allowed by address, and reachable as `shop.test` and `other.test`,
//! two domains to a crawler), and the crawl gate's robots.txt view.

use std::time::Duration;

use jetcrawl_agent::{ChatClient, Entry, ModelConfig, Orchestrator, Outcome, Task};
use jetcrawl_local::{NatsOptions, NatsServer};
use jetcrawl_streams::Topology;
use jetcrawl_tests::{FixtureSite, LlmStub, Scripted};
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
