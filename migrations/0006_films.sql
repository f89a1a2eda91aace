-- Films (issue 15): one row per recorded game, the file itself in R2 (binding FILMS).
-- status: complete (206 arrived), partial (the host dropped or removed the game first),
-- missing (a started game in a room that requires films sent none), cut (the recording broke
-- the room's limits and was stopped; the game went on).
-- game_id stays NULL until films are linked to the games/results table (ranked play).
CREATE TABLE films (
  id TEXT PRIMARY KEY,
  room_id INTEGER NOT NULL,
  room_game_id INTEGER NOT NULL,
  host_user_id INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  bytes INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('complete', 'partial', 'missing', 'cut')),
  r2_key TEXT,
  file_name TEXT,
  expires_at INTEGER,
  game_id INTEGER
);
CREATE INDEX films_by_room ON films (room_id, ended_at);
CREATE INDEX films_by_expiry ON films (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX films_by_game ON films (game_id) WHERE game_id IS NOT NULL;
