//! The agent rows of a section's table: agent jobs, their loops, and what their language
//! models spent.

use maud::{Markup, html};

use super::row::row;
use crate::figures::AgentUsage;

/// The rows of `a`, whose figures are `data-figure="<key>.agent.…"`. A section that ran
/// no agent job shows zeros, like its other counts.
pub fn agent(key: &str, a: &AgentUsage) -> Markup {
    let counts = [
        ("jobs", "agent jobs", a.jobs),
        ("answered", "agent loops answered", a.answered),
        ("failed", "agent loops failed", a.failed),
        ("turns", "model turns", a.turns),
        ("prompt_tokens", "prompt tokens", a.prompt_tokens),
        (
            "completion_tokens",
            "completion tokens",
            a.completion_tokens,
        ),
    ];
    html! {
        @for (name, label, value) in counts {
            (row(key, &format!("agent.{name}"), label, &value.to_string(), Some(value as f64)))
        }
    }
}

/// True when the section's agent jobs did nothing in the month.
pub fn idle(a: &AgentUsage) -> bool {
    a.jobs == 0 && a.turns == 0
}

/// What agent jobs' models spent, in plain words; empty when they did nothing.
pub fn sentence(a: &AgentUsage) -> String {
    if idle(a) {
        return String::new();
    }
    format!(
        " {} agent job(s) ended a model loop: {} loop(s) answered and {} failed. Their \
         models replied {} time(s), reading {} prompt tokens and writing {} completion tokens.",
        a.jobs, a.answered, a.failed, a.turns, a.prompt_tokens, a.completion_tokens,
    )
}

#[cfg(test)]
mod tests {
    use crate::figures::AgentUsage;
    use crate::render::{html, sample};

    #[test]
    fn the_page_shows_what_agent_jobs_spent() {
        let page = html(&sample::report());
        for figure in [
            r#"data-figure="overall.agent.jobs" data-value="3">3<"#,
            r#"data-figure="overall.agent.answered" data-value="2">2<"#,
            r#"data-figure="overall.agent.failed" data-value="1">1<"#,
            r#"data-figure="tenant.acme.agent.turns" data-value="12">12<"#,
            r#"data-figure="tenant.acme.agent.prompt_tokens" data-value="48000">48000<"#,
            r#"data-figure="overall.agent.completion_tokens" data-value="3500">3500<"#,
        ] {
            assert!(page.contains(figure), "{figure} not in the page");
        }
        assert!(
            page.contains(
                "3 agent job(s) ended a model loop: 2 loop(s) answered and 1 failed. Their \
                 models replied 12 time(s), reading 48000 prompt tokens and writing 3500 \
                 completion tokens."
            ),
            "{page}"
        );
        assert!(page.contains("Agent figures: agent jobs: jobs with an AgentFinished"));
    }

    #[test]
    fn a_section_without_agent_jobs_shows_zeros_and_no_agent_sentence() {
        let mut report = sample::report();
        report.overall.agent = AgentUsage::default();
        report.tenants[0].agent = AgentUsage::default();
        let page = html(&report);
        for figure in [
            r#"data-figure="overall.agent.jobs" data-value="0">0<"#,
            r#"data-figure="tenant.acme.agent.prompt_tokens" data-value="0">0<"#,
        ] {
            assert!(page.contains(figure), "{figure} not in the page");
        }
        assert!(!page.contains("agent job(s)"), "{page}");
        assert!(page.contains("111 job(s) were submitted"));
    }

    #[test]
    fn a_month_of_agent_turns_only_is_not_quiet() {
        let mut report = sample::report();
        report.tenants.clear();
        report.overall = crate::figures::Section {
            tenant: Some("acme".to_owned()),
            agent: AgentUsage {
                turns: 2,
                prompt_tokens: 300,
                completion_tokens: 40,
                ..AgentUsage::default()
            },
            daily_submitted: vec![0; 31],
            ..Default::default()
        };
        let page = html(&report);
        assert!(!page.contains("No activity in this month"), "{page}");
        assert!(
            page.contains("0 agent job(s) ended a model loop")
                && page.contains("replied 2 time(s), reading 300 prompt tokens"),
            "{page}"
        );
    }
}
