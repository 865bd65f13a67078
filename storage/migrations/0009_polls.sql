-- 0009: polls (/poll). One poll, one copy per chat it was posted in (each in that chat's
-- language, with the native id the platform gave it), and the merged votes: one row per
-- poll and voter participant, whatever copy they voted in.
CREATE TABLE polls (
    id          INTEGER PRIMARY KEY,
    created_by  INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    question    TEXT NOT NULL,
    options     TEXT NOT NULL,             -- JSON list: the original wording
    language    TEXT NOT NULL,             -- the original's language
    anonymous   INTEGER NOT NULL DEFAULT 0,
    multiple    INTEGER NOT NULL DEFAULT 0,
    bridge_name TEXT,                      -- posted into a bridge's chats; NULL: one chat
    created_at  REAL NOT NULL,
    closes_at   REAL NOT NULL,             -- the deadline (UTC epoch seconds)
    closed_at   REAL,                      -- NULL while open
    schedule_id INTEGER                    -- the "poll_close" schedule
);

CREATE TABLE poll_copies (
    poll_id   INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    platform  TEXT NOT NULL,
    chat_id   TEXT NOT NULL,
    chat_kind TEXT NOT NULL,
    title     TEXT,
    language  TEXT NOT NULL,
    question  TEXT NOT NULL,               -- in the copy's language
    options   TEXT NOT NULL,               -- JSON list, in the copy's language
    native_id TEXT,                        -- as the adapter's send() returned it
    poll_key  TEXT,                        -- bot.model.poll_key(native_id): what votes name
    PRIMARY KEY (poll_id, platform, chat_id)
);
CREATE INDEX poll_copies_key ON poll_copies(platform, poll_key);

CREATE TABLE poll_votes (
    poll_id        INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    options        TEXT NOT NULL,          -- JSON list of chosen option indexes (from 0)
    platform       TEXT NOT NULL,          -- the copy the vote was cast in
    chat_id        TEXT NOT NULL,
    voted_at       REAL NOT NULL,
    PRIMARY KEY (poll_id, participant_id)
);
