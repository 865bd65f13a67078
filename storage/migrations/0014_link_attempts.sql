-- 0014: wrong linking codes typed with /link CODE, per account, so guessing codes is
-- locked after a few (handlers/linking.py). Rows older than the lockout window are
-- deleted as new ones come; /forgetme deletes an account's rows with it.
CREATE TABLE link_attempts (
    platform TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX link_attempts_account ON link_attempts(platform, user_id, at);
