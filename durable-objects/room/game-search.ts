/**
 * game_search_query (116, §5.20) as Bungie's game search daemon answered it: the open games
 * that honour every option the player marked required or despised and contain the name and
 * map strings; game_list_pref (13) carries at most 5. Pure: the room runs it over its games,
 * and the asking room merges the answers of every room of its game.
 *
 * Choices where the sources are silent (the daemon's code is not public):
 * - options are 0 required, 1 despised, 2 don't care (Bungie's enum); other values don't care;
 * - game_scoring: a scoring number (§4.8) must match; a negative one means any. game_type is
 *   not honoured: Bungie's room did not pass it on to the daemon either (handle_game_search_query);
 * - enemy visibility maps to option bit 2 "limited visibility";
 * - "open" means not started and not full; names match case-insensitively anywhere in the text.
 */
import type { GameSearchQueryMessage } from "../../protocol/messages/types.ts";
import { decodeGameData, GameOption } from "../../protocol/structs/game-description.ts";
import type { Game } from "./games.ts";

export const GAME_SEARCH_RESULTS = 5;

export const SearchOption = { Required: 0, Despised: 1, DontCare: 2 } as const;

/** option_flags bit 2 (§4.8). */
const LIMITED_VISIBILITY = 1 << 2;

export type GameSearchQuery = Omit<GameSearchQueryMessage, "type">;

function honours(want: number, flags: number, bit: number): boolean {
  if (want === SearchOption.Required) return (flags & bit) !== 0;
  if (want === SearchOption.Despised) return (flags & bit) === 0;
  return true;
}

function contains(text: string, part: string): boolean {
  return part.length === 0 || text.toLowerCase().includes(part.toLowerCase());
}

export function matchesSearch(game: Game, q: GameSearchQuery): boolean {
  if (game.startedAt !== null) return false;
  const data = decodeGameData(game.data);
  if (!data.ok) return false;
  const d = data.value.description;
  if (d.maxPlayers > 0 && d.playerCount >= d.maxPlayers) return false;
  if (q.gameScoring >= 0 && d.scoring !== q.gameScoring) return false;
  const flags = d.optionFlags;
  return (
    honours(q.veterans, flags, GameOption.Veterans) &&
    honours(q.unitTrading, flags, GameOption.UnitTrading) &&
    honours(q.teams, flags, GameOption.AllowTeams) &&
    honours(q.alliances, flags, GameOption.Alliances) &&
    honours(q.enemyVisibility, flags, LIMITED_VISIBILITY) &&
    contains(data.value.name, q.gameName) &&
    contains(data.value.map, q.mapName)
  );
}

/** The first `limit` matching games, oldest first. */
export function searchGames(games: Iterable<Game>, q: GameSearchQuery, limit = GAME_SEARCH_RESULTS): Game[] {
  return [...games]
    .filter((g) => matchesSearch(g, q))
    .sort((a, b) => a.createdAt - b.createdAt)
    .slice(0, limit);
}
