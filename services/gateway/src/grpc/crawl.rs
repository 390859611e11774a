//! The tonic `jetcrawl.v1.Crawl` service: robots.txt overrides per tenant (admin only,
//! audited) and the per-domain politeness state (admin or auditor), read from the crawl
//! controller's buckets.

use std::sync::Arc;

use async_nats::jetstream::Context;
use jetcrawl_crawl::{BreakerState, DomainState, DomainStore, TenantPolicies, TenantPolicy};
use jetcrawl_proto::v1::crawl_server::{Crawl, CrawlServer};
use jetcrawl_proto::v1::{
    DomainStatus, GetRobotsPolicyRequest, ListDomainsRequest, ListDomainsResponse, RobotsPolicy,
    SetRobotsPolicyRequest, SetRobotsPolicyResponse,
};
use jetcrawl_streams::crawl::bind_crawl;
use jetcrawl_streams::envelope::new_traceparent;
use tokio::sync::OnceCell;
use tonic::{Request, Response, Status};

use crate::auth::Action;
use crate::error::GatewayError;
use crate::service::{Caller, Gateway};

/// Longest reason kept in the audit record.
const MAX_REASON: usize = 500;

/// The gRPC face of the crawl controller.
#[derive(Clone)]
pub struct CrawlApi {
    gateway: Arc<Gateway>,
    buckets: Arc<OnceCell<(TenantPolicies, DomainStore)>>,
}

impl CrawlApi {
    /// Serves `gateway` over gRPC; the buckets are bound on first use.
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Self {
            gateway,
            buckets: Arc::default(),
        }
    }

    /// The tonic service, refusing requests larger than `max_request_bytes`.
    pub fn into_server(self, max_request_bytes: usize) -> CrawlServer<Self> {
        CrawlServer::new(self).max_decoding_message_size(max_request_bytes)
    }

    fn js(&self) -> Context {
        self.gateway.store.context().clone()
    }

    async fn buckets(&self) -> Result<&(TenantPolicies, DomainStore), GatewayError> {
        self.buckets
            .get_or_try_init(|| async {
                let buckets = bind_crawl(&self.js()).await.map_err(|err| {
                    GatewayError::unavailable_because(
                        format!("crawl controller buckets: {err}; retry"),
                        err,
                    )
                })?;
                Ok((
                    TenantPolicies::new(buckets.tenant_policy),
                    DomainStore::new(buckets.domains, std::time::Duration::ZERO),
                ))
            })
            .await
    }

    async fn set_policy(
        &self,
        caller: &Caller,
        request: SetRobotsPolicyRequest,
    ) -> Result<SetRobotsPolicyResponse, GatewayError> {
        let reason = request.reason.trim();
        if reason.is_empty() {
            return Err(GatewayError::invalid(
                "reason",
                "say why the robots policy changes; it is recorded in the audit log",
            ));
        }
        if reason.chars().count() > MAX_REASON {
            return Err(GatewayError::invalid(
                "reason",
                format!("at most {MAX_REASON} characters"),
            ));
        }
        let (policies, _) = self.buckets().await?;
        let (policy, changed) = policies
            .set_robots(
                &self.js(),
                &caller.tenant,
                &caller.actor,
                &new_traceparent(),
                request.respect_robots,
                reason,
            )
            .await
            .map_err(|err| GatewayError::unavailable_because(err.to_string(), err))?;
        tracing::info!(tenant = %caller.tenant, actor = %caller.actor, respect_robots = request.respect_robots, changed, "robots policy set");
        Ok(SetRobotsPolicyResponse {
            policy: Some(policy_proto(&caller.tenant, &policy)),
            changed,
        })
    }
}

#[tonic::async_trait]
impl Crawl for CrawlApi {
    async fn set_robots_policy(
        &self,
        request: Request<SetRobotsPolicyRequest>,
    ) -> Result<Response<SetRobotsPolicyResponse>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::OverrideRobots)
            .await?;
        Ok(Response::new(
            self.set_policy(&caller, request.into_inner()).await?,
        ))
    }

    async fn get_robots_policy(
        &self,
        request: Request<GetRobotsPolicyRequest>,
    ) -> Result<Response<RobotsPolicy>, Status> {
        let caller = self
            .gateway
            .caller(request.metadata(), Action::ViewCrawlState)
            .await?;
        let (policies, _) = self.buckets().await?;
        let policy = policies
            .load(&caller.tenant)
            .await
            .map_err(|err| GatewayError::unavailable_because(err.to_string(), err))?;
        Ok(Response::new(policy_proto(&caller.tenant, &policy)))
    }

    async fn list_domains(
        &self,
        request: Request<ListDomainsRequest>,
    ) -> Result<Response<ListDomainsResponse>, Status> {
        self.gateway
            .caller(request.metadata(), Action::ViewCrawlState)
            .await?;
        let contains = request.into_inner().contains;
        let (_, domains) = self.buckets().await?;
        let all = domains
            .list()
            .await
            .map_err(|err| GatewayError::unavailable_because(err.to_string(), err))?;
        let now = chrono::Utc::now().timestamp_millis();
        let domains = all
            .iter()
            .filter(|(domain, _)| domain.as_str().contains(&contains))
            .map(|(domain, state)| status(domain.as_str(), state, now))
            .collect();
        Ok(Response::new(ListDomainsResponse { domains }))
    }
}

fn status(domain: &str, state: &DomainState, now: i64) -> DomainStatus {
    let breaker = state.breaker_at(now);
    let future = |ms: i64| (ms > now).then(|| timestamp(ms));
    DomainStatus {
        domain: domain.to_owned(),
        breaker: breaker.as_str().to_owned(),
        consecutive_failures: state.breaker.failures,
        breaker_open_until: (breaker == BreakerState::Open)
            .then(|| timestamp(state.breaker.open_until_ms)),
        next_slot_at: future(state.next_slot_ms),
        paused_until: future(state.paused_until_ms),
        running: u32::try_from(state.leases.iter().filter(|l| l.until_ms > now).count())
            .unwrap_or(u32::MAX),
        starts_in_window: u32::try_from(
            state
                .starts_ms
                .iter()
                .filter(|s| **s > now - 60_000)
                .count(),
        )
        .unwrap_or(u32::MAX),
        updated_at: Some(timestamp(state.updated_ms)),
    }
}

fn policy_proto(tenant: &str, policy: &TenantPolicy) -> RobotsPolicy {
    RobotsPolicy {
        tenant: tenant.to_owned(),
        respect_robots: policy.respect_robots,
        reason: policy.reason.clone(),
        changed_by: policy.changed_by.clone(),
        changed_at: (policy.changed_ms > 0).then(|| timestamp(policy.changed_ms)),
    }
}

fn timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: i32::try_from(ms.rem_euclid(1000) * 1_000_000).unwrap_or(0),
    }
}
