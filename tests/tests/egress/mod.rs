//! Egress with real worker processes (issue 4, ADRs 0018 and 0019): the SSRF battery
//! refused after resolution on every hop, in both render modes, with nothing fetched;
//! rotation over two local forward proxies with a failing one retired; and browser
//! profile roots removed when a worker stops or is killed.

mod profiles;
mod rotation;
mod ssrf;
mod support;
