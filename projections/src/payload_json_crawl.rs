//! JSON renderings of the crawl controller's events (robots.txt denials and overrides).

use jetcrawl_proto::v1::{RobotsDisallowed, RobotsPolicyChanged};
use serde_json::{Value, json};

pub(crate) fn robots_disallowed(p: &RobotsDisallowed) -> Value {
    json!({
        "url": p.url,
        "robots_url": p.robots_url,
        "rule": p.rule,
        "user_agent_group": p.user_agent_group,
        "product_token": p.product_token,
        "domain": p.domain,
        "url_index": p.url_index,
    })
}

pub(crate) fn robots_policy_changed(p: &RobotsPolicyChanged) -> Value {
    json!({
        "respect_robots": p.respect_robots,
        "previous_respect_robots": p.previous_respect_robots,
        "reason": p.reason,
    })
}
