//! Results you can trust, end to end with the real binaries: signed expiring downloads
//! (and their refusals), retention that removes results and records `ResultExpired`,
//! Standard Webhooks deliveries verified by an independent implementation, a notifier
//! `kill -9`ed mid-delivery, and webhook URLs refused at submit.

mod crash;
mod download;
mod receiver;
mod retention;
mod support;
mod webhook_ssrf;
mod webhooks;
