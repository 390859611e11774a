//! RGPD end to end with the real binaries (issue 6, "Done means" 3 and 4): personal
//! fields sealed per data subject; erasure leaves no plaintext in a `pg_dump` nor in any
//! stream, object store or KV message while the audit chain still verifies; the access
//! export lists exactly the subject's jobs; retention with short settings leaves nothing
//! overdue and records its run. Also measures what sealing costs a submit.

mod dump;
mod erasure;
mod retention;
mod sealing_cost;
mod support;
