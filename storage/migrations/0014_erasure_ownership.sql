-- 0014: erasure by ownership (/forgetme). What the bot writes about a person is linked to
-- them, so erasing them finds it by that link, never by searching text for their name.

-- The people a message of the outbox names or answers, besides the chat it goes to: the
-- person a reply answers (also in a group), each person a facilitator's list names, the
-- newcomer a group welcome greets. Erasing one of them deletes the message's row (its
-- text is the bot's words about them; the platform keeps the message itself).
CREATE TABLE outbox_mentions (
    outbox_id      INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    PRIMARY KEY (outbox_id, participant_id)
) WITHOUT ROWID;
CREATE INDEX outbox_mentions_participant ON outbox_mentions(participant_id);

-- The person an audit entry is about (the one given or refused a role): its `detail` is
-- the bot's words about them ("Name (participant N)"), anonymised when they are erased.
ALTER TABLE audit_log ADD COLUMN subject_participant_id INTEGER
    REFERENCES participants(id) ON DELETE SET NULL;
CREATE INDEX audit_log_subject ON audit_log(subject_participant_id);

-- Entries written before: the id is at the end of the detail, "… (participant N)". Only a
-- detail whose text after the first " (participant " is digits and ")" is read, so a
-- name that imitates the pattern links nothing.
UPDATE audit_log SET subject_participant_id = CAST(
        substr(detail, instr(detail, ' (participant ') + 14,
               length(detail) - instr(detail, ' (participant ') - 14) AS INTEGER)
    WHERE action IN ('facilitator add', 'facilitator remove')
      AND instr(detail, ' (participant ') > 0
      AND substr(detail, instr(detail, ' (participant ') + 14) GLOB '[0-9]*)'
      AND substr(detail, instr(detail, ' (participant ') + 14) NOT GLOB '*[^0-9)]*'
      AND substr(detail, instr(detail, ' (participant ') + 14) NOT GLOB '*)*)*'
      AND CAST(substr(detail, instr(detail, ' (participant ') + 14,
                      length(detail) - instr(detail, ' (participant ') - 14) AS INTEGER)
          IN (SELECT id FROM participants);
