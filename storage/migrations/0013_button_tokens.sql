-- 0013: button tokens. A button the bot sends carries a short random token, not its
-- real data; the press is resolved here (bot/buttons.py). A token is bound to the chat it
-- was sent to and, for a private chat, to the participant it was sent to.
CREATE TABLE button_tokens (
    token          TEXT PRIMARY KEY,
    data           TEXT NOT NULL,      -- "<callback prefix>:<payload>", as the feature built it
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    chat_kind      TEXT NOT NULL CHECK (chat_kind IN ('private', 'group')),
    participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
    created_at     REAL NOT NULL
);
CREATE INDEX button_tokens_participant ON button_tokens(participant_id);
CREATE INDEX button_tokens_created ON button_tokens(created_at);

-- Messages up to this outbox id, sent before this moment (Unix time), came before tokens:
-- their buttons carry their data written out, honoured when pressed in the chat they were
-- sent to (bot/buttons.py).
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'raw_buttons_until', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM outbox;
INSERT OR REPLACE INTO meta (key, value)
    VALUES ('raw_buttons_at', CAST((julianday('now') - 2440587.5) * 86400.0 AS TEXT));
