//! The egress proxy pool: round-robin over the configured proxies, sticky per
//! registrable domain, a proxy retired for a cool-down after a connection error or a
//! streak of 403/429 answers. Time comes in as a parameter so tests need no sleeping.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::endpoint::ProxyEndpoint;

/// Where a request goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Straight to the target (no proxy configured).
    Direct,
    /// Through the proxy at this index of the pool.
    Proxy(usize),
}

/// Pool settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolPolicy {
    /// How long a retired proxy sits out.
    pub cooldown: Duration,
    /// Consecutive 403/429 answers that retire a proxy.
    pub block_streak: u32,
}

#[derive(Debug, Default, Clone, Copy)]
struct Health {
    retired_until: Option<Instant>,
    streak: u32,
}

#[derive(Debug, Default)]
struct State {
    sticky: HashMap<String, usize>,
    next: usize,
    health: Vec<Health>,
}

/// Chooses a proxy per registrable domain.
#[derive(Debug)]
pub struct ProxyPool {
    proxies: Vec<ProxyEndpoint>,
    policy: PoolPolicy,
    state: Mutex<State>,
}

impl ProxyPool {
    /// A pool over `proxies` (empty: every route is direct).
    pub fn new(proxies: Vec<ProxyEndpoint>, policy: PoolPolicy) -> Self {
        let state = State {
            health: vec![Health::default(); proxies.len()],
            ..State::default()
        };
        Self {
            proxies,
            policy,
            state: Mutex::new(state),
        }
    }

    /// The configured proxies.
    pub fn proxies(&self) -> &[ProxyEndpoint] {
        &self.proxies
    }

    /// The proxy of `route`, if any.
    pub fn endpoint(&self, route: Route) -> Option<&ProxyEndpoint> {
        match route {
            Route::Direct => None,
            Route::Proxy(index) => self.proxies.get(index),
        }
    }

    /// The route for `domain` at `now`: its sticky proxy while that one is in service,
    /// otherwise the next one in service (round-robin), which becomes sticky. When every
    /// proxy is retired, the one back soonest.
    pub fn route(&self, domain: &str, now: Instant) -> Route {
        if self.proxies.is_empty() {
            return Route::Direct;
        }
        let Ok(mut state) = self.state.lock() else {
            return Route::Proxy(0);
        };
        let in_service = |s: &State, i: usize| s.health[i].retired_until.is_none_or(|t| t <= now);
        if let Some(&index) = state.sticky.get(domain)
            && in_service(&state, index)
        {
            return Route::Proxy(index);
        }
        let count = self.proxies.len();
        let start = state.next;
        let chosen = (0..count)
            .map(|offset| (start + offset) % count)
            .find(|&i| in_service(&state, i))
            .unwrap_or_else(|| soonest_back(&state.health));
        state.next = (chosen + 1) % count;
        state.sticky.insert(domain.to_owned(), chosen);
        Route::Proxy(chosen)
    }

    /// A connection to the proxy failed: retire it. Returns true when it was in service.
    pub fn connect_failed(&self, route: Route, now: Instant) -> bool {
        self.retire(route, now, "connection error")
    }

    /// Feeds an answer's status: a streak of 403/429 retires the proxy, anything else
    /// ends the streak. Returns true when this answer retired it.
    pub fn answered(&self, route: Route, status: u16, now: Instant) -> bool {
        let Route::Proxy(index) = route else {
            return false;
        };
        let streak = match self.state.lock() {
            Ok(mut state) => match state.health.get_mut(index) {
                Some(health) if matches!(status, 403 | 429) => {
                    health.streak += 1;
                    health.streak
                }
                Some(health) => {
                    health.streak = 0;
                    0
                }
                None => 0,
            },
            Err(_) => 0,
        };
        streak >= self.policy.block_streak.max(1) && self.retire(route, now, "403/429 streak")
    }

    fn retire(&self, route: Route, now: Instant, reason: &'static str) -> bool {
        let Route::Proxy(index) = route else {
            return false;
        };
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        let Some(health) = state.health.get_mut(index) else {
            return false;
        };
        let was_in_service = health.retired_until.is_none_or(|t| t <= now);
        health.retired_until = Some(now + self.policy.cooldown);
        health.streak = 0;
        if was_in_service {
            let label = self.proxies[index].label().to_owned();
            tracing::warn!(proxy = %label, reason, cooldown_ms = self.policy.cooldown.as_millis() as u64, "egress proxy retired");
            metrics::counter!("jetcrawl_egress_proxy_retired_total", "proxy" => label, "reason" => reason).increment(1);
        }
        was_in_service
    }
}

fn soonest_back(health: &[Health]) -> usize {
    health
        .iter()
        .enumerate()
        .min_by_key(|(_, h)| h.retired_until)
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: usize) -> ProxyPool {
        let proxies = (0..n)
            .map(|i| {
                format!("http://127.0.0.1:{}", 3000 + i)
                    .parse()
                    .expect("proxy")
            })
            .collect();
        let policy = PoolPolicy {
            cooldown: Duration::from_secs(60),
            block_streak: 3,
        };
        ProxyPool::new(proxies, policy)
    }

    #[test]
    fn round_robin_and_sticky_per_domain() {
        let pool = pool(2);
        let now = Instant::now();
        let a = pool.route("a.test", now);
        let b = pool.route("b.test", now);
        assert_ne!(a, b, "new domains are spread");
        assert_eq!(pool.route("a.test", now), a, "sticky");
        assert_eq!(pool.route("c.test", now), a, "round-robin wraps");
        assert_eq!(
            ProxyPool::new(Vec::new(), pool.policy).route("a", now),
            Route::Direct
        );
    }

    #[test]
    fn a_failed_proxy_sits_out_its_cooldown() {
        let pool = pool(2);
        let now = Instant::now();
        let a = pool.route("a.test", now);
        assert!(pool.connect_failed(a, now));
        assert!(!pool.connect_failed(a, now), "already retired");
        let moved = pool.route("a.test", now);
        assert_ne!(moved, a, "traffic moves");
        assert_eq!(pool.route("x.test", now + Duration::from_secs(1)), moved);
        let later = now + Duration::from_secs(61);
        assert_eq!(pool.route("a.test", later), moved, "stays on its new proxy");
        assert_eq!(
            pool.route("y.test", later),
            a,
            "back in service after the cooldown"
        );
    }

    #[test]
    fn a_streak_of_403_or_429_retires_and_other_answers_reset_it() {
        let pool = pool(2);
        let now = Instant::now();
        let a = pool.route("a.test", now);
        assert!(!pool.answered(a, 403, now));
        assert!(!pool.answered(a, 429, now));
        assert!(!pool.answered(a, 200, now), "reset");
        assert!(!pool.answered(a, 403, now));
        assert!(!pool.answered(a, 403, now));
        assert!(pool.answered(a, 429, now), "third in a row");
        assert_ne!(pool.route("a.test", now), a);
    }

    #[test]
    fn when_all_are_retired_the_one_back_soonest_serves() {
        let pool = pool(2);
        let now = Instant::now();
        pool.connect_failed(Route::Proxy(1), now);
        pool.connect_failed(Route::Proxy(0), now + Duration::from_secs(5));
        assert_eq!(
            pool.route("a.test", now + Duration::from_secs(6)),
            Route::Proxy(1)
        );
    }
}
