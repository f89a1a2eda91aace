-- Issue 10 (impersonation): guests may not take a registered player's name. The nick is
-- compared by its normalised key (PROTOCOL.md §1.3: formatting codes stripped, trimmed,
-- lower-cased); the code writes it for new accounts, this backfill approximates it for old ones
-- (trim and lower-case only: formatting codes in an existing nick stay in its key).
ALTER TABLE users ADD COLUMN nick_key TEXT NOT NULL DEFAULT '';
UPDATE users SET nick_key = lower(trim(nick));
CREATE INDEX users_nick_key ON users (nick_key);
