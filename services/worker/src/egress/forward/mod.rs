//! The browser's egress: a forward proxy on 127.0.0.1 that every Chromium request goes
//! through (`--proxy-server`, loopback included), so redirects, subresources and page
//! scripts are resolved and checked like the HTTP path's requests, and leave through
//! the same proxy pool.

mod head;
mod server;
mod session;
mod upstream;

pub use server::ForwardProxy;
