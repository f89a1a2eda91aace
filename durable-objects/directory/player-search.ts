/**
 * player_search_query (117, §5.22): online players whose nick or login name contains the query,
 * best matches first — an exact name, then a name that starts with it, then one that contains
 * it (ties by nick) — at most one page: PLAYER_SEARCH_RESULTS entries, which always fit one
 * player_search_list (14) packet (an entry is at most 4 + 24 + 38 + 2 × 32 bytes). Pure.
 */
import { stripUserName } from "../../protocol/text.ts";

export const PLAYER_SEARCH_RESULTS = 32;

export interface SearchCandidate {
  readonly nick: string;
  readonly userName: string;
}

/** 0 exact, 1 prefix, 2 contains; null: no match. Formatting codes and case are ignored. */
export function matchRank(candidate: SearchCandidate, query: string): number | null {
  const q = stripUserName(query).toLowerCase();
  if (q.length === 0) return null;
  let best: number | null = null;
  for (const name of [candidate.nick, candidate.userName]) {
    const n = stripUserName(name).toLowerCase();
    const rank = n === q ? 0 : n.startsWith(q) ? 1 : n.includes(q) ? 2 : null;
    if (rank !== null && (best === null || rank < best)) best = rank;
  }
  return best;
}

export function rankPlayers<T extends SearchCandidate>(
  candidates: Iterable<T>,
  query: string,
  limit = PLAYER_SEARCH_RESULTS,
): T[] {
  const ranked: { c: T; rank: number }[] = [];
  for (const c of candidates) {
    const rank = matchRank(c, query);
    if (rank !== null) ranked.push({ c, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.c.nick.localeCompare(b.c.nick));
  return ranked.slice(0, limit).map((r) => r.c);
}
