//! Every MCP tool call in the audit log (`BrowserToolCalled` on AUDIT_ACTIONS): who, which
//! session, which tool, what became of it and on which origin. Never the full URL, which
//! is personal data.

use std::time::Duration;

use jetcrawl_proto::v1::BrowserToolCalled;
use jetcrawl_proto::v1::audit_action::Action;
use jetcrawl_streams::audit::{append_action, new_action};
use url::Url;

use crate::service::{Caller, Gateway};

/// What one call did, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    tool: String,
    outcome: &'static str,
    error_class: String,
    origin: String,
    worker_id: String,
}

impl Call {
    /// The page was read back.
    pub fn observed(tool: &str, url: &str, worker: &str) -> Self {
        Self::new(tool, "observed", "", url, worker)
    }

    /// The call was refused (robots.txt, SSRF policy, scope, no such element).
    pub fn refused(tool: &str, class: &str, url: &str, worker: &str) -> Self {
        Self::new(tool, "refused", class, url, worker)
    }

    /// The call got no page (no worker, a timeout, a closed session).
    pub fn failed(tool: &str, class: &str, worker: &str) -> Self {
        Self::new(tool, "failed", class, "", worker)
    }

    fn new(tool: &str, outcome: &'static str, class: &str, url: &str, worker: &str) -> Self {
        Self {
            tool: tool.to_owned(),
            outcome,
            error_class: class.to_owned(),
            origin: origin(url),
            worker_id: worker.to_owned(),
        }
    }
}

/// `scheme://host[:port]` of `url`; empty when it has none.
fn origin(url: &str) -> String {
    match Url::parse(url) {
        Ok(url) if url.has_host() => url.origin().ascii_serialization(),
        _ => String::new(),
    }
}

/// Records `call` of `caller` in session `session_id`, which came over `transport`
/// (`http`, or `stdio` through `jetcrawl mcp`). `Err` when it could not be recorded.
pub async fn record(
    gateway: &Gateway,
    caller: &Caller,
    (session_id, transport): (&str, &str),
    call: Call,
    elapsed: Duration,
) -> Result<(), String> {
    let action = Action::BrowserToolCalled(BrowserToolCalled {
        session_id: session_id.to_owned(),
        tool: call.tool,
        outcome: call.outcome.to_owned(),
        error_class: call.error_class,
        origin: call.origin,
        worker_id: call.worker_id,
        duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        transport: transport.to_owned(),
    });
    let traceparent = jetcrawl_streams::envelope::new_traceparent();
    let action = new_action(&caller.tenant, &caller.actor, &traceparent, action);
    append_action(gateway.store.context(), &action, None)
        .await
        .map(|_| ())
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_origin_of_a_page_is_recorded() {
        let call = Call::observed("navigate", "http://shop.test:8080/private/me?id=7", "w1");
        assert_eq!(call.origin, "http://shop.test:8080");
        assert_eq!(Call::failed("click", "unavailable", "").origin, "");
    }
}
