-- Social (issue 13): buddies, orders (clans) with their members, and revocable game passwords.

-- One row per (owner, buddy). The client's own limit (16 for Myth II 1.8 / MythDev, 8 for older
-- clients) is enforced by the room; the table holds at most the larger of the two.
CREATE TABLE buddies (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  buddy_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- epoch milliseconds
  added_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, buddy_id)
);
-- Who has this user as a buddy (online notices).
CREATE INDEX buddies_by_buddy ON buddies (buddy_id);

-- Bungie's orders: a unique name (normalised like user names), motto, URL, founder, and two
-- passwords (members join with one, maintainers edit with the other), kept as PBKDF2 hashes.
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  motto TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  founder_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  member_password_hash BLOB NOT NULL,
  member_password_salt BLOB NOT NULL,
  member_password_iterations INTEGER NOT NULL,
  maintenance_password_hash BLOB NOT NULL,
  maintenance_password_salt BLOB NOT NULL,
  maintenance_password_iterations INTEGER NOT NULL,
  password_algorithm TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- Bungie: an order with fewer than 3 members for 10 days lapses. When the membership is
  -- under 3, this is when it fell under (epoch ms); NULL while it has 3 or more.
  short_since INTEGER
);

-- A player belongs to one order at a time (the order field of the player data holds one id).
CREATE TABLE order_members (
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (order_id, user_id)
);

-- A separate password for game clients (old clients send passwords in weak schemes), revocable.
CREATE TABLE game_passwords (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  label TEXT NOT NULL DEFAULT '',
  password_hash BLOB NOT NULL,
  password_salt BLOB NOT NULL,
  password_iterations INTEGER NOT NULL,
  password_algorithm TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX game_passwords_by_user ON game_passwords (user_id) WHERE revoked_at IS NULL;
