-- 0019: typed intent instead of dedupe-key parsing, and conversations as one registry
-- (issue 14 items 4 and 5).

-- A message that may go out merged with others for the same chat (relayed copies); it was
-- the "relay:" prefix of the dedupe key.
ALTER TABLE outbox ADD COLUMN mergeable INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET mergeable = 1 WHERE dedupe_key LIKE 'relay:%';

-- The tag (OutboundMessage.tag, in the payload) of the messages whose features read their
-- keys until now: unit check questions "quiz:<participant>:<unit>:<attempt>:<question>:<k>"
-- (their answers are typed after the last one) and poll copies not yet sent
-- "poll:<poll>:<platform>:<chat>" (their native id is recorded once sent).
UPDATE outbox SET payload = json_set(payload, '$.tag', json_object(
        'kind', 'unit-check-question',
        'participant', json_extract('[' || replace(substr(dedupe_key, 6), ':', ',') || ']', '$[0]'),
        'refs', json_array(
            json_extract('[' || replace(substr(dedupe_key, 6), ':', ',') || ']', '$[1]'),
            json_extract('[' || replace(substr(dedupe_key, 6), ':', ',') || ']', '$[2]'),
            json_extract('[' || replace(substr(dedupe_key, 6), ':', ',') || ']', '$[3]'))))
WHERE dedupe_key GLOB 'quiz:[0-9]*:[0-9]*:[0-9]*:[0-9]*:[0-9]*'
  AND json_valid('[' || replace(substr(dedupe_key, 6), ':', ',') || ']');
UPDATE outbox SET payload = json_set(payload, '$.tag', json_object(
        'kind', 'poll-copy', 'participant', NULL,
        'refs', json_array(CAST(substr(dedupe_key, 6, instr(substr(dedupe_key, 6), ':') - 1)
                                AS INTEGER))))
WHERE dedupe_key GLOB 'poll:[0-9]*:*' AND status IN ('pending', 'sending');

-- Whose answer the bot is waiting for: one feature per participant (bot/conversations.py).
-- A participant's next private text, /skip and /cancel go to `kind`; NULL `expires_at`: until
-- the feature ends it. Erased with the participant.
CREATE TABLE conversations (
    participant_id INTEGER PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    started_at     REAL NOT NULL,
    expires_at     REAL
);

-- The conversations under way at the upgrade, found where each feature kept them; when a
-- participant had several, the one that took their text first until now wins.
INSERT OR IGNORE INTO conversations (participant_id, kind, started_at, expires_at)
    SELECT a.participant_id, 'forgetme', o.created_at, o.created_at + 600
    FROM outbox AS o JOIN accounts AS a ON a.platform = o.platform AND a.user_id = o.chat_id
    WHERE o.dedupe_key LIKE 'forgetme-ask:%'
      AND o.id = (SELECT MAX(id) FROM outbox WHERE platform = o.platform AND chat_id = o.chat_id);
INSERT OR IGNORE INTO conversations (participant_id, kind, started_at)
    SELECT participant_id, 'survey', MAX(updated_at) FROM survey_sessions
    WHERE state IN ('answering', 'review') GROUP BY participant_id;
INSERT OR IGNORE INTO conversations (participant_id, kind, started_at)
    SELECT d.participant_id, 'practice', 0 FROM practice_drafts AS d
    JOIN practices AS p ON p.id = d.practice_id
    WHERE d.active = 1 AND d.step IS NOT NULL AND p.status IN ('draft', 'returned');
