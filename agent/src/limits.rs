//! An agent job's limits: steps, wall time and tokens, each with its range.

use std::time::Duration;

/// What one agent job may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentLimits {
    /// Most tool calls (steps), `finish` included.
    pub max_steps: u32,
    /// Longest time for the whole loop.
    pub max_seconds: u32,
    /// Most tokens, prompt and completion, over every turn.
    pub max_tokens: u64,
}

/// A limit out of its range: the field, the value, and the range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} = {value} is out of range; use {min} to {max} (or 0 for the default, {default})")]
pub struct LimitError {
    /// The field, e.g. `agent.max_steps`.
    pub field: &'static str,
    /// The value given.
    pub value: u64,
    /// Least allowed.
    pub min: u64,
    /// Most allowed.
    pub max: u64,
    /// What 0 means.
    pub default: u64,
}

impl AgentLimits {
    /// Steps when the job gives none.
    pub const DEFAULT_STEPS: u32 = 15;
    /// Seconds when the job gives none.
    pub const DEFAULT_SECONDS: u32 = 120;
    /// Tokens when the job gives none.
    pub const DEFAULT_TOKENS: u64 = 40_000;
    const STEPS: (u64, u64) = (1, 100);
    const SECONDS: (u64, u64) = (5, 1_800);
    const TOKENS: (u64, u64) = (1_000, 1_000_000);

    /// The limits of a job's fields (0 meaning the default), or every one out of range.
    pub fn from_fields(steps: u32, seconds: u32, tokens: u64) -> Result<Self, Vec<LimitError>> {
        let steps = checked(
            "agent.max_steps",
            steps.into(),
            Self::STEPS,
            Self::DEFAULT_STEPS.into(),
        );
        let seconds = checked(
            "agent.max_seconds",
            seconds.into(),
            Self::SECONDS,
            Self::DEFAULT_SECONDS.into(),
        );
        let tokens = checked(
            "agent.max_tokens",
            tokens,
            Self::TOKENS,
            Self::DEFAULT_TOKENS,
        );
        match (steps, seconds, tokens) {
            (Ok(steps), Ok(seconds), Ok(tokens)) => Ok(Self {
                // In range, so they fit.
                max_steps: steps as u32,
                max_seconds: seconds as u32,
                max_tokens: tokens,
            }),
            (steps, seconds, tokens) => Err([steps.err(), seconds.err(), tokens.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }

    /// The wall-time limit.
    pub fn wall_time(&self) -> Duration {
        Duration::from_secs(self.max_seconds.into())
    }
}

impl Default for AgentLimits {
    fn default() -> Self {
        Self {
            max_steps: Self::DEFAULT_STEPS,
            max_seconds: Self::DEFAULT_SECONDS,
            max_tokens: Self::DEFAULT_TOKENS,
        }
    }
}

fn checked(
    field: &'static str,
    value: u64,
    (min, max): (u64, u64),
    default: u64,
) -> Result<u64, LimitError> {
    match value {
        0 => Ok(default),
        v if (min..=max).contains(&v) => Ok(v),
        v => Err(LimitError {
            field,
            value: v,
            min,
            max,
            default,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_the_default_and_out_of_range_names_the_field() {
        assert_eq!(
            AgentLimits::from_fields(0, 0, 0),
            Ok(AgentLimits::default())
        );
        let errs = AgentLimits::from_fields(500, 0, 10).expect_err("two out of range");
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["agent.max_steps", "agent.max_tokens"]);
        assert!(errs[0].to_string().contains("use 1 to 100"), "{}", errs[0]);
    }
}
