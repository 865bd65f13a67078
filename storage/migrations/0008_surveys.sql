-- 0008: surveys (content/<academy>/surveys/*.toml) and interview slots.
-- A wave is one survey sent to one cohort; each invited participant has an invitation row,
-- which is also the completion flag that stops reminders. Answers being given live in
-- survey_sessions (linked to the participant, so the survey can be resumed); on submit they
-- move, in one transaction, to survey_responses (named surveys) or to
-- survey_anonymous_responses (anonymous surveys: no participant, no time, a random id, and
-- no rowid, so not even the order of submission is kept), and the session row is deleted.
CREATE TABLE survey_waves (
    id            INTEGER PRIMARY KEY,
    survey        TEXT NOT NULL,     -- the survey's name (its file's name)
    cohort        TEXT NOT NULL,     -- the cohort's code in the config
    status        TEXT NOT NULL CHECK (status IN ('planned', 'open')),
    opens_at      REAL NOT NULL,     -- planned: when the scheduler opens it
    opened_at     REAL,
    started_by    INTEGER REFERENCES participants(id) ON DELETE SET NULL,  -- NULL: scheduled
    reminder_days TEXT NOT NULL DEFAULT '[3, 7]',  -- JSON: days after each invitation
    schedule_id   INTEGER,           -- the schedules row that opens a planned wave
    UNIQUE (survey, cohort)
);

CREATE TABLE survey_invitations (
    wave_id        INTEGER NOT NULL REFERENCES survey_waves(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,    -- the account the invitation went to
    user_id        TEXT NOT NULL,
    language       TEXT,             -- the participant's language when invited
    invited_at     REAL NOT NULL,
    started_at     REAL,
    completed      INTEGER NOT NULL DEFAULT 0,   -- the completion flag (no time kept)
    PRIMARY KEY (wave_id, participant_id)
);
CREATE INDEX survey_invitations_participant ON survey_invitations(participant_id);

CREATE TABLE survey_sessions (
    wave_id        INTEGER NOT NULL REFERENCES survey_waves(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    state          TEXT NOT NULL CHECK (state IN ('answering', 'review', 'paused')),
    current        INTEGER,          -- index of the question being asked
    answers        TEXT NOT NULL DEFAULT '{}',   -- JSON: question id -> answer (null: skipped)
    selection      TEXT NOT NULL DEFAULT '[]',   -- JSON: options ticked so far (multiple)
    updated_at     REAL NOT NULL,
    PRIMARY KEY (wave_id, participant_id)
);

CREATE TABLE survey_responses (
    id             TEXT PRIMARY KEY, -- random
    wave_id        INTEGER NOT NULL REFERENCES survey_waves(id),
    participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    language       TEXT,
    platform       TEXT,
    submitted_at   REAL NOT NULL,
    answers        TEXT NOT NULL     -- JSON; never updated once written
);
CREATE INDEX survey_responses_wave ON survey_responses(wave_id);

CREATE TABLE survey_anonymous_responses (
    id      TEXT PRIMARY KEY,        -- random: says nothing about who or when
    wave_id INTEGER NOT NULL REFERENCES survey_waves(id),
    answers TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE interview_slots (
    id          INTEGER PRIMARY KEY,
    starts_at   REAL NOT NULL,
    timezone    TEXT NOT NULL,       -- the facilitator's zone when added
    created_by  INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    created_at  REAL NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
    booked_by   INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    booked_at   REAL
);
CREATE INDEX interview_slots_start ON interview_slots(status, starts_at);
