-- 0015: erasure by ownership (/forgetme). What the bot writes about a person is linked to
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

-- Entries written before: the bot wrote the detail as "<name> (participant N)", so the
-- subject is the N that ends it (a name imitating the pattern cannot change the end).
UPDATE audit_log SET subject_participant_id = (
        SELECT p.id FROM participants AS p
        WHERE audit_log.detail LIKE '% (participant ' || p.id || ')')
    WHERE action IN ('facilitator add', 'facilitator remove')
      AND detail LIKE '% (participant %)';

-- A poll's closing belongs to the poll, not to whoever created it: erasing the creator
-- must not leave a poll others voted in open for ever.
UPDATE schedules SET participant_id = NULL WHERE kind = 'poll_close';
