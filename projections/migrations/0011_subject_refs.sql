-- RGPD access and erasure (ADR 0024): the jobs of a data subject are found by the
-- pseudonymous subject_ref of their JobSubmitted.
CREATE INDEX job_events_by_subject_ref
    ON job_events (tenant, (payload->>'subject_ref'))
    WHERE event_type = 'JobSubmitted';
