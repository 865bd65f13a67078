-- 0018: the post-learning phase (issue 20): feedback from the week's assessment, and the
-- complementary resources dripped to each participant for the gaps they reported.

-- One plan per (cohort, kind): "feedback" (prepare the feedback) and "resources" (choose
-- each participant's resources and schedule their drip). Planning at start-up is idempotent.
-- schedule_id NULL: the moment had already passed when it was first planned (not run).
CREATE TABLE post_learning_plans (
    cohort      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('feedback', 'resources')),
    due_at      REAL NOT NULL,
    schedule_id INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
    planned_at  REAL NOT NULL,
    PRIMARY KEY (cohort, kind)
);

-- The feedback of one cohort: prepared (facilitators told), the facilitators' own words,
-- posted (to the cohort's chats, once).
CREATE TABLE cohort_feedback (
    cohort          TEXT PRIMARY KEY,
    prepared_at     REAL,
    note            TEXT,                 -- the facilitators' words, as written
    note_language   TEXT,                 -- the language they were written in
    note_by         INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    posted_at       REAL,
    posted_by       INTEGER REFERENCES participants(id) ON DELETE SET NULL
);

-- The resources chosen for one participant, in the order they are sent.
CREATE TABLE resource_drip (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    cohort         TEXT NOT NULL,
    resource       INTEGER NOT NULL,
    position       INTEGER NOT NULL,      -- 0: the first sent
    gap            TEXT NOT NULL,         -- the pre-assessment tag it answers
    personal       INTEGER NOT NULL,      -- 1: from their own answers; 0: the cohort's gaps
    due_at         REAL NOT NULL,
    schedule_id    INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
    delivered_at   REAL,
    opened_at      REAL,
    nudged_at      REAL,
    PRIMARY KEY (participant_id, cohort, resource)
);
CREATE INDEX resource_drip_cohort ON resource_drip(cohort);
