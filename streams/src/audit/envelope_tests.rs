use chrono::DateTime;
use jetcrawl_proto::v1::{ApiKeyIssued, BrowserToolCalled, RobotsPolicyChanged};

use super::*;

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/// `ApiKeyIssued` as the code before ADR 34 encoded it: a `jetcrawl.v1.Event` with an
/// empty job id (bytes captured from that code; `projections/tests/audit_legacy.rs`
/// holds all seven kinds).
const LEGACY_KEY_ISSUED: &str = "0a0c4170694b657949737375656410012206676c6f6265782a0b08bcf7c4d5\
    0610959aef3a3208636c693a726f6f743a3730302d30616637363531393136636434336464383434386562\
    323131633830333139632d623761643662373136393230333333312d3031b2021f0a046162636412076175\
    6469746f721a0461636d652208636c693a726f6f74";

/// `RobotsPolicyChanged`, likewise.
const LEGACY_ROBOTS: &str = "0a13526f626f7473506f6c6963794368616e6765641001220461636d652a0b08\
    8af7c4d50610959aef3a320a6b65793a61646d696e313a3730302d30616637363531393136636434336464\
    383434386562323131633830333139632d623761643662373136393230333333312d3031c2011310011a0f\
    6f776e65722061677265656d656e74";

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text.split_whitespace().collect::<String>()).expect("hex")
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 123_456_789).expect("time")
}

fn key_issued() -> Action {
    Action::ApiKeyIssued(ApiKeyIssued {
        key_id: "abcd".into(),
        role: "auditor".into(),
        granted_tenants: vec!["acme".into()],
        issued_by: "cli:root".into(),
    })
}

fn robots_off() -> Action {
    Action::RobotsPolicyChanged(RobotsPolicyChanged {
        respect_robots: false,
        previous_respect_robots: true,
        reason: "owner agreement".into(),
    })
}

#[test]
fn an_action_round_trips_through_its_encoding_and_headers() {
    let action = new_action("acme", "key:admin1", TRACEPARENT, robots_off());
    assert_eq!(action.action_type, "RobotsPolicyChanged");
    assert!(uuid::Uuid::parse_str(&action.id).is_ok(), "{}", action.id);
    let headers = action_headers(&action);
    let envelope = headers.get(headers::ENVELOPE).map(|v| v.as_str());
    assert_eq!(envelope, Some(ENVELOPE));
    assert_eq!(
        headers.get(headers::EVENT_TYPE).map(|v| v.as_str()),
        Some("RobotsPolicyChanged")
    );
    assert_eq!(headers.get(headers::JOB_ID), None, "an action has no job");
    let decoded = decode_action(4, envelope, &encode_action(&action)).expect("decodes");
    assert_eq!(decoded.sequence, 4);
    assert_eq!(decoded.action, action);
}

fn browser_tool_called() -> Action {
    Action::BrowserToolCalled(BrowserToolCalled {
        session_id: "5f0c6a2e-1d3b-4c6e-9a7f-2b8d4e6f8a10".into(),
        tool: "navigate".into(),
        outcome: "refused".into(),
        error_class: "robots_disallowed".into(),
        origin: "https://shop.example:8443".into(),
        worker_id: "w1".into(),
        duration_ms: 412,
        transport: "http".into(),
    })
}

/// One action of each kind, in `ActionKind::ALL`'s order.
fn one_of_each_kind() -> Vec<Action> {
    vec![
        robots_off(),
        Action::SubjectErased(Default::default()),
        Action::SubjectDataExported(Default::default()),
        Action::RetentionRun(Default::default()),
        Action::ReportGenerated(Default::default()),
        key_issued(),
        Action::ApiKeyRevoked(Default::default()),
        browser_tool_called(),
    ]
}

#[test]
fn every_kind_round_trips_under_its_type_name() {
    let actions = one_of_each_kind();
    let kinds: Vec<ActionKind> = actions.iter().map(ActionKind::of).collect();
    assert_eq!(kinds, ActionKind::ALL, "one action per kind, none left out");
    for (seq, action) in (1..).zip(actions) {
        let kind = ActionKind::of(&action);
        let built = new_action("acme", "key:client1", TRACEPARENT, action);
        assert_eq!(built.action_type, kind.type_name());
        let headers = action_headers(&built);
        assert_eq!(
            headers.get(headers::EVENT_TYPE).map(|v| v.as_str()),
            Some(kind.type_name())
        );
        let decoded = decode_action(seq, Some(ENVELOPE), &encode_action(&built)).expect("decodes");
        assert_eq!(decoded.action, built, "{}", kind.type_name());
    }
}

#[test]
fn a_browser_tool_call_is_recorded_on_its_own_subject() {
    let action = new_action("acme", "key:client1", "", browser_tool_called());
    assert_eq!(action.action_type, "BrowserToolCalled");
    let kind = ActionKind::of(action.action.as_ref().expect("action"));
    assert_eq!(kind.subject(&action.tenant), "audit.browser_tool.acme");
    assert_eq!(ActionKind::from_type_name("BrowserToolCalled"), Some(kind));
}

#[test]
fn an_action_stored_as_an_event_before_adr_34_still_decodes() {
    let recorded = decode_action(6, None, &unhex(LEGACY_KEY_ISSUED)).expect("old encoding");
    let a = &recorded.action;
    assert_eq!(
        (
            a.action_type.as_str(),
            a.schema_version,
            a.tenant.as_str(),
            a.actor.as_str(),
            a.traceparent.as_str(),
            a.id.as_str(),
        ),
        ("ApiKeyIssued", 1, "globex", "cli:root", TRACEPARENT, "")
    );
    assert_eq!(recorded.occurred_at(), at(1_790_000_060));
    assert_eq!(recorded.action(), Some(&key_issued()));
}

#[test]
fn the_new_envelope_without_its_id_is_the_old_encoding_byte_for_byte() {
    // So a reader still on the old code decodes a new action as the Event it knew.
    for (legacy, tenant, actor, action, seconds) in [
        (
            LEGACY_KEY_ISSUED,
            "globex",
            "cli:root",
            key_issued(),
            1_790_000_060,
        ),
        (
            LEGACY_ROBOTS,
            "acme",
            "key:admin1",
            robots_off(),
            1_790_000_010,
        ),
    ] {
        let mut today = new_action_at(tenant, actor, TRACEPARENT, action, at(seconds));
        today.id.clear();
        assert_eq!(
            hex::encode(encode_action(&today)),
            hex::encode(unhex(legacy))
        );
    }
}

#[test]
fn an_unknown_envelope_or_a_broken_payload_is_refused_with_its_sequence() {
    let bytes = encode_action(&new_action("acme", "cli:root", "", key_issued()));
    let err = decode_action(9, Some("audit-action/v2"), &bytes).expect_err("unknown envelope");
    assert!(err.to_string().contains("sequence 9"), "{err}");
    assert!(err.to_string().contains("audit-action/v2"), "{err}");
    let err = decode_action(10, Some(ENVELOPE), &bytes[..bytes.len() - 1]).expect_err("cut");
    assert_eq!(err.sequence, 10);
}
