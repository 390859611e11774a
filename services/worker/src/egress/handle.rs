//! [`Egress`]: everything about how a worker reaches the outside, shared by the HTTP
//! fetcher, the browser's forward proxy and other components (robots.txt).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use url::{Host, Url};

use jetcrawl_egress::proxy::{PoolPolicy, ProxyEndpoint, ProxyPool, Route};
use jetcrawl_egress::{CheckedResolver, Resolver, TargetPolicy};

use super::client::{self, checked_redirects};
use crate::error::JobError;

/// How to build an [`Egress`].
#[derive(Debug, Clone)]
pub struct EgressSettings {
    /// Which internal addresses are allowed.
    pub policy: TargetPolicy,
    /// Name resolution (with test overrides).
    pub resolver: Resolver,
    /// The proxy pool; empty means direct.
    pub proxies: Vec<ProxyEndpoint>,
    /// Cool-down and block streak of the pool.
    pub pool: PoolPolicy,
    /// User agent of HTTP requests.
    pub user_agent: String,
}

impl EgressSettings {
    /// Direct egress with the development switch set or not, no allow-list.
    pub fn direct(user_agent: &str, allow_private: bool) -> Self {
        Self {
            policy: if allow_private {
                TargetPolicy::allow_all()
            } else {
                TargetPolicy::default()
            },
            resolver: Resolver::system(),
            proxies: Vec::new(),
            pool: PoolPolicy {
                cooldown: Duration::from_secs(60),
                block_streak: 3,
            },
            user_agent: user_agent.to_owned(),
        }
    }
}

/// The worker's egress. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Egress {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    policy: Arc<TargetPolicy>,
    resolver: Resolver,
    pool: ProxyPool,
    direct: reqwest::Client,
    proxied: Vec<reqwest::Client>,
    shared: reqwest::Client,
}

