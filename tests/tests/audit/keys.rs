//! Key rotations are audit rows: `jetcrawl keys create|revoke` publish ApiKeyIssued /
//! ApiKeyRevoked on `audit.key.<tenant>`, never the secret; `jetcrawl audit query`
//! finds them by type.

use jetcrawl_gateway::auth::Role;

use crate::audit::support::*;

#[tokio::test]
async fn issuing_and_revoking_a_key_are_audited_without_the_secret() {
    let p = Platform::start().await.expect("platform");
    let auditor = p.key(tenant(), Role::Auditor, &[]).await.expect("key");
    let out = p
        .cli(
            "",
            &[
                "--output",
                "json",
                "keys",
                "create",
                "--tenant",
                tenant(),
                "--role",
                "client",
            ],
        )
        .expect("keys create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let (id, secret) = (
        created["id"].as_str().expect("id").to_owned(),
        created["key"].as_str().expect("key").to_owned(),
    );
    let out = p.cli("", &["keys", "revoke", &id]).expect("keys revoke");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // keys list: a table with a header, the revoked key marked, never a secret.
    let out = p
        .cli("", &["keys", "list", "--tenant", tenant()])
        .expect("keys list");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        listed.starts_with("ID") && listed.contains("REVOKED"),
        "{listed}"
    );
    let line = listed
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("key {id} listed: {listed}"));
    assert!(line.ends_with('Z'), "its revocation time is shown: {line}");
    assert!(!listed.contains(&secret), "no secret in the list");
    let out = p
        .cli("", &["--output", "json", "keys", "list", "--active"])
        .expect("keys list");
    let active: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let active_ids: Vec<&str> = active["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["id"].as_str())
        .collect();
    assert!(
        !active_ids.contains(&id.as_str()),
        "--active leaves revoked keys out"
    );
    p.audit_rows(2).await.expect("projected");

    let query = |kind: &'static str| {
        p.cli(
            &auditor,
            &["--output", "json", "audit", "query", "--type", kind],
        )
    };
    let issued = query("ApiKeyIssued").expect("query");
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    let issued: serde_json::Value = serde_json::from_slice(&issued.stdout).expect("json");
    let records = issued["records"].as_array().expect("records");
    assert_eq!(records.len(), 1, "{issued}");
    assert_eq!(records[0]["details"]["key_id"], id.as_str());
    assert_eq!(records[0]["details"]["role"], "client");
    assert_eq!(records[0]["source"], "audit_actions");
    assert!(
        records[0]["actor"]
            .as_str()
            .expect("actor")
            .starts_with("cli:")
    );
    let revoked = query("ApiKeyRevoked").expect("query");
    let revoked: serde_json::Value = serde_json::from_slice(&revoked.stdout).expect("json");
    assert_eq!(revoked["records"][0]["details"]["key_id"], id.as_str());

    let dump: Vec<String> = sqlx::query_scalar("SELECT details::text FROM audit_log")
        .fetch_all(&p.pool)
        .await
        .expect("rows");
    // `jck_<id>_<secret>`: the secret is base64url, so it may hold `_` itself; take
    // all of it, and refuse any 12 characters of it in a row (a random match of 12 is
    // beyond chance, while the last `_`-separated piece alone could be 1 character).
    let secret_part = secret.splitn(3, '_').nth(2).expect("secret");
    let chars: Vec<char> = secret_part.chars().collect();
    for window in chars.windows(12) {
        let piece: String = window.iter().collect();
        assert!(
            dump.iter().all(|d| !d.contains(&piece)),
            "the secret never reaches the audit log (found {piece:?})"
        );
    }
}
