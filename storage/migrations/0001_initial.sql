-- 0001: participants and their platform accounts, chats, roles, audit log, outbox.
CREATE TABLE participants (
    id                 INTEGER PRIMARY KEY,
    language           TEXT,
    timezone           TEXT,
    consent            TEXT CHECK (consent IN ('given', 'declined')),
    consent_at         TEXT,
    created_at         TEXT NOT NULL,
    last_seen_at       TEXT,
    unreachable_reason TEXT
);

-- One participant can hold accounts on several platforms (account linking).
CREATE TABLE accounts (
    platform       TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    display_name   TEXT NOT NULL,
    linked_at      TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);
CREATE INDEX accounts_participant ON accounts(participant_id);

CREATE TABLE chats (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('private', 'group')),
    title      TEXT,
    language   TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id)
);

-- Roles granted in chat; facilitators listed in the config are added at check time.
CREATE TABLE roles (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    role           TEXT NOT NULL,
    granted_by     INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    granted_at     TEXT NOT NULL,
    PRIMARY KEY (participant_id, role)
);

CREATE TABLE audit_log (
    id                   INTEGER PRIMARY KEY,
    at                   TEXT NOT NULL,
    actor_participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    platform             TEXT NOT NULL,
    action               TEXT NOT NULL,
    detail               TEXT NOT NULL DEFAULT '',
    outcome              TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'failed'))
);

-- Every message the bot sends is written here first (see bot/outbox.py).
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    payload    TEXT NOT NULL,
    priority   INTEGER NOT NULL,
    dedupe_key TEXT UNIQUE,
    status     TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    sent_at    REAL,
    native_id  TEXT,
    error      TEXT
);
CREATE INDEX outbox_due ON outbox(platform, status, priority, id);
