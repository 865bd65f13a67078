-- 0006: cohorts are declared in the config; who is enrolled in which lives here.
-- `meta` holds facts about the installation itself, e.g. the day the database was created
-- (the sample cohort's dates are counted from it).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE enrolments (
    cohort         TEXT NOT NULL,     -- the cohort's code in the config
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    joined_at      REAL NOT NULL,
    via            TEXT NOT NULL CHECK (via IN ('command', 'channel', 'facilitator')),
    PRIMARY KEY (cohort, participant_id)
);
CREATE INDEX enrolments_participant ON enrolments(participant_id);
