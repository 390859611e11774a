//! Roles and the actions each may take: the whole authorization policy in one table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a credential may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Submits and reads its own tenant's jobs.
    Client,
    /// Reads audit, report and export data, across the tenants it is granted; never
    /// submits or changes anything.
    Auditor,
    /// Operates its tenant: dead letters, keys, robots overrides, erasure, and the
    /// client actions.
    Admin,
}

impl Role {
    /// Lower-case name, as in key records and JWT `role` claims.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Auditor => "auditor",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "client" => Ok(Self::Client),
            "auditor" => Ok(Self::Auditor),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?}; use client, auditor or admin"
            )),
        }
    }
}

/// Every call the gateway authorizes, one per RPC (HTTP routes map to the same ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `Jobs/SubmitJob`, `POST /v1/jobs`.
    SubmitJob,
    /// `Jobs/GetJob`, `GET /v1/jobs/{id}`.
    GetJob,
    /// `Jobs/ListJobs`.
    ListJobs,
    /// `Jobs/WatchJob`.
    WatchJob,
    /// `Jobs/CancelJob`.
    CancelJob,
    /// `Jobs/GetResult` and signed result URLs.
    GetResult,
    /// `Jobs/ListDeadLetters`.
    ListDeadLetters,
    /// `Jobs/ReplayDeadLetter`.
    ReplayDeadLetter,
    /// Issuing and revoking API keys.
    ManageKeys,
    /// Overriding a robots.txt denial (`Crawl/SetRobotsPolicy`).
    OverrideRobots,
    /// `Crawl/ListDomains`, `Crawl/GetRobotsPolicy`: read the crawl controller's state.
    ViewCrawlState,
    /// `Audit/EraseSubject`.
    EraseSubject,
    /// `Audit/QueryAuditLog`, `Audit/VerifyAuditChain`.
    QueryAudit,
    /// `Audit/ExportSubjectData`.
    ExportSubjectData,
    /// `Reports/GenerateMonthlyReport`, `Reports/GetReport`.
    Reports,
    /// Browser sessions for MCP clients (`/mcp`, ADR 0045).
    UseBrowser,
}

use Action::*;
use Role::*;

impl Action {
    /// The roles allowed to take this action.
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            SubmitJob | GetJob | ListJobs | WatchJob | CancelJob | GetResult | UseBrowser => {
                &[Client, Admin]
            }
            ListDeadLetters | ReplayDeadLetter | ManageKeys | OverrideRobots | EraseSubject => {
                &[Admin]
            }
            QueryAudit | ExportSubjectData | Reports | ViewCrawlState => &[Auditor, Admin],
        }
    }

    /// True when `role` may take this action.
    pub fn allows(self, role: Role) -> bool {
        self.allowed_roles().contains(&role)
    }

    /// The RPC name recorded in audit events, e.g. `jetcrawl.v1.Jobs/SubmitJob`.
    pub fn name(self) -> &'static str {
        match self {
            SubmitJob => "jetcrawl.v1.Jobs/SubmitJob",
            GetJob => "jetcrawl.v1.Jobs/GetJob",
            ListJobs => "jetcrawl.v1.Jobs/ListJobs",
            WatchJob => "jetcrawl.v1.Jobs/WatchJob",
            CancelJob => "jetcrawl.v1.Jobs/CancelJob",
            GetResult => "jetcrawl.v1.Jobs/GetResult",
            ListDeadLetters => "jetcrawl.v1.Jobs/ListDeadLetters",
            ReplayDeadLetter => "jetcrawl.v1.Jobs/ReplayDeadLetter",
            ManageKeys => "jetcrawl.keys/Manage",
            OverrideRobots => "jetcrawl.v1.Crawl/SetRobotsPolicy",
            ViewCrawlState => "jetcrawl.v1.Crawl/ListDomains",
            EraseSubject => "jetcrawl.v1.Audit/EraseSubject",
            QueryAudit => "jetcrawl.v1.Audit/QueryAuditLog",
            ExportSubjectData => "jetcrawl.v1.Audit/ExportSubjectData",
            Reports => "jetcrawl.v1.Reports",
            UseBrowser => "jetcrawl.mcp/Browser",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_keeps_auditors_read_only_and_admin_actions_for_admins() {
        assert!(SubmitJob.allows(Client));
        assert!(!SubmitJob.allows(Auditor));
        assert!(!ReplayDeadLetter.allows(Client));
        assert!(ReplayDeadLetter.allows(Admin));
        assert!(QueryAudit.allows(Auditor));
        assert!(!QueryAudit.allows(Client));
        assert!(!EraseSubject.allows(Auditor));
        assert_eq!("auditor".parse::<Role>(), Ok(Auditor));
        assert!("root".parse::<Role>().is_err());
    }
}
