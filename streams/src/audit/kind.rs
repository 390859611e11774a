//! The kinds of audit action: their type names and the subject each is published on.

use jetcrawl_proto::v1::audit_action::Action;

use crate::security::audit_action_subject;

/// The kinds of audit action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// An admin turned a tenant's robots.txt check off or back on.
    RobotsPolicyChanged,
    /// An admin erased a data subject.
    SubjectErased,
    /// A data subject's data was exported (right of access).
    SubjectDataExported,
    /// A retention run.
    RetentionRun,
    /// The monthly report was generated.
    ReportGenerated,
    /// An API key was issued.
    ApiKeyIssued,
    /// An API key was revoked.
    ApiKeyRevoked,
    /// An MCP client called a browser tool on a browser session.
    BrowserToolCalled,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: [ActionKind; 8] = [
        Self::RobotsPolicyChanged,
        Self::SubjectErased,
        Self::SubjectDataExported,
        Self::RetentionRun,
        Self::ReportGenerated,
        Self::ApiKeyIssued,
        Self::ApiKeyRevoked,
        Self::BrowserToolCalled,
    ];

    /// Stable past-tense type name (`AuditAction.action_type`, the audit row's action).
    pub fn type_name(self) -> &'static str {
        match self {
            Self::RobotsPolicyChanged => "RobotsPolicyChanged",
            Self::SubjectErased => "SubjectErased",
            Self::SubjectDataExported => "SubjectDataExported",
            Self::RetentionRun => "RetentionRun",
            Self::ReportGenerated => "ReportGenerated",
            Self::ApiKeyIssued => "ApiKeyIssued",
            Self::ApiKeyRevoked => "ApiKeyRevoked",
            Self::BrowserToolCalled => "BrowserToolCalled",
        }
    }

    /// The `<kind>` token of its subject `audit.<kind>.<tenant>`.
    pub fn subject_token(self) -> &'static str {
        match self {
            Self::RobotsPolicyChanged => "robots_override",
            Self::SubjectErased => "erasure",
            Self::SubjectDataExported => "access",
            Self::RetentionRun => "retention",
            Self::ReportGenerated => "report",
            Self::ApiKeyIssued | Self::ApiKeyRevoked => "key",
            Self::BrowserToolCalled => "browser_tool",
        }
    }

    /// The subject an action of this kind for `tenant` is published on.
    pub fn subject(self, tenant: &str) -> String {
        audit_action_subject(self.subject_token(), tenant)
    }

    /// The kind of an action.
    pub fn of(action: &Action) -> Self {
        match action {
            Action::RobotsPolicyChanged(_) => Self::RobotsPolicyChanged,
            Action::SubjectErased(_) => Self::SubjectErased,
            Action::SubjectDataExported(_) => Self::SubjectDataExported,
            Action::RetentionRun(_) => Self::RetentionRun,
            Action::ReportGenerated(_) => Self::ReportGenerated,
            Action::ApiKeyIssued(_) => Self::ApiKeyIssued,
            Action::ApiKeyRevoked(_) => Self::ApiKeyRevoked,
            Action::BrowserToolCalled(_) => Self::BrowserToolCalled,
        }
    }

    /// The kind with this type name.
    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.type_name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_the_ones_writers_used_before() {
        let subjects: Vec<String> = ActionKind::ALL
            .into_iter()
            .map(|k| k.subject("acme"))
            .collect();
        assert_eq!(
            subjects,
            [
                "audit.robots_override.acme",
                "audit.erasure.acme",
                "audit.access.acme",
                "audit.retention.acme",
                "audit.report.acme",
                "audit.key.acme",
                "audit.key.acme",
                "audit.browser_tool.acme",
            ]
        );
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::from_type_name(kind.type_name()), Some(kind));
        }
        assert_eq!(ActionKind::from_type_name("JobSubmitted"), None);
    }
}
