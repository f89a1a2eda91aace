-- Ranked play (issue 12): every game, its teams and players, every participant's report,
-- ratings per account and category, and the bungie_net_player_score_datum stats.
-- Categories: -2 unranked stats, -1 overall ranked ("Total"), 0..15 the game types (scorings, §4.8).
-- Profile strings (city, state, country, quote) already live in users (0001).

CREATE TABLE games (
  -- stable id: films (issue 15) and the public pages link to it
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL,
  -- unranked | ranked | tournament, as configured when the game started
  room_type TEXT NOT NULL,
  host_id INTEGER NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  map TEXT NOT NULL DEFAULT '',
  -- game type = the description's scoring (§4.8)
  scoring INTEGER NOT NULL DEFAULT 0,
  difficulty INTEGER NOT NULL DEFAULT 0,
  -- seconds; 0 untimed
  time_limit INTEGER NOT NULL DEFAULT 0,
  option_flags INTEGER NOT NULL DEFAULT 0,
  teams INTEGER NOT NULL DEFAULT 0,
  alliances INTEGER NOT NULL DEFAULT 0,
  veterans INTEGER NOT NULL DEFAULT 0,
  unit_trading INTEGER NOT NULL DEFAULT 0,
  cooperative INTEGER NOT NULL DEFAULT 0,
  -- client family (protocol dialect) of the host
  client TEXT NOT NULL DEFAULT '',
  -- epoch ms
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  -- game_ended_code of the report that counts (0 normal, 1 host lost, 2 player quit)
  ended_code INTEGER,
  -- actual_time_elapsed of the report that counts, as the client sent it (the protocol notes name no unit)
  duration INTEGER,
  -- playing | reported | rated | unrated | disputed | abandoned
  status TEXT NOT NULL DEFAULT 'playing',
  -- why a recorded game is not rated (unranked room, guest, one team, not ended normally, disputed, shared address…)
  unrated_reason TEXT,
  -- opponents shared a client address: not rated unless an admin clears it
  flagged INTEGER NOT NULL DEFAULT 0,
  -- the report whose standings are the result
  result_report_id INTEGER,
  -- the films issue (15) sets this: null = no film expected / not known yet
  film_status TEXT,
  -- sorted user ids of the players: repeated games between the same opponents (anti-farming)
  roster TEXT NOT NULL DEFAULT '',
  resolved_by TEXT,
  resolved_at INTEGER
);
CREATE INDEX games_host_open ON games (room_id, host_id, status);
CREATE INDEX games_started ON games (started_at);
CREATE INDEX games_status ON games (status);
CREATE INDEX games_roster ON games (roster, started_at);

CREATE TABLE game_players (
  game_id INTEGER NOT NULL REFERENCES games (id),
  user_id INTEGER NOT NULL,
  -- the name shown in the game (nick), for guests too
  name TEXT NOT NULL DEFAULT '',
  guest INTEGER NOT NULL DEFAULT 0,
  host INTEGER NOT NULL DEFAULT 0,
  -- filled from the report that counts; null until then
  team_index INTEGER,
  captain INTEGER NOT NULL DEFAULT 0,
  units_killed INTEGER,
  units_lost INTEGER,
  damage_given INTEGER,
  damage_taken INTEGER,
  -- seconds
  time_played INTEGER,
  -- 1 finished, 0 dropped
  finished INTEGER,
  -- rating change this game brought (overall category), for history pages
  rating_before REAL,
  rating_after REAL,
  PRIMARY KEY (game_id, user_id)
);
CREATE INDEX game_players_user ON game_players (user_id, game_id);

CREATE TABLE game_teams (
  game_id INTEGER NOT NULL REFERENCES games (id),
  team_index INTEGER NOT NULL,
  -- 0 = first
  place INTEGER NOT NULL,
  -- another team has the same place
  tie INTEGER NOT NULL DEFAULT 0,
  eliminated INTEGER NOT NULL DEFAULT 0,
  -- seconds
  time_of_elimination INTEGER NOT NULL DEFAULT 0,
  captain_index INTEGER NOT NULL DEFAULT -1,
  -- a team the report marks not valid: its players watched (GoS keeps them as spectators)
  spectators INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (game_id, team_index)
);

CREATE TABLE game_reports (
  id INTEGER PRIMARY KEY,
  game_id INTEGER NOT NULL REFERENCES games (id),
  reporter_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  -- the decoded standings as JSON (edge/results/standings.ts)
  standings TEXT NOT NULL,
  -- "user:place,…" sorted: two reports agree when these are equal
  placings TEXT NOT NULL,
  UNIQUE (game_id, reporter_id)
);

CREATE TABLE ratings (
  user_id INTEGER NOT NULL,
  -- -1 overall, 0..15 game type
  category INTEGER NOT NULL,
  mu REAL NOT NULL,
  sigma REAL NOT NULL,
  games INTEGER NOT NULL DEFAULT 0,
  last_game_at INTEGER,
  -- caste icon (§4.10) from the last pass
  caste INTEGER NOT NULL DEFAULT 0,
  -- place in the category's leaderboard (1 = best), 0 unranked yet
  position INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, category)
);
CREATE INDEX ratings_category ON ratings (category, mu);

CREATE TABLE player_stats (
  user_id INTEGER NOT NULL,
  -- -2 unranked, -1 ranked total, 0..15 ranked by game type
  category INTEGER NOT NULL,
  games_played INTEGER NOT NULL DEFAULT 0,
  wins INTEGER NOT NULL DEFAULT 0,
  losses INTEGER NOT NULL DEFAULT 0,
  ties INTEGER NOT NULL DEFAULT 0,
  damage_inflicted INTEGER NOT NULL DEFAULT 0,
  damage_received INTEGER NOT NULL DEFAULT 0,
  disconnects INTEGER NOT NULL DEFAULT 0,
  highest_points INTEGER NOT NULL DEFAULT 0,
  highest_rank INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, category)
);
