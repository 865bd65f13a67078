-- 0013 on PostgreSQL: as 0013_button_tokens.sql, with PostgreSQL's upsert and clock.
CREATE TABLE button_tokens (
    token          TEXT PRIMARY KEY,
    data           TEXT NOT NULL,
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    chat_kind      TEXT NOT NULL CHECK (chat_kind IN ('private', 'group')),
    participant_id BIGINT REFERENCES participants(id) ON DELETE CASCADE,
    created_at     DOUBLE PRECISION NOT NULL
);
CREATE INDEX button_tokens_participant ON button_tokens(participant_id);
CREATE INDEX button_tokens_created ON button_tokens(created_at);

INSERT INTO meta (key, value)
    SELECT 'raw_buttons_until', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM outbox
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
INSERT INTO meta (key, value)
    VALUES ('raw_buttons_at', CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS TEXT))
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
