//! Where a service without a listener of its own serves `/metrics` and `/healthz`:
//! declared once here, flattened into every such service's settings.

use std::net::{Ipv4Addr, SocketAddr};

/// The metrics address setting.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MetricsArgs {
    /// Address serving `/metrics` and `/healthz`. Default: 127.0.0.1 on the service's
    /// own port (worker 9102, projector 9103, reporter 9104, notifier 9093), so every
    /// service can run on one machine.
    #[arg(long = "metrics-addr", env = "JETCRAWL_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
}

impl MetricsArgs {
    /// An explicit address.
    pub fn at(addr: SocketAddr) -> Self {
        Self {
            metrics_addr: Some(addr),
        }
    }

    /// The configured address, else `service`'s default one.
    pub fn addr_for(&self, service: &str) -> SocketAddr {
        self.metrics_addr
            .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, default_port(service))))
    }
}

/// The default metrics port of each service, one table for all.
pub fn default_port(service: &str) -> u16 {
    match service {
        "notifier" => 9093,
        "worker" => 9102,
        "projector" => 9103,
        "reporter" => 9104,
        // A service not in the table must be configured; port 9100 is the
        // conventional node exporter's, so fall back above the table instead.
        _ => 9105,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_has_its_own_default_and_a_setting_wins() {
        let none = MetricsArgs::default();
        let ports: Vec<u16> = ["notifier", "worker", "projector", "reporter"]
            .iter()
            .map(|s| none.addr_for(s).port())
            .collect();
        let mut unique = ports.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ports.len(), "one port per service: {ports:?}");
        assert!(none.addr_for("worker").ip().is_loopback());
        let set = MetricsArgs::at("0.0.0.0:9999".parse().expect("addr"));
        assert_eq!(set.addr_for("worker").port(), 9999);
    }
}
