-- The dead-letter queue: one row per job that was ever dead-lettered. A row leaves the
-- queue (replayed_at set) when the job is replayed, and comes back if it dead-letters
-- again. Derived from JobDeadLettered / JobReplayed; rebuildable from the stream.
CREATE TABLE dead_letters (
    job_id            TEXT PRIMARY KEY,
    tenant            TEXT NOT NULL,
    domain            TEXT,
    reason            TEXT NOT NULL,
    error_class       TEXT NOT NULL,
    message           TEXT NOT NULL,
    attempts          INT NOT NULL,
    attempt_errors    JSONB NOT NULL,
    dead_lettered_at  TIMESTAMPTZ NOT NULL,
    dead_lettered_seq BIGINT NOT NULL,
    replays           INT NOT NULL DEFAULT 0,
    replayed_at       TIMESTAMPTZ,
    replayed_by       TEXT
);

-- ListDeadLetters: what is in the queue, newest first, keyset-paged.
CREATE INDEX dead_letters_open ON dead_letters (dead_lettered_at DESC, job_id DESC)
    WHERE replayed_at IS NULL;
CREATE INDEX dead_letters_open_by_tenant ON dead_letters (tenant, dead_lettered_at DESC, job_id DESC)
    WHERE replayed_at IS NULL;
