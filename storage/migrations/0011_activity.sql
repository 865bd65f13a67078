-- 0011: engagement. How many messages each participant wrote, per day, chat and language:
-- counts only, never a word of the text. A private chat with the bot is counted under
-- chat_id '' (its id would be the person's account id). When a participant is erased the
-- counts stay, unlinked (participant_id NULL), as anonymous aggregates.
CREATE TABLE activity (
    day            TEXT NOT NULL,      -- YYYY-MM-DD in the bot's time zone
    participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,      -- '' for private chats
    language       TEXT NOT NULL,      -- the writer's language ('' when unknown)
    messages       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (day, participant_id, platform, chat_id, language)
);
CREATE INDEX activity_participant ON activity(participant_id);

-- Quiet participants: one friendly private prompt per quiet period, and the opt-out.
CREATE TABLE quiet_prompts (
    participant_id INTEGER PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
    opted_out      INTEGER NOT NULL DEFAULT 0,
    prompted_at    TEXT                -- ISO time of the last prompt (UTC)
);

-- Which schedule carries each prompt of the animation plan (and each daily quiet check)
-- for each cohort, so start-up plans each one once; `signature` is a hash of what decides
-- its times, so editing them re-plans it.
CREATE TABLE engagement_schedules (
    cohort      TEXT NOT NULL,
    item        TEXT NOT NULL,         -- "prompt:<id>" or "quiet-check"
    signature   TEXT NOT NULL,
    schedule_id INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
    PRIMARY KEY (cohort, item)
);
CREATE INDEX engagement_schedules_schedule ON engagement_schedules(schedule_id);
