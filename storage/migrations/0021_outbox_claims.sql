-- 0021: several workers on one database (issue 18). A message in flight is claimed by
-- one worker until a moment; a worker that dies leaves its claims to expire, and another
-- takes the message over then (storage/outbox_claims.py). On SQLite one worker runs and
-- requeues what was in flight at start, as before.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until REAL;
-- A chat's messages in flight and its last sends, for order and pacing across workers.
CREATE INDEX outbox_chat ON outbox(platform, chat_id, status);
-- The platform's next free moment for a send, shared by the workers: its overall rate
-- limit holds whatever the number of workers.
CREATE TABLE outbox_pacing (
    platform TEXT PRIMARY KEY,
    next_at  REAL NOT NULL
);
