-- 0007: pre-learning units. What was planned for each cohort, each participant's progress,
-- their knowledge-check answers, and the native quiz polls sent (to find answers by poll).

-- One release and one nudge per (cohort, unit): planning at start-up is idempotent.
-- schedule_id NULL: the moment had already passed when it was first planned (not sent).
CREATE TABLE unit_plans (
    cohort      TEXT NOT NULL,
    unit        INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('release', 'nudge')),
    due_at      REAL NOT NULL,             -- UTC epoch seconds, as planned
    schedule_id INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
    planned_at  REAL NOT NULL,
    PRIMARY KEY (cohort, unit, kind)
);

-- One row per participant and unit, from the first delivery or opening.
CREATE TABLE unit_progress (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    unit           INTEGER NOT NULL,
    delivered_at   REAL,                   -- sent by private message at its release
    opened_at      REAL,                   -- first opened (/unit n, or a button)
    nudged_at      REAL,
    attempt        INTEGER NOT NULL DEFAULT 0,   -- the current (or last) quiz attempt
    question       INTEGER,                -- question being asked (from 0); NULL: no quiz open
    asked          INTEGER NOT NULL DEFAULT 0,   -- questions sent so far (unique message keys)
    attempts_done  INTEGER NOT NULL DEFAULT 0,
    best_score     INTEGER,                -- right answers in the best finished attempt
    questions      INTEGER,                -- out of
    passed_at      REAL,
    PRIMARY KEY (participant_id, unit)
);

CREATE TABLE unit_answers (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    unit           INTEGER NOT NULL,
    attempt        INTEGER NOT NULL,
    question       INTEGER NOT NULL,       -- from 0
    chosen         INTEGER NOT NULL,       -- option, from 1
    correct        INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at    REAL NOT NULL,
    PRIMARY KEY (participant_id, unit, attempt, question)
);

-- Telegram quiz polls: the key POLL_ANSWER events carry -> which question it was.
CREATE TABLE unit_quiz_polls (
    poll_key       TEXT PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    unit           INTEGER NOT NULL,
    attempt        INTEGER NOT NULL,
    question       INTEGER NOT NULL,
    sent_at        REAL NOT NULL
);
CREATE INDEX unit_quiz_polls_participant ON unit_quiz_polls(participant_id);
