//! The browser's egress: a forward proxy on 127.0.0.1 that every Chromium request goes
//! through (`--proxy-server`, loopback included), so redirects, subresources and page
//! scripts are resolved and checked like the HTTP path's requests, and leave through
//! the same proxy pool.
//!
//! HTTP/1 parsing, framing and CONNECT upgrades are hyper's (ADR 0040): a request whose
//! framing is ambiguous is refused before anything is opened, every request of a
//! keep-alive connection is checked on its own, and bodies are re-framed on the way out.

mod answer;
mod relay;
mod server;
mod target;
mod tunnel;
mod upstream;

pub use server::ForwardProxy;
