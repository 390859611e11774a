//! Done means 2: VerifyAuditChain and `jetcrawl audit verify` say OK with the head hash;
//! a plain UPDATE or DELETE of a row is refused by the trigger; after a superuser alters
//! a row with triggers disabled, both name that row's sequence.

use jetcrawl_gateway::auth::Role;
use jetcrawl_proto::v1::VerifyAuditChainRequest;

use crate::audit::support::*;

#[tokio::test]
async fn verify_reports_the_head_then_names_the_row_a_superuser_altered() {
    let p = Platform::start().await.expect("platform");
    let client = p.gateway.api_key.clone();
    let auditor = p.key(tenant(), Role::Auditor, &[]).await.expect("key");
    for path in ["/a", "/b", "/c", "/d"] {
        p.submit(&client, path).await.expect("submit");
    }
    p.audit_rows(4).await.expect("projected");

    let mut audit = p.audit(&auditor).await.expect("auditor");
    let verdict = audit
        .verify_audit_chain(VerifyAuditChainRequest {})
        .await
        .expect("verify")
        .into_inner();
    let (head_seq, head_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(&p.pool)
            .await
            .expect("head");
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(
        (verdict.head_seq, verdict.head_hash.as_str()),
        (head_seq as u64, head_hash.as_str())
    );
    let out = p.cli(&auditor, &["audit", "verify"]).expect("cli");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("OK") && text.contains(&head_hash),
        "{text}"
    );

    for statement in [
        "UPDATE audit_log SET actor = 'key:someone-else' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 2",
    ] {
        let err = sqlx::query(statement)
            .execute(&p.pool)
            .await
            .expect_err("the trigger refuses it");
        assert!(err.to_string().contains("append-only"), "{err}");
    }

    // A superuser goes around the trigger.
    alter_row_behind_the_trigger(&p.pool, 2)
        .await
        .expect("a superuser alters row 2");

    let verdict = audit
        .verify_audit_chain(VerifyAuditChainRequest {})
        .await
        .expect("verify")
        .into_inner();
    assert!(!verdict.ok);
    assert_eq!(verdict.first_broken_seq, 2, "{verdict:?}");
    assert!(verdict.reason.contains("seq 2"), "{}", verdict.reason);
    let out = p
        .cli(&auditor, &["--output", "json", "audit", "verify"])
        .expect("cli");
    assert!(!out.status.success(), "a broken chain fails the command");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["ok"], false);
    assert_eq!(json["first_broken_seq"], 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken at seq 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
