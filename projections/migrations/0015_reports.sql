-- The monthly reports' index (services/reporter). Not a read model of a stream: the
-- reporter writes a row in the transaction that holds the month's generation lock,
-- after the files are stored and their ReportGenerated event (AUDIT_ACTIONS) is
-- acknowledged, so every row points at stored files whose sha256 the audit log holds.
-- It is never replayed; a lost table can be rebuilt from the ReportGenerated events.
CREATE TABLE reports (
    month           TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    revision        INT NOT NULL CHECK (revision > 0),
    generated_at    TIMESTAMPTZ NOT NULL,
    generated_by    TEXT NOT NULL,
    event_seq       BIGINT NOT NULL,
    audit_chain_ok  BOOLEAN NOT NULL,
    audit_head_seq  BIGINT NOT NULL,
    audit_head_hash TEXT NOT NULL,
    PRIMARY KEY (month, revision)
);

-- One row per stored file: the platform report (tenant '') and each tenant's.
CREATE TABLE report_files (
    month      TEXT NOT NULL,
    revision   INT NOT NULL,
    tenant     TEXT NOT NULL,
    format     TEXT NOT NULL CHECK (format IN ('html', 'json')),
    name       TEXT NOT NULL,
    object_key TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (month, revision, tenant, format),
    FOREIGN KEY (month, revision) REFERENCES reports (month, revision)
);

-- The report figures select a month of events by time.
CREATE INDEX IF NOT EXISTS job_events_by_occurred_at ON job_events (occurred_at);
