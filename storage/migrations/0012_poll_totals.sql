-- 0012: the totals of poll copies whose platform names no voter (Telegram's anonymous
-- polls): the latest counts the platform reported for that copy, which replace the
-- earlier ones. A poll's result is its per-voter votes (poll_votes, from the other
-- copies) plus these totals.
CREATE TABLE poll_totals (
    poll_id    INTEGER NOT NULL,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    counts     TEXT NOT NULL,              -- JSON list: voters per option (from 0)
    voters     INTEGER NOT NULL,           -- people who voted in this copy
    updated_at REAL NOT NULL,
    PRIMARY KEY (poll_id, platform, chat_id),
    FOREIGN KEY (poll_id, platform, chat_id)
        REFERENCES poll_copies(poll_id, platform, chat_id) ON DELETE CASCADE
);
