/**
 * Score reports (112, §5.21) as results: validation of the decoded standings (counts and
 * indices consistent), the normalized result the D1 rows are made of, the placings two reports
 * are compared by, and why a recorded game is not rated. Pure: the room validates before
 * anything is stored, the Results object settles with the same functions.
 */
import type { GameScoreMessage } from "../../protocol/messages.ts";
import { GameEndedCode, MAX_PLAYERS, MAX_TEAMS } from "../../protocol/structs/scores.ts";

export interface TeamResult {
  readonly index: number;
  /** 0 = first. */
  readonly place: number;
  readonly tie: boolean;
  readonly eliminated: boolean;
  readonly timeOfElimination: number;
  readonly captainIndex: number;
  /** The report marks the team not valid: its players watched (spectators, as GoS keeps them). */
  readonly spectators: boolean;
}

export interface PlayerResult {
  readonly userId: number;
  readonly teamIndex: number;
  readonly captain: boolean;
  readonly finished: boolean;
  readonly timePlayed: number;
  readonly unitsKilled: number;
  readonly unitsLost: number;
  readonly damageGiven: number;
  readonly damageTaken: number;
}

export interface Standings {
  readonly endedCode: number;
  readonly scoring: number;
  /** actual_time_elapsed as the client sent it. */
  readonly elapsed: number;
  readonly teams: readonly TeamResult[];
  readonly players: readonly PlayerResult[];
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const fail = (error: string): Checked<never> => ({ ok: false, error });

/**
 * The standings of a decoded 112, or why they are inconsistent. Only the first
 * number_of_players records count (Bungie pads to 16, GoS may send more); team records past
 * number_of_teams are padding.
 */
export function checkStandings(msg: GameScoreMessage): Checked<Standings> {
  const { numberOfPlayers: np, numberOfTeams: nt } = msg;
  if (nt < 1 || nt > MAX_TEAMS) return fail(`${nt} teams`);
  if (np < 1 || np > MAX_PLAYERS) return fail(`${np} players`);
  if (msg.players.length < np) return fail(`${msg.players.length} player records for ${np} players`);
  const codes: number[] = Object.values(GameEndedCode);
  if (!codes.includes(msg.gameEndedCode)) return fail(`game ended code ${msg.gameEndedCode}`);
  if (msg.gameScoring < 0 || msg.gameScoring > 15) return fail(`scoring ${msg.gameScoring}`);
  if (msg.actualTimeElapsed < 0) return fail("negative elapsed time");

  const records = msg.players.slice(0, np);
  const seen = new Set<number>();
  for (const p of records) {
    if (p.playerId === 0) return fail("player id 0");
    if (seen.has(p.playerId)) return fail(`player ${p.playerId} twice`);
    seen.add(p.playerId);
    if (p.teamIndex < 0 || p.teamIndex >= nt) return fail(`player ${p.playerId} on team ${p.teamIndex} of ${nt}`);
    if (p.timePlayed < 0) return fail(`player ${p.playerId}: negative time played`);
  }
  const teamRecords = msg.teams.slice(0, nt);
  const valid = teamRecords.filter((t) => t.valid);
  for (const [i, t] of teamRecords.entries()) {
    if (!t.valid) continue;
    if (t.place < 0 || t.place >= nt) return fail(`team ${i} in place ${t.place} of ${nt}`);
    if (t.captainPlayerIndex < -1 || t.captainPlayerIndex >= np)
      return fail(`team ${i} captain ${t.captainPlayerIndex}`);
  }
  const teams: TeamResult[] = teamRecords.map((t, index) => ({
    index,
    place: t.place,
    tie: t.valid && valid.some((o) => o !== t && o.place === t.place),
    eliminated: t.eliminated,
    timeOfElimination: t.timeOfElimination,
    captainIndex: t.captainPlayerIndex,
    spectators: !t.valid,
  }));
  const players: PlayerResult[] = records.map((p, i) => ({
    userId: p.playerId,
    teamIndex: p.teamIndex,
    captain: teams[p.teamIndex]?.captainIndex === i,
    finished: p.finishedGame,
    timePlayed: p.timePlayed,
    unitsKilled: p.unitsKilled,
    unitsLost: p.unitsLost,
    damageGiven: p.pointsKilled,
    damageTaken: p.pointsLost,
  }));
  return {
    ok: true,
    value: { endedCode: msg.gameEndedCode, scoring: msg.gameScoring, elapsed: msg.actualTimeElapsed, teams, players },
  };
}

/** Players who played (on a valid team): spectators are recorded, never rated. */
export function playing(s: Standings): PlayerResult[] {
  return s.players.filter((p) => !s.teams[p.teamIndex]?.spectators);
}

/** Team place of each playing player, as "user:place" sorted: equal strings = reports agree. */
export function placingsKey(s: Standings): string {
  return playing(s)
    .map((p) => [p.userId, s.teams[p.teamIndex]?.place ?? -1] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([u, place]) => `${u}:${place}`)
    .join(",");
}

/** The playing players grouped by team, best place first (the input of a rating update). */
export function teamsByPlace(s: Standings): { place: number; players: PlayerResult[] }[] {
  const byTeam = new Map<number, PlayerResult[]>();
  for (const p of playing(s)) {
    const list = byTeam.get(p.teamIndex);
    if (list) list.push(p);
    else byTeam.set(p.teamIndex, [p]);
  }
  return [...byTeam.entries()]
    .map(([team, players]) => ({ place: s.teams[team]?.place ?? 0, players }))
    .sort((a, b) => a.place - b.place);
}

export interface RatingContext {
  readonly roomType: string;
  /** User ids of guests among the game's players. */
  readonly guests: ReadonlySet<number>;
  /** Client IPv4 of each player at the game's start (not stored in D1). */
  readonly addresses: ReadonlyMap<number, string>;
}

/**
 * Why a recorded game is not rated, or null when it is. Order matters only for the reason
 * shown. A film that did not arrive is no reason (the film is evidence, not a condition).
 */
export function unratedReason(s: Standings, ctx: RatingContext): string | null {
  if (ctx.roomType === "unranked") return "unranked room";
  if (s.endedCode !== GameEndedCode.Normal) return "not ended normally";
  const teams = teamsByPlace(s);
  if (teams.length < 2) return "fewer than two teams";
  if (playing(s).some((p) => ctx.guests.has(p.userId))) return "a guest played";
  return null;
}

/** Opponents (players on different teams) who came from the same client address. */
export function sharedAddress(s: Standings, addresses: ReadonlyMap<number, string>): boolean {
  const teamOf = new Map<string, number>();
  for (const p of playing(s)) {
    const ip = addresses.get(p.userId);
    if (!ip) continue;
    const other = teamOf.get(ip);
    if (other !== undefined && other !== p.teamIndex) return true;
    teamOf.set(ip, p.teamIndex);
  }
  return false;
}
