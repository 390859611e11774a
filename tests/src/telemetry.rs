//! Tracing output for tests.

use tracing_subscriber::EnvFilter;

/// Sends `tracing` output to the test harness's captured output, filtered by `RUST_LOG`
/// (default `info`). Safe to call from every test; only the first call installs it.
pub fn init_test_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Err only means another test already installed a subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}
