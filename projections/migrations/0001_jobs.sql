-- Read models of the JOBS stream. Every row here is derived from the stream and can be
-- rebuilt by replaying it; the checkpoint is written in the same transaction as the rows.

-- One row per stream message, in stream order. Undecodable messages get a row too
-- (event_type 'Undecodable'), so the table never has gaps.
CREATE TABLE job_events (
    stream_seq     BIGINT PRIMARY KEY,
    job_id         TEXT NOT NULL,
    tenant         TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    schema_version INT NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    actor          TEXT NOT NULL,
    traceparent    TEXT,
    payload        JSONB NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX job_events_by_job ON job_events (job_id, stream_seq);

-- The current state of each submitted job, as `jetcrawl_streams::job::evolve` folds it.
CREATE TABLE jobs (
    job_id           TEXT PRIMARY KEY,
    tenant           TEXT NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    domain           TEXT,
    render_mode      TEXT,
    mode_used        TEXT,
    attempts         INT NOT NULL DEFAULT 0,
    submitted_at     TIMESTAMPTZ NOT NULL,
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL,
    last_error_class TEXT,
    last_error       TEXT,
    result_key       TEXT,
    result_size      BIGINT,
    result_sha256    TEXT,
    labels           JSONB,
    idempotency_key  TEXT,
    submitted_seq    BIGINT,
    last_seq         BIGINT NOT NULL
);

-- ListJobs: newest first per tenant, keyset-paged on (submitted_at, job_id).
CREATE INDEX jobs_by_tenant ON jobs (tenant, submitted_at DESC, job_id DESC);
-- ListJobs filtered by status, and operators counting jobs per status.
CREATE INDEX jobs_by_tenant_status ON jobs (tenant, status, submitted_at DESC, job_id DESC);
CREATE INDEX jobs_by_status ON jobs (status);

-- The last stream sequence each projection applied.
CREATE TABLE projection_checkpoints (
    name       TEXT PRIMARY KEY,
    last_seq   BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
