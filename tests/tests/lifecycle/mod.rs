//! The job lifecycle end to end, with real workers as processes: retries with backoff,
//! dead letters (also through the captured MAX_DELIVERIES advisory) and replays, crash
//! recovery after `kill -9`, cancellation, and 1,000 jobs under random worker kills.
//!
//! Idempotent submit across the dedupe window (Done means 7) is proven by
//! `services/gateway/tests/submit.rs` (`a_grpc_submit_is_recorded_once_and_repeats_
//! return_the_same_job`: a 1 s window, a repeat after 1.5 s, ALREADY_EXISTS for another
//! spec naming the original job).

mod cancel;
mod chaos;
mod crash;
mod dead_letters;
mod retries;
mod support;
