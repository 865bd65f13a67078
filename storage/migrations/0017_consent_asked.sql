-- 0017: consent asked and not answered is a state of its own (issue 15 item 2), and a
-- participant's named survey answers go with them when they are erased (issue 15 item 6).

-- When the bot first asked for consent (the privacy notice, or a feature that needs it);
-- NULL: never asked. With `consent` NULL it means "asked, no answer yet".
ALTER TABLE participants ADD COLUMN consent_asked_at TEXT;

-- /forgetme erases named survey answers (anonymous answers carry no participant and stay).
-- A merge by /link moves the answers to the kept participant first, so it deletes none.
CREATE TRIGGER survey_responses_erased BEFORE DELETE ON participants
BEGIN
    DELETE FROM survey_responses WHERE participant_id = OLD.id;
END;
