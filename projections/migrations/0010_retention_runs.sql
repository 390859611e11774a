-- RGPD retention (ADR 0025): every run of the retention job, with what it removed. Written
-- by the retention job itself, in the same transaction as the rows it deleted; its
-- RetentionRun event on AUDIT_ACTIONS (event_seq) is the audit trail.
CREATE TABLE retention_runs (
    run_id        TEXT PRIMARY KEY,
    trigger       TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    -- [{category, removed, cutoff, retention_secs, overdue_after}]
    removals      JSONB NOT NULL,
    total_removed BIGINT NOT NULL,
    -- What failed, when something did; NULL for a complete run.
    error         TEXT,
    -- Stream sequence of its RetentionRun event; NULL until published.
    event_seq     BIGINT
);

CREATE INDEX retention_runs_by_time ON retention_runs (started_at);

-- The retention job deletes job_events rows by age.
CREATE INDEX job_events_by_time ON job_events (occurred_at);
