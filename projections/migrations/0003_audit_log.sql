-- The tamper-evident audit log: one row per message of the JOBS and AUDIT_ACTIONS
-- streams, appended by the audit projection, hash-chained in `seq` order
-- (hash = sha256 over the canonical encoding of the row and prev_hash, see
-- docs/events.md "Audit log"). Not a rebuildable read model: it is never replayed.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY CHECK (seq > 0),
    source      TEXT NOT NULL CHECK (source IN ('jobs', 'audit_actions')),
    stream_seq  BIGINT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    tenant      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    job_id      TEXT,
    details     JSONB NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (source, stream_seq)
);

-- QueryAuditLog filters, each ordered by seq for paging.
CREATE INDEX audit_log_by_tenant ON audit_log (tenant, seq);
CREATE INDEX audit_log_by_job ON audit_log (job_id, seq) WHERE job_id IS NOT NULL;
CREATE INDEX audit_log_by_action ON audit_log (action, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_by_time ON audit_log (occurred_at);

-- Where the chain starts once retention removed its oldest rows: the seq and hash of the
-- last removed row. Verification starts from here instead of from 0 / 64 zeros.
CREATE TABLE audit_anchor (
    id         BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Append-only: UPDATE and DELETE are refused, except DELETE by the retention job, which
-- sets `SET LOCAL jetcrawl.audit_retention = 'on'` in its transaction (and moves
-- audit_anchor in the same transaction). TRUNCATE is refused too.
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('jetcrawl.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit_log is append-only: TRUNCATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % of row seq % refused', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'only the retention job may delete, with SET LOCAL jetcrawl.audit_retention = ''on''';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
