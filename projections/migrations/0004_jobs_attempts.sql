-- jobs: submit ACK latency and job duration; job_attempts: one row per attempt.
-- Each read model now has its own projection (consumer + checkpoint). dead_letters was
-- written by the `jobs` projection until now, so it starts where `jobs` is; the new read
-- models start at 0 and fill from the stream. Run `jetcrawl projections rebuild` to fill
-- ack_latency_ms / duration_ms of jobs projected before this migration.

-- JetStream's stored timestamp of JobSubmitted minus its occurred_at (stamped by the
-- gateway when the request arrived): how long the client waited for its ACK.
ALTER TABLE jobs ADD COLUMN ack_latency_ms DOUBLE PRECISION;
-- From JobSubmitted to the terminal event (succeeded, failed, cancelled).
ALTER TABLE jobs ADD COLUMN duration_ms BIGINT;

-- One row per attempt (a JobStarted), keyed by the stream sequence of that JobStarted.
CREATE TABLE job_attempts (
    job_id      TEXT NOT NULL,
    started_seq BIGINT NOT NULL,
    tenant      TEXT NOT NULL,
    attempt     INT NOT NULL,
    worker_id   TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    -- running, succeeded, failed, cancelled, lost (the worker vanished mid-attempt)
    outcome     TEXT NOT NULL
        CHECK (outcome IN ('running', 'succeeded', 'failed', 'cancelled', 'lost')),
    finished_at TIMESTAMPTZ,
    duration_ms BIGINT,
    error_class TEXT,
    error       TEXT,
    retryable   BOOLEAN,
    last_seq    BIGINT NOT NULL,
    PRIMARY KEY (job_id, started_seq)
);

CREATE INDEX job_attempts_by_tenant ON job_attempts (tenant, started_at);

-- The host of each job's first URL, from its JobSubmitted; written (idempotently, the
-- same value every time) by every projection that needs a job's domain later.
CREATE TABLE job_domains (
    job_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    domain TEXT
);

INSERT INTO projection_checkpoints (name, last_seq, updated_at)
SELECT 'dead_letters', last_seq, now() FROM projection_checkpoints WHERE name = 'jobs'
ON CONFLICT (name) DO NOTHING;

INSERT INTO job_domains (job_id, tenant, domain)
SELECT job_id, tenant, domain FROM jobs
ON CONFLICT (job_id) DO NOTHING;
