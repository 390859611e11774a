//! The HTTP client's resolver: it answers with checked addresses only, so a name cannot
//! resolve to a public address when checked and to an internal one when connected.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::policy::TargetPolicy;
use crate::resolve::Resolver;

/// A [`Resolve`] applying a policy to every answer. Hosts in `trusted` (the configured
/// proxies) are not checked: they are the egress path itself. A refusal is returned as
/// the [`crate::Refusal`] itself, found again with [`crate::refusal_in`].
#[derive(Debug, Clone)]
pub struct CheckedResolver {
    resolver: Resolver,
    policy: Arc<TargetPolicy>,
    trusted: Arc<HashSet<String>>,
}

impl CheckedResolver {
    /// A resolver applying `policy` to every answer except for `trusted` hosts.
    pub fn new(resolver: Resolver, policy: Arc<TargetPolicy>, trusted: HashSet<String>) -> Self {
        Self {
            resolver,
            policy,
            trusted: Arc::new(trusted),
        }
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let this = self.clone();
        Box::pin(async move {
            let addresses = this.resolver.lookup(&host).await?;
            if !this.trusted.contains(&host) {
                for ip in &addresses {
                    this.policy.check_ip(&host, *ip)?;
                }
            }
            let addrs: Addrs = Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::Class;
    use crate::error::refusal_in;

    #[tokio::test]
    async fn the_client_resolver_refuses_internal_answers() {
        let resolver = Resolver::with_overrides("internal.test=10.0.0.1,proxy.test=10.0.0.2")
            .expect("overrides");
        let checked = CheckedResolver::new(
            resolver,
            Arc::new(TargetPolicy::default()),
            HashSet::from(["proxy.test".to_owned()]),
        );
        let name = |n: &str| n.parse::<Name>().expect("name");
        let err = match checked.resolve(name("internal.test")).await {
            Ok(_) => panic!("10.0.0.1 must be refused"),
            Err(err) => err,
        };
        let refusal = refusal_in(err.as_ref()).expect("a refusal");
        assert_eq!(refusal.class.class, Class::Private);
        let trusted: Vec<SocketAddr> = match checked.resolve(name("proxy.test")).await {
            Ok(addrs) => addrs.collect(),
            Err(err) => panic!("a configured proxy resolves: {err}"),
        };
        assert_eq!(trusted.len(), 1);
    }
}
