//! Audit actions stored before ADR 34, when they were `jetcrawl.v1.Event` envelopes with
//! an empty job id, still project: each becomes the row the code of that time wrote,
//! with the same hash, and the chain goes on with actions in the new envelope.
//!
//! The payloads and hashes below were produced by the code before ADR 34 (`new_event` +
//! `encode`, `audit_entry` and `chain_hash` at commit 3737503), for seven actions, one of
//! each kind, stored as stream sequences 1..7 of `AUDIT_ACTIONS` on an empty chain.

use crate::support::database;
use chrono::{DateTime, Utc};
use jetcrawl_projections::audit::{AuditRow, verify_chain};
use jetcrawl_projections::{Projection, StreamMessage};
use jetcrawl_proto::v1::ApiKeyRevoked;
use jetcrawl_streams::audit::{Action, ENVELOPE, encode_action, new_action};

/// One message as the old code stored it, and the row hash it computed.
struct Legacy {
    subject: &'static str,
    action: &'static str,
    hex: &'static str,
    hash: &'static str,
}

/// Every one happened at `1_790_000_000 + 10 * seq` seconds and 123_456_789 ns.
const LEGACY: [Legacy; 7] = [
    Legacy {
        subject: "audit.robots_override.acme",
        action: "RobotsPolicyChanged",
        hex: "0a13526f626f7473506f6c6963794368616e6765641001220461636d652a0b088af7c4d50610959a\
        ef3a320a6b65793a61646d696e313a3730302d306166373635313931366364343364643834343865\
        62323131633830333139632d623761643662373136393230333333312d3031c2011310011a0f6f77\
        6e65722061677265656d656e74",
        hash: "2e02637a7a6b4fbf4f3c54b689e284e142a54011a4fbac2a4e5ea5616dac1678",
    },
    Legacy {
        subject: "audit.erasure.acme",
        action: "SubjectErased",
        hex: "0a0d5375626a6563744572617365641001220461636d652a0b0894f7c4d50610959aef3a320a6b65\
        793a61646d696e313a3730302d306166373635313931366364343364643834343865623231316338\
        30333139632d623761643662373136393230333333312d3031f2012e0a057265662d31120c646174\
        615f7375626a6563741a026a311a026a3220032801320b7265717565737420233432",
        hash: "a788b56a0f648dc7f8105673257048a8b949f57edd41aa60b4ae04860a5270e7",
    },
    Legacy {
        subject: "audit.access.acme",
        action: "SubjectDataExported",
        hex: "0a135375626a656374446174614578706f727465641001220461636d652a0b089ef7c4d50610959a\
        ef3a320c6b65793a61756469746f72313a3730302d30616637363531393136636434336464383434\
        386562323131633830333139632d623761643662373136393230333333312d3031fa01610a057265\
        662d31120c646174615f7375626a6563741a026a311a026a3220092a406162616261626162616261\
        62616261626162616261626162616261626162616261626162616261626162616261626162616261\
        62616261626162616261626162",
        hash: "4dfb6937b9420d61d757dbcbb756ee59203cbe4c59eef3e9aaf9687705772bac",
    },
    Legacy {
        subject: "audit.retention._all",
        action: "RetentionRun",
        hex: "0a0c526574656e74696f6e52756e100122045f616c6c2a0b08a8f7c4d50610959aef3a3206737973\
        74656d3a3730302d3061663736353139313663643433646438343438656232313163383033313963\
        2d623761643662373136393230333333312d303182023c0a0572756e2d3112066d616e75616c1a09\
        0881f7c4d50610882722060882f7c4d5062a180a07726573756c747310021a060880dda6d4062080\
        9a9e01",
        hash: "a5c17fc20b4db0050cb0fc583191df747cb8892e7a76ebd528d124b67f6be1d4",
    },
    Legacy {
        subject: "audit.report._all",
        action: "ReportGenerated",
        hex: "0a0f5265706f727447656e657261746564100122045f616c6c2a0b08b2f7c4d50610959aef3a320b\
        7265706f727465723a72313a3730302d306166373635313931366364343364643834343865623231\
        31633830333139632d623761643662373136393230333333312d30319a02b8010a07323032362d31\
        3010011a650a03616c6c120468746d6c1a13323032362d31302f72312f616c6c2e68746d6c20d209\
        2a406364636463646364636463646364636463646364636463646364636463646364636463646364\
        63646364636463646364636463646364636463646364636463642001282932406566656665666566\
        65666566656665666566656665666566656665666566656665666566656665666566656665666566\
        65666566656665666566656665666566",
        hash: "fd2d26128640a86d7fa3f3ba8ebe109abf0a8b92043cf7be7a1f16e21b6f3ef2",
    },
    Legacy {
        subject: "audit.key.globex",
        action: "ApiKeyIssued",
        hex: "0a0c4170694b657949737375656410012206676c6f6265782a0b08bcf7c4d50610959aef3a320863\
        6c693a726f6f743a3730302d30616637363531393136636434336464383434386562323131633830\
        333139632d623761643662373136393230333333312d3031b2021f0a046162636412076175646974\
        6f721a0461636d652208636c693a726f6f74",
        hash: "dc01bc2681bba6604c1eb07ed8e2909860d682576c5a251bccea66f1071e5388",
    },
    Legacy {
        subject: "audit.key.globex",
        action: "ApiKeyRevoked",
        hex: "0a0d4170694b65795265766f6b656410012206676c6f6265782a0b08c6f7c4d50610959aef3a3208\
        636c693a726f6f743a3730302d306166373635313931366364343364643834343865623231316338\
        30333139632d623761643662373136393230333333312d3031ba02190a0461626364120761756469\
        746f721a08636c693a726f6f74",
        hash: "bf341011e5764ee897ae7217f61d3b9d3a6cfafd7a0964c16963c2fc2061e158",
    },
];

