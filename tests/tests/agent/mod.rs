//! Agent jobs (issue 16) on the worker's browser, around the fixture shop.
//!
//! - `browser`: the scripted model's tool calls run as steps in real Chromium, through
//!   the egress policy and robots.txt; refused pages are never requested.
//! - `llm`: a real local model (`scripts/test.sh --llm`) answers three goals in words.

mod browser;
mod llm;
mod mcp;
mod platform;
