-- 0005: bridges between chats, and the persistent message map of relayed messages.
CREATE TABLE bridges (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    created_at  REAL NOT NULL,
    from_config INTEGER NOT NULL DEFAULT 0
);

-- A chat belongs to at most one bridge.
CREATE TABLE bridge_channels (
    bridge_id INTEGER NOT NULL REFERENCES bridges(id) ON DELETE CASCADE,
    platform  TEXT NOT NULL,
    chat_id   TEXT NOT NULL,
    chat_kind TEXT NOT NULL DEFAULT 'group',
    language  TEXT NOT NULL,
    title     TEXT,
    PRIMARY KEY (platform, chat_id)
);

-- Every copy of a relayed message shares one relay_id with its origin, so a reply, an edit
-- or a deletion on any copy reaches the others, also after a restart. A merged post maps
-- one native message to several relay ids.
CREATE TABLE relay_messages (
    relay_id             TEXT NOT NULL,
    platform             TEXT NOT NULL,
    chat_id              TEXT NOT NULL,
    native_id            TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('origin', 'copy')),
    author_participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
    text                 TEXT,          -- the origin's words (for /original and edits)
    language             TEXT,          -- detected language of the origin
    created_at           REAL NOT NULL,
    PRIMARY KEY (platform, chat_id, native_id, relay_id)
);
CREATE INDEX relay_messages_relay ON relay_messages(relay_id);
