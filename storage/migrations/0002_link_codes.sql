-- 0002: one-time codes that link a participant's accounts across platforms.
CREATE TABLE link_codes (
    code           TEXT PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,
    created_at     REAL NOT NULL,
    expires_at     REAL NOT NULL
);
