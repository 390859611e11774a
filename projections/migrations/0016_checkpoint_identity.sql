-- Which stream a checkpoint counts in, so the projector can tell a stream that came back
-- shorter after a power cut, or was recreated, from one that only grew (DESIGN.md,
-- JetStream pitfall 9; docs/reliability-recovery.md).
--   stream_created: the stream's creation time (stream info `created`) when the
--                   checkpoint was last moved.
--   last_stored_at: when JetStream stored the message at `last_seq`; a message found
--                   there later with another stored time is another message (the
--                   sequence was reused).
-- Both at Postgres precision (microseconds). NULL in rows written before this migration,
-- and `last_stored_at` is reset to NULL by any writer that moves `last_seq` without
-- knowing it: nothing to compare then; the projector records both on its next commit.
ALTER TABLE projection_checkpoints
    ADD COLUMN stream_created TIMESTAMPTZ,
    ADD COLUMN last_stored_at TIMESTAMPTZ;
