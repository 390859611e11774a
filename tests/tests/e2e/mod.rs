//! End-to-end flows through the real platform: nats-server, Postgres, Chromium, the
//! fixture website, and the gateway, worker and projector binaries.

mod cli;
mod cli_jobs;
mod crawl_cli;
mod formats;
mod http_api;
mod jobs_http;
mod modes;
mod projection;
mod steps;
mod support;