fn message(sequence: u64, subject: &str, payload: Vec<u8>, envelope: &str) -> StreamMessage {
    StreamMessage {
        sequence,
        subject: subject.to_owned(),
        payload,
        stored_at: None,
        job_id_header: String::new(),
        tenant_header: String::new(),
        envelope_header: envelope.to_owned(),
    }
}

fn legacy_messages() -> Vec<StreamMessage> {
    LEGACY
        .iter()
        .zip(1..)
        .map(|(legacy, seq)| {
            let payload = hex::decode(legacy.hex).expect("hex");
            message(seq, legacy.subject, payload, "")
        })
        .collect()
}

async fn audit_rows(pool: &sqlx::PgPool) -> Vec<AuditRow> {
    sqlx::query_as(
        "SELECT seq, source, stream_seq, occurred_at, tenant, actor, action, job_id, details,
                prev_hash, hash
           FROM audit_log ORDER BY seq",
    )
    .fetch_all(pool)
    .await
    .expect("rows")
}

#[tokio::test]
async fn actions_stored_as_events_project_to_the_rows_and_hashes_they_had() {
    let (_pg, pool) = database().await;
    let mut tx = pool.begin().await.expect("begin");
    Projection::AuditActions
        .apply(&mut tx, &legacy_messages())
        .await
        .expect("old messages apply");
    tx.commit().await.expect("commit");

    let rows = audit_rows(&pool).await;
    assert_eq!(rows.len(), LEGACY.len(), "one row per old message");
    for (row, legacy) in rows.iter().zip(&LEGACY) {
        let at = DateTime::<Utc>::from_timestamp(1_790_000_000 + 10 * row.seq, 123_456_000);
        assert_eq!(
            (
                row.action.as_str(),
                row.source.as_str(),
                row.job_id.as_deref()
            ),
            (legacy.action, "audit_actions", None),
            "row {}",
            row.seq
        );
        assert_eq!(Some(row.occurred_at), at, "row {}", row.seq);
        assert_eq!(row.hash, legacy.hash, "row {} hashes as it did", row.seq);
        assert_eq!(row.hash, row.expected_hash(), "row {}", row.seq);
    }
    assert_eq!(rows[5].tenant, "globex");
    assert_eq!(rows[5].actor, "cli:root");
    assert_eq!(
        rows[5].details["granted_tenants"],
        serde_json::json!(["acme"])
    );

    // The chain goes on with an action in the new envelope, and verifies end to end.
    let revoked = new_action(
        "globex",
        "cli:root",
        "",
        Action::ApiKeyRevoked(ApiKeyRevoked {
            key_id: "efgh".into(),
            role: "client".into(),
            revoked_by: "cli:root".into(),
        }),
    );
    let new = message(
        8,
        "audit.key.globex",
        encode_action(&revoked).to_vec(),
        ENVELOPE,
    );
    let mut tx = pool.begin().await.expect("begin");
    Projection::AuditActions
        .apply(&mut tx, &[new])
        .await
        .expect("new message applies");
    tx.commit().await.expect("commit");
    let rows = audit_rows(&pool).await;
    assert_eq!(rows.len(), 8);
    assert_eq!(
        (rows[7].action.as_str(), rows[7].details["key_id"].as_str()),
        ("ApiKeyRevoked", Some("efgh"))
    );
    assert_eq!(rows[7].prev_hash, LEGACY[6].hash);
    let verdict = verify_chain(&pool).await.expect("verifies");
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(verdict.rows_checked, 8);
}

#[tokio::test]
async fn a_message_naming_an_unknown_envelope_is_kept_as_undecodable() {
    let (_pg, pool) = database().await;
    let mut legacy = legacy_messages().remove(0);
    legacy.envelope_header = "audit-action/v9".to_owned();
    let mut tx = pool.begin().await.expect("begin");
    Projection::AuditActions
        .apply(&mut tx, &[legacy])
        .await
        .expect("applies");
    tx.commit().await.expect("commit");
    let rows = audit_rows(&pool).await;
    assert_eq!(rows.len(), 1, "never dropped");
    assert_eq!(rows[0].action, jetcrawl_projections::UNDECODABLE);
    let error = rows[0].details["error"].as_str().unwrap_or_default();
    assert!(error.contains("audit-action/v9"), "{error}");
}
