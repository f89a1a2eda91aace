-- Accounts and the admin audit trail (D1). Later migrations add bans history and game results.

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  -- normalised login name (formatting codes stripped, trimmed; PROTOCOL.md §1.3), unique ignoring ASCII case
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  -- the name as the admin typed it
  display_name TEXT NOT NULL,
  password_hash BLOB NOT NULL,
  password_salt BLOB NOT NULL,
  password_iterations INTEGER NOT NULL,
  password_algorithm TEXT NOT NULL,
  nick TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  -- 24-bit RGB as in GoS (metaserver_users)
  primary_color INTEGER NOT NULL DEFAULT 0,
  secondary_color INTEGER NOT NULL DEFAULT 0,
  coat_of_arms INTEGER NOT NULL DEFAULT 0,
  admin_level INTEGER NOT NULL DEFAULT 0,
  -- last player-data block (§4.2) the client sent at login
  player_data BLOB,
  city TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  quote TEXT NOT NULL DEFAULT '',
  -- epoch milliseconds
  created_at INTEGER NOT NULL,
  last_login_at INTEGER,
  banned_until INTEGER,
  banned_reason TEXT
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_at ON audit_log (at);
