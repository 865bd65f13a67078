-- 0017 on PostgreSQL: as 0017_consent_asked.sql, the trigger in PL/pgSQL.
ALTER TABLE participants ADD COLUMN consent_asked_at TEXT;

CREATE FUNCTION survey_responses_erased() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM survey_responses WHERE participant_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER survey_responses_erased BEFORE DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION survey_responses_erased();
