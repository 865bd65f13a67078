-- 0016: a reminder's number is its owner's ("#1" for one's first reminder), not the global
-- schedule id ("n° 18" for a first reminder, and "/remind cancel 1" cancelled nothing).
-- Reminders are numbered per person, posts scheduled by facilitators per chat; numbers
-- are not reused, so a number read in an old message never names another reminder.
ALTER TABLE schedules ADD COLUMN number INTEGER;

UPDATE schedules SET number = (
        SELECT COUNT(*) FROM schedules AS s
        WHERE s.kind = schedules.kind AND s.participant_id = schedules.participant_id
          AND s.id <= schedules.id)
    WHERE kind = 'reminder';
UPDATE schedules SET number = (
        SELECT COUNT(*) FROM schedules AS s
        WHERE s.kind = schedules.kind AND s.platform = schedules.platform
          AND s.chat_id = schedules.chat_id AND s.id <= schedules.id)
    WHERE kind = 'post';
CREATE INDEX schedules_numbers ON schedules(kind, participant_id, number);
