-- Moderation (issue 11): account state for staff, bans with their history, per-account mute
-- and block lists, and the audit log's moderation columns. 0001 stays as it was.

-- 0 player, 1 moderator, 2 admin already live in users.admin_level; a disabled account cannot log in.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

-- One row per ban ever made; lifting a ban fills lifted_by/lifted_at and nothing else, so the
-- history stays whole. A ban applies while it is not lifted and expires_at is null (permanent)
-- or in the future: expiry needs no job.
CREATE TABLE bans (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('account', 'address', 'guest')),
  -- account bans
  user_id INTEGER,
  -- address bans: an IPv4 range as u32 bounds (one address is a /32), and the text the admin gave
  address_first INTEGER,
  address_last INTEGER,
  address TEXT,
  -- guest bans: the normalised name (protocol/text.ts normalizeUserName)
  guest_name TEXT,
  reason TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  lifted_by TEXT,
  lifted_at INTEGER
);
CREATE INDEX bans_user ON bans (user_id) WHERE kind = 'account';
CREATE INDEX bans_address ON bans (address_first, address_last) WHERE kind = 'address';
CREATE INDEX bans_guest ON bans (guest_name) WHERE kind = 'guest';

-- "Hide this player's chat from me" and "this player cannot whisper me", kept per account.
CREATE TABLE mutes (
  user_id INTEGER NOT NULL,
  target_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, target_id)
);
CREATE TABLE blocks (
  user_id INTEGER NOT NULL,
  target_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, target_id)
);

-- Audit: who did what to whom, why, where and from which address.
ALTER TABLE audit_log ADD COLUMN reason TEXT;
ALTER TABLE audit_log ADD COLUMN room_id INTEGER;
ALTER TABLE audit_log ADD COLUMN actor_address TEXT;
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_target ON audit_log (target, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- Append-only, enforced by the database itself: no path can rewrite history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
