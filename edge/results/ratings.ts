/**
 * Ratings with uncertainty: openskill's Weng-Lin Plackett-Luce model (the default of `rate`),
 * one rating per account and category (overall, and each of the 16 game types). This module
 * adds what the metaserver decides around it: uncertainty widening with inactivity, the
 * diminishing weight of repeated games between the same opponents, the displayed
 * (conservative) rating and Bungie's caste passes (§4.10). Pure.
 */
import { rate, rating } from "openskill";

export interface Skill {
  readonly mu: number;
  readonly sigma: number;
}

/** openskill's defaults: mu 25, sigma 25/3. */
export const INITIAL: Skill = rating();

/** The overall ranked category; 0..15 are the game types (scorings). */
export const OVERALL = -1;
/** Stats only: games in unranked rooms. */
export const UNRANKED = -2;

const DAY_MS = 86_400_000;

/**
 * Uncertainty grows with the time since the last rated game (sigma² + tau²·days), never past
 * a new player's: ranks age instead of being reset (Mariusnet aged games for the same reason).
 */
export function widen(s: Skill, lastGameAt: number | null, now: number, tau: number): Skill {
  if (lastGameAt === null || tau <= 0 || now <= lastGameAt) return s;
  const days = (now - lastGameAt) / DAY_MS;
  const sigma = Math.min(INITIAL.sigma, Math.sqrt(s.sigma * s.sigma + tau * tau * days));
  return { mu: s.mu, sigma };
}

/** The rating shown and ranked by: the conservative estimate mu − 3σ. */
export function displayed(s: Skill): number {
  return s.mu - 3 * s.sigma;
}

/** Points as the 16-bit score datum shows them (displayed rating × 100, clamped). */
export function points(s: Skill): number {
  return Math.max(-32768, Math.min(32767, Math.round(displayed(s) * 100)));
}

/**
 * Weight of a game between the same opponents as `earlier` rated games within the last day:
 * 1, 1/2, 1/3 … so farming one opponent stops paying quickly.
 */
export function farmingWeight(earlier: number): number {
  return 1 / (1 + Math.max(0, earlier));
}

/**
 * New skills for teams in placing order (`places[i]` the place of `teams[i]`, 0 = first, equal
 * = tie), moved only `weight` of the way openskill says.
 */
export function rateTeams(teams: readonly (readonly Skill[])[], places: readonly number[], weight: number): Skill[][] {
  const rated = rate(
    teams.map((t) => t.map((s) => ({ mu: s.mu, sigma: s.sigma }))),
    { rank: [...places] },
  );
  return rated.map((team, i) =>
    team.map((after, j) => {
      const before = teams[i]?.[j] ?? INITIAL;
      return {
        mu: before.mu + weight * (after.mu - before.mu),
        sigma: before.sigma + weight * (after.sigma - before.sigma),
      };
    }),
  );
}

/** Caste icons (§4.10). */
export const Caste = {
  Dagger: 0,
  DaggerWithHilt: 1,
  KrisKnife: 2,
  SwordAndDagger: 3,
  CrossedSwords: 4,
  CrossedAxes: 5,
  Shield: 6,
  ShieldCrossedSwords: 7,
  ShieldCrossedAxes: 8,
  SimpleCrown: 9,
  Crown: 10,
  NiceCrown: 11,
  EclipsedMoon: 12,
  Moon: 13,
  EclipsedSun: 14,
  Sun: 15,
  Comet: 16,
} as const;

/** Bungie's rank.c: the eight best active players by place, then shares of the active players below them. */
const TOP_PLACES = [
  Caste.Comet,
  Caste.Sun,
  Caste.EclipsedSun,
  Caste.Moon,
  Caste.Moon,
  Caste.EclipsedMoon,
  Caste.EclipsedMoon,
  Caste.EclipsedMoon,
];
const SHARES: readonly [number, number][] = [
  [Caste.NiceCrown, 0.06],
  [Caste.Crown, 0.07],
  [Caste.SimpleCrown, 0.09],
  [Caste.ShieldCrossedAxes, 0.1],
  [Caste.ShieldCrossedSwords, 0.11],
  [Caste.Shield, 0.12],
  [Caste.CrossedAxes, 0.14],
  [Caste.CrossedSwords, 0.15],
  [Caste.SwordAndDagger, 0.16],
];
/** More than this many rated games makes a player active (Bungie GAMES_PLAYED_*_CASTE 1, 2, 3). */
const ACTIVE_AFTER = 3;

export interface Ranked {
  readonly userId: number;
  readonly games: number;
  /** Displayed rating (after widening). */
  readonly rating: number;
}

export interface Placed {
  readonly caste: number;
  /** 1 = best active player; 0 for players not yet active. */
  readonly position: number;
}

/** One caste pass over a category: each player's caste and leaderboard place. */
export function castePass(players: readonly Ranked[]): Map<number, Placed> {
  const out = new Map<number, Placed>();
  const active: Ranked[] = [];
  for (const p of players) {
    if (p.games > ACTIVE_AFTER) active.push(p);
    else {
      const caste = p.games < 1 ? Caste.Dagger : p.games === 1 ? Caste.DaggerWithHilt : Caste.KrisKnife;
      out.set(p.userId, { caste, position: 0 });
    }
  }
  // Best first; equal ratings by user id so a pass is deterministic.
  active.sort((a, b) => b.rating - a.rating || a.userId - b.userId);
  // Breakpoints over the players below the top places: cumulative shares, rounded up so a
  // small population still gets the better icons first.
  const rest = Math.max(0, active.length - TOP_PLACES.length);
  const bounds: [number, number][] = [];
  let cumulative = 0;
  for (const [caste, share] of SHARES) {
    cumulative += share;
    bounds.push([caste, Math.ceil(cumulative * rest - 1e-9)]);
  }
  active.forEach((p, i) => {
    let caste: number = Caste.SwordAndDagger;
    if (i < TOP_PLACES.length) caste = TOP_PLACES[i] ?? caste;
    else {
      const j = i - TOP_PLACES.length;
      const bound = bounds.find(([, upTo]) => j < upTo);
      caste = bound ? bound[0] : Caste.SwordAndDagger;
    }
    out.set(p.userId, { caste, position: i + 1 });
  });
  return out;
}
