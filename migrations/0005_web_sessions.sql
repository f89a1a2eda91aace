-- Web sign-in sessions (worker/web/session.ts): the staff dashboard today, the player web account later.
-- Only a SHA-256 of the cookie's token is stored, so a leaked database does not hand out sessions.

CREATE TABLE web_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- the session's CSRF token (worker/web/csrf.ts): every form and every unsafe admin request carries it
  csrf TEXT NOT NULL,
  -- epoch milliseconds
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
