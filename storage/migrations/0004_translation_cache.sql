-- Translation cache: one row per (engine, source, target, sha256 of the protected text).
-- Bounded by the application (oldest rows pruned beyond translation.cache_max_entries).
CREATE TABLE translation_cache (
    engine      TEXT NOT NULL,
    source      TEXT NOT NULL,
    target      TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    translated  TEXT NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (engine, source, target, text_sha256)
);
CREATE INDEX translation_cache_created ON translation_cache (created_at);
