-- Good practices are filtered by country and theme in the web catalogue: an ISO 3166
-- country code and a short theme, set by the content file or by the facilitator who
-- approves the practice ('' when not given).
ALTER TABLE practices ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE practices ADD COLUMN theme TEXT NOT NULL DEFAULT '';
CREATE INDEX practices_country ON practices(country) WHERE status = 'approved';
