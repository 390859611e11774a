//! Given/when/then tests of an agent job's journal: only the running attempt writes it,
//! in order, and a repeat of an entry already recorded records nothing.

use jetcrawl_proto::v1::event::Payload;
use jetcrawl_proto::v1::{AgentFinished, AgentTurn, StepExecuted};

use crate::tests::{attempt_failed, given, started, submitted, then, when};
use crate::{AgentEntry, Command, DecideError};

fn turn(attempt: u32, entry: u32) -> AgentTurn {
    AgentTurn {
        attempt,
        entry,
        turn: 1,
        raw_reply: "{}".into(),
        prompt_tokens: 900,
        completion_tokens: 30,
        tools: vec!["click".into()],
    }
}

fn step(attempt: u32, entry: u32) -> Command {
    Command::RecordAgent(AgentEntry::Step(StepExecuted {
        attempt,
        entry,
        tool: "click".into(),
        outcome: "observed".into(),
        ..Default::default()
    }))
}

#[test]
fn the_running_attempt_journals_in_order_and_tokens_add_up() {
    let job = given(vec![submitted(), started(1)]);
    let events = when(&job, Command::RecordAgent(AgentEntry::Turn(turn(1, 1)))).unwrap();
    assert!(matches!(events.as_slice(), [Payload::AgentTurn(_)]));
    let job = then(job, &events);
    let events = when(&job, step(1, 2)).unwrap();
    let job = then(job, &events);
    let finished = AgentFinished {
        attempt: 1,
        entry: 3,
        outcome: "answered".into(),
        ..Default::default()
    };
    let events = when(&job, Command::RecordAgent(AgentEntry::Finished(finished))).unwrap();
    let job = then(job, &events);
    assert_eq!(job.agent_entries, 3);
    assert_eq!(job.agent_tokens, (900, 30));
}

#[test]
fn a_repeated_entry_records_nothing_and_a_gap_is_refused() {
    let job = given(vec![
        submitted(),
        started(1),
        Payload::AgentTurn(turn(1, 1)),
    ]);
    assert_eq!(
        when(&job, Command::RecordAgent(AgentEntry::Turn(turn(1, 1)))),
        Ok(vec![])
    );
    let err = when(&job, step(1, 3)).unwrap_err();
    assert!(err.to_string().contains("would skip entry 2"), "{err}");
}

#[test]
fn only_the_running_attempt_may_journal() {
    // Attempt 1 was lost and attempt 2 runs: attempt 1's late entries are refused.
    let job = given(vec![
        submitted(),
        started(1),
        attempt_failed(1, true),
        started(2),
    ]);
    let err = when(&job, step(1, 1)).unwrap_err();
    assert!(
        matches!(err, DecideError::InvalidTransition { .. }),
        "{err:?}"
    );
    // Attempt 2 starts its own journal at 1.
    assert!(when(&job, step(2, 1)).is_ok());
    // Nor does an attempt that failed.
    let ended = given(vec![submitted(), started(1), attempt_failed(1, false)]);
    assert!(when(&ended, step(1, 1)).is_err());
}
