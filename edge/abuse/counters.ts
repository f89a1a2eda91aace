/**
 * Every abuse limit reports here when it fires: one counter per limit, and one hook list that
 * edge/abuse/signals.ts subscribes to (the audit log, /metrics through the directory, logs). Pure TypeScript (no Workers
 * API), so the room core may import it.
 *
 * Counters are per isolate: locally the Worker and every object share one, in production each
 * object's isolate keeps its own (GET /admin/limits reads the isolate that answers it).
 */

/** The limits that fire; docs/admin.md ("Limits under abuse") lists each one. */
export const LIMIT_NAMES = [
  "login_address_failures",
  "login_account_delay",
  "login_rate_guest",
  "login_rate_account",
  "login_hash_busy",
  "chat_warned",
  "chat_muted",
  "chat_kicked",
  "chat_dropped",
  "chat_address_dropped",
  "chat_all_rooms_dropped",
  "whisper_dropped",
  "full_update_dropped",
  "status_cache_hit",
  "token_wrong_address",
  "tunnel_backlog_closed",
] as const;

export type LimitName = (typeof LIMIT_NAMES)[number];

export interface LimitEvent {
  readonly limit: LimitName;
  /** Whom it hit: an address, an account name, a room user id. Never a secret. */
  readonly subject: string;
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
  /** Limits that act on a player (edge/abuse/signals.ts audits them): the audit target
   * (`user:<id>`, `guest:<name>`, `account:<name>`), and where it happened. */
  readonly target?: string;
  readonly roomId?: number;
  readonly address?: string;
}

const limitCounts = new Map<LimitName, number>();
const other = new Map<string, number>();
const listeners = new Set<(event: LimitEvent) => void>();

/** A limit fired: count it and tell the listeners (a listener that throws is logged, never propagated). */
export function limitHit(event: LimitEvent): void {
  limitCounts.set(event.limit, (limitCounts.get(event.limit) ?? 0) + 1);
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (e) {
      console.warn(`limit listener failed: ${(e as Error).message}`);
    }
  }
}

/** Counts work that is not a refusal (e.g. password hashes run), so tests and /metrics can see cost. */
export function countWork(name: string, n = 1): void {
  other.set(name, (other.get(name) ?? 0) + n);
}

/** Subscribes to limit events; returns the unsubscribe function. */
export function onLimitHit(listener: (event: LimitEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface CounterSnapshot {
  readonly limits: Readonly<Record<string, number>>;
  readonly work: Readonly<Record<string, number>>;
}

export function counterSnapshot(): CounterSnapshot {
  return { limits: Object.fromEntries(limitCounts), work: Object.fromEntries(other) };
}

export function limitCount(limit: LimitName): number {
  return limitCounts.get(limit) ?? 0;
}

export function workCount(name: string): number {
  return other.get(name) ?? 0;
}
