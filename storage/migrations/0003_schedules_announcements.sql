-- 0003: everything timed (reminders, channel posts, later unit releases and survey waves)
-- lives here; the scheduler only wakes up at the earliest next_at. Announcements.
CREATE TABLE schedules (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    chat_kind      TEXT NOT NULL CHECK (chat_kind IN ('private', 'group')),
    payload        TEXT NOT NULL DEFAULT '{}',
    timezone       TEXT NOT NULL,
    recurrence     TEXT,              -- crontab with day names; NULL: once
    next_at        REAL,              -- UTC epoch seconds of the next occurrence
    status         TEXT NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'done', 'cancelled')),
    created_at     REAL NOT NULL,
    last_fired_at  REAL,
    fired_count    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX schedules_due ON schedules(status, next_at);
CREATE INDEX schedules_participant ON schedules(participant_id, status);

CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    created_by INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    audience   TEXT NOT NULL CHECK (audience IN ('all', 'channels', 'participants')),
    text       TEXT NOT NULL,
    created_at REAL NOT NULL,
    recipients INTEGER NOT NULL DEFAULT 0
);

-- Where a participant was last active: announcements go to that one account.
ALTER TABLE accounts ADD COLUMN last_seen_at TEXT;