impl Egress {
    /// Builds the clients of every route.
    pub fn new(settings: EgressSettings) -> Result<Self, JobError> {
        let policy = Arc::new(settings.policy);
        let trusted: HashSet<String> = settings
            .proxies
            .iter()
            .map(|p| p.host().to_ascii_lowercase())
            .collect();
        let resolver = Arc::new(CheckedResolver::new(
            settings.resolver.clone(),
            policy.clone(),
            trusted,
        ));
        let agent = settings.user_agent.as_str();
        let none = reqwest::redirect::Policy::none;
        let direct = client::build(agent, resolver.clone(), None, none())?;
        let shared = client::build(
            agent,
            resolver.clone(),
            None,
            checked_redirects(policy.clone()),
        )?;
        let proxied = settings
            .proxies
            .iter()
            .map(|proxy| client::build(agent, resolver.clone(), Some(proxy), none()))
            .collect::<Result<Vec<_>, _>>()?;
        let inner = Inner {
            policy,
            resolver: settings.resolver,
            pool: ProxyPool::new(settings.proxies, settings.pool),
            direct,
            proxied,
            shared,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The allow policy.
    pub fn policy(&self) -> &TargetPolicy {
        &self.inner.policy
    }

    /// The resolver (overrides included).
    pub fn resolver(&self) -> &Resolver {
        &self.inner.resolver
    }

    /// A direct client for other components (robots.txt): its resolver refuses internal
    /// answers, and it follows up to 5 redirects, refusing a hop to another scheme than
    /// http(s) or to an internal IP literal. Map its errors with
    /// [`Egress::refusal_in`].
    pub fn client(&self) -> reqwest::Client {
        self.inner.shared.clone()
    }

    /// The `TargetForbidden` job error inside a reqwest error of these clients, if the
    /// egress checks refused the request.
    pub fn refusal_in(err: &reqwest::Error) -> Option<JobError> {
        client::refusal_in(err)
    }

    /// The client of `route`; it follows no redirect.
    pub fn http_client(&self, route: Route) -> &reqwest::Client {
        match route {
            Route::Direct => &self.inner.direct,
            Route::Proxy(i) => self.inner.proxied.get(i).unwrap_or(&self.inner.direct),
        }
    }

    /// How many proxies are configured.
    pub fn proxy_count(&self) -> usize {
        self.inner.pool.proxies().len()
    }

    /// The route for requests to `host`: sticky per registrable domain.
    pub fn route(&self, host: &str) -> Route {
        self.inner
            .pool
            .route(&registrable_domain(host), Instant::now())
    }

    /// The route of `url`'s host (direct when it has none).
    pub fn route_for_url(&self, url: &str) -> Route {
        match Url::parse(url).ok().as_ref().and_then(Url::host_str) {
            Some(host) => self.route(host),
            None => Route::Direct,
        }
    }

    /// The label of the proxy `job`'s first URL goes out through (empty: direct).
    pub fn planned_proxy(&self, job: &jetcrawl_streams::Job) -> String {
        let first = job.spec.as_ref().and_then(|spec| spec.urls.first());
        first.map_or_else(String::new, |url| self.label(self.route_for_url(url)))
    }

    /// The proxy of `route`, if any.
    pub fn endpoint(&self, route: Route) -> Option<&ProxyEndpoint> {
        self.inner.pool.endpoint(route)
    }

    /// `scheme://host:port` of the route's proxy; empty for direct.
    pub fn label(&self, route: Route) -> String {
        self.endpoint(route)
            .map(|p| p.label().to_owned())
            .unwrap_or_default()
    }

    /// Connecting through `route` failed: retire its proxy for the cool-down.
    pub fn connect_failed(&self, route: Route) -> bool {
        self.inner.pool.connect_failed(route, Instant::now())
    }

    /// An answer came back through `route` with `status`: counted, and fed to the
    /// proxy's 403/429 streak.
    pub fn answered(&self, route: Route, status: u16) {
        self.inner.pool.answered(route, status, Instant::now());
        self.opened(route);
    }

    /// A request or tunnel went out through `route` (for `jetcrawl_egress_requests_total`).
    pub fn opened(&self, route: Route) {
        let label = match self.endpoint(route) {
            Some(proxy) => proxy.label().to_owned(),
            None => "direct".to_owned(),
        };
        metrics::counter!("jetcrawl_egress_requests_total", "route" => label).increment(1);
    }

    /// Checks `url`'s scheme, resolves it and checks every address with its port.
    pub async fn check_url(&self, url: &Url) -> Result<Vec<IpAddr>, JobError> {
        let pinned = jetcrawl_egress::pin(url, &self.inner.policy, &self.inner.resolver).await?;
        Ok(pinned.ips())
    }

    /// Whether a hop to `url` over `route` must be resolved and checked before sending:
    /// always through a proxy (the proxy resolves), and when the allow-list has
    /// port-specific entries (the client's resolver does not see ports). IP literals
    /// are always checked.
    pub fn needs_precheck(&self, url: &Url, route: Route) -> bool {
        let literal = matches!(url.host(), Some(Host::Ipv4(_) | Host::Ipv6(_)));
        literal || route != Route::Direct || self.inner.policy.has_port_entries()
    }
}

/// The registrable domain of `host` (eTLD+1 from the public suffix list); an IP
/// literal, `localhost` or a bare name is its own domain.
pub fn registrable_domain(host: &str) -> String {
    let name = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if name.parse::<IpAddr>().is_ok() || !name.contains('.') {
        return name;
    }
    psl::domain_str(&name).map_or(name.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_share_a_route_key() {
        assert_eq!(registrable_domain("a.example.com"), "example.com");
        assert_eq!(registrable_domain("B.Example.COM."), "example.com");
        assert_eq!(registrable_domain("www.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable_domain("x.a.test"), "a.test");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(registrable_domain("[::1]"), "::1");
        assert_eq!(registrable_domain("localhost"), "localhost");
    }
}
