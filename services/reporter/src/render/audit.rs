//! The audit chain as verified when the report was made, and how anyone can check the
//! head hash the report states.

use maud::{Markup, html};

use crate::figures::AuditChain;

/// The audit chain's verdict, head hash and verification steps.
pub fn audit_chain(chain: &AuditChain) -> Markup {
    html! {
        h2 { "Audit chain" }
        p {
            @if chain.ok {
                span class="ok" data-figure="audit_chain.ok" data-value="true" { "verified" }
            } @else {
                span class="bad" data-figure="audit_chain.ok" data-value="false" {
                    "BROKEN at seq " (chain.first_broken_seq.unwrap_or_default())
                }
                ": " (chain.reason)
            }
            ". Head hash "
            code data-figure="audit_chain.head_hash" { (chain.head_hash) }
            "."
        }
        (verify_steps(chain))
    }
}

/// How anyone can check the head hash this report states, step by step.
fn verify_steps(chain: &AuditChain) -> Markup {
    html! {
        h3 { "How to verify the audit chain yourself" }
        ol data-figure="audit_chain.verify_steps" {
            li {
                "With an auditor or admin API key, run " code { "jetcrawl audit verify" }
                " (or call " code { "VerifyAuditChain" } "). It recomputes every row's hash "
                "from the row and the previous hash, so a changed, removed or inserted row "
                "breaks the chain at that row."
            }
            li {
                "It must answer " code { "OK" } ". If no row was added since this report, the "
                "head hash it prints is " code { (chain.head_hash) } "; otherwise the chain it "
                "verified runs through the row that had that hash"
                @if chain.head_seq > 0 {
                    " (row " (chain.head_seq) ": " code { "jetcrawl --output json audit query" }
                    " shows its " code { "hash" } ")"
                }
                "."
            }
            li {
                code { "jetcrawl audit query --type ReportGenerated" } " lists this report's "
                "own row, with the sha256 of each of its files: compare it with "
                code { "sha256sum" } " of your copy."
            }
        }
    }
}
