-- 0010: the good-practice base (the seed's template), its translations and full-text search.

-- One practice, in the language it was written in. The author may be forgotten (/forgetme):
-- an approved practice stays, anonymous; anything not approved goes with them (trigger below).
CREATE TABLE practices (
    id              INTEGER PRIMARY KEY,
    status          TEXT NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
    author_id       INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    language        TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    horizontality   TEXT NOT NULL DEFAULT '',
    objectives      TEXT NOT NULL DEFAULT '',
    stakeholders    TEXT NOT NULL DEFAULT '',
    methodology     TEXT NOT NULL DEFAULT '',
    validation      TEXT NOT NULL DEFAULT '',
    innovation      TEXT NOT NULL DEFAULT '',
    sustainability  TEXT NOT NULL DEFAULT '',
    replicability   TEXT NOT NULL DEFAULT '',
    contact         TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL DEFAULT '',
    review_comment  TEXT,
    reviewer_id     INTEGER REFERENCES participants(id) ON DELETE SET NULL,
    -- Loaded from a content file (content/<academy>/practices/<key>.toml): its file name.
    seed_key        TEXT UNIQUE,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    submitted_at    TEXT,
    reviewed_at     TEXT
);
CREATE INDEX practices_status ON practices(status, id);
CREATE INDEX practices_author ON practices(author_id);

-- The practice a participant is writing now, and where they are in the template.
-- The pointer goes with the participant (CASCADE).
CREATE TABLE practice_drafts (
    participant_id  INTEGER PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
    practice_id     INTEGER NOT NULL UNIQUE REFERENCES practices(id) ON DELETE CASCADE,
    step            TEXT,                        -- the field being asked; NULL: the summary
    editing         INTEGER NOT NULL DEFAULT 0,  -- 1: one field changed from the summary
    active          INTEGER NOT NULL DEFAULT 1,  -- 0 after /cancel: free text is not captured
    updated_at      TEXT NOT NULL
);

-- A practice in another language: written by hand (content files) or by the translation
-- engine on first reading. `source_sha256` is the hash of the original fields it was made
-- from, so an edited original is translated again.
CREATE TABLE practice_translations (
    practice_id     INTEGER NOT NULL REFERENCES practices(id) ON DELETE CASCADE,
    language        TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    horizontality   TEXT NOT NULL DEFAULT '',
    objectives      TEXT NOT NULL DEFAULT '',
    stakeholders    TEXT NOT NULL DEFAULT '',
    methodology     TEXT NOT NULL DEFAULT '',
    validation      TEXT NOT NULL DEFAULT '',
    innovation      TEXT NOT NULL DEFAULT '',
    sustainability  TEXT NOT NULL DEFAULT '',
    replicability   TEXT NOT NULL DEFAULT '',
    contact         TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL DEFAULT '',
    source_sha256   TEXT NOT NULL,
    origin          TEXT NOT NULL CHECK (origin IN ('content', 'engine')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (practice_id, language)
);

-- Full-text search over the original and every translation: "cooperacion" finds
-- "cooperación" (remove_diacritics 2). One row per (practice, language), kept by triggers.
CREATE VIRTUAL TABLE practices_fts USING fts5(
    title, body, practice_id UNINDEXED, language UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER practices_fts_insert AFTER INSERT ON practices BEGIN
    INSERT INTO practices_fts (title, body, practice_id, language) VALUES (
        NEW.title,
        NEW.horizontality || ' ' || NEW.objectives || ' ' || NEW.stakeholders || ' ' ||
        NEW.methodology || ' ' || NEW.validation || ' ' || NEW.innovation || ' ' ||
        NEW.sustainability || ' ' || NEW.replicability || ' ' || NEW.contact || ' ' || NEW.url,
        NEW.id, NEW.language);
END;

CREATE TRIGGER practices_fts_update AFTER UPDATE OF
    language, title, horizontality, objectives, stakeholders, methodology, validation,
    innovation, sustainability, replicability, contact, url ON practices BEGIN
    DELETE FROM practices_fts WHERE practice_id = OLD.id AND language = OLD.language;
    INSERT INTO practices_fts (title, body, practice_id, language) VALUES (
        NEW.title,
        NEW.horizontality || ' ' || NEW.objectives || ' ' || NEW.stakeholders || ' ' ||
        NEW.methodology || ' ' || NEW.validation || ' ' || NEW.innovation || ' ' ||
        NEW.sustainability || ' ' || NEW.replicability || ' ' || NEW.contact || ' ' || NEW.url,
        NEW.id, NEW.language);
END;

CREATE TRIGGER practices_fts_delete AFTER DELETE ON practices BEGIN
    DELETE FROM practices_fts WHERE practice_id = OLD.id;
END;

CREATE TRIGGER practice_translations_fts_insert AFTER INSERT ON practice_translations BEGIN
    INSERT INTO practices_fts (title, body, practice_id, language) VALUES (
        NEW.title,
        NEW.horizontality || ' ' || NEW.objectives || ' ' || NEW.stakeholders || ' ' ||
        NEW.methodology || ' ' || NEW.validation || ' ' || NEW.innovation || ' ' ||
        NEW.sustainability || ' ' || NEW.replicability || ' ' || NEW.contact || ' ' || NEW.url,
        NEW.practice_id, NEW.language);
END;

CREATE TRIGGER practice_translations_fts_delete AFTER DELETE ON practice_translations BEGIN
    DELETE FROM practices_fts WHERE practice_id = OLD.practice_id AND language = OLD.language;
END;

-- /forgetme: a participant's unfinished, submitted or returned practices are theirs alone
-- and are deleted with them; approved ones belong to the base and stay (author set NULL).
CREATE TRIGGER participants_forget_practices BEFORE DELETE ON participants BEGIN
    DELETE FROM practices WHERE author_id = OLD.id AND status <> 'approved';
END;
