/**
 * What a limit firing becomes outside its counter (issue 10's hook, `onLimitHit`): one
 * subscriber per isolate, installed by the code that has an `env` (the room object, the login
 * paths), which
 *
 *  - writes an audit_log row (actor `system`) for the limits that *act on a player* —
 *    `AUDITED` below: a chat mute, a chat kick, an account locked after failed logins, an address
 *    locked out after failed logins, a bridge socket closed for its backlog (its players go). A dropped line, a refused-for-rate login, a busy hash gate
 *    or a whisper cut are counters, not actions: never a row each;
 *  - forwards the counts to the Directory (`noteLimits`), which `/metrics` reads as
 *    `myth_limits_fired_total{limit}`: one place sums every isolate, so nothing is counted twice
 *    (locally the Worker and every object share one isolate; deployed each has its own);
 *  - logs one line per limit fired, at most one a second per limit (the rest are `suppressed`).
 *
 * Off the hot path: limitHit only queues. Audit rows of one turn of the event loop go in one D1
 * batch right after it (the kick or mute has already happened; a row is durable once that batch
 * resolves, normally within milliseconds; an isolate dying in between loses it, unlike staff
 * actions, which are written before they act). Counts go to the directory at most every
 * FLUSH_MS from a room (a chat flood costs the directory one call per room per 2 s), at once
 * (in the same turn) from a login, which already calls the directory per refusal.
 */

import { logEvent, logThrottled } from "../log.ts";
import { auditStatement, SYSTEM_ACTOR } from "../moderation/audit.ts";
import type { AuditEntry } from "../moderation/rules.ts";
import { directoryStub } from "../objects.ts";
import { type LimitEvent, type LimitName, onLimitHit } from "./counters.ts";

interface Audited {
  /** audit_log action. */
  readonly action: string;
  readonly reason: string;
  /** The same (limit, subject) audited again only after this long: a locked account hammered
   * by a script fires on every try, and one row a minute says all there is. */
  readonly repeatMs: number;
}

/** The limits that act on a player, and so leave an audit row. */
export const AUDITED: Partial<Record<LimitName, Audited>> = {
  chat_muted: { action: "limit.chat_mute", reason: "flooding the room (timed mute)", repeatMs: 0 },
  chat_kicked: { action: "limit.chat_kick", reason: "flooding the room", repeatMs: 0 },
  login_account_delay: {
    action: "limit.login_lockout",
    reason: "account locked after failed logins",
    repeatMs: 60_000,
  },
  tunnel_backlog_closed: {
    action: "limit.tunnel_backlog",
    reason: "bridge socket over its outbound budget: its players were disconnected",
    repeatMs: 0,
  },
  login_address_failures: {
    action: "limit.address_lockout",
    reason: "too many failed logins from this address",
    repeatMs: 60_000,
  },
};

/**
 * Not forwarded to the directory: `token_wrong_address` is counted by the directory itself
 * (it fires there); `status_cache_hit` is a cache statistic of each Worker isolate (it stays
 * in /admin/limits), and forwarding it would cost a directory call per public read.
 */
const NOT_FORWARDED: ReadonlySet<LimitName> = new Set<LimitName>(["token_wrong_address", "status_cache_hit"]);

/** Limits that fire on the login path: their counts leave in the same turn. */
const AT_ONCE: ReadonlySet<LimitName> = new Set<LimitName>([
  "login_address_failures",
  "login_account_delay",
  "login_rate_guest",
  "login_rate_account",
  "login_hash_busy",
]);

export const FLUSH_MS = 2000;

interface State {
  env: Env;
  audits: AuditEntry[];
  auditArmed: boolean;
  counts: Map<string, number>;
  countsArmed: "soon" | "now" | null;
  lastAudited: Map<string, number>;
}

let state: State | null = null;

/**
 * Subscribes this isolate (once; a later call only refreshes `env`). The writes start in the
 * turn that queued them (a room's event, a login's socket), which keeps the isolate alive for
 * them; no waitUntil is passed around, since one isolate serves many requests and objects.
 */
export function installLimitSignals(env: Env): void {
  if (state) {
    state.env = env;
    return;
  }
  state = {
    env,
    audits: [],
    auditArmed: false,
    counts: new Map(),
    countsArmed: null,
    lastAudited: new Map(),
  };
  const s = state;
  onLimitHit((event) => signal(s, event, Date.now()));
}

function signal(s: State, event: LimitEvent, now: number): void {
  // A cache hit is not a limit acting on anyone: its counter is all it needs.
  if (event.limit === "status_cache_hit") return;
  const audited = AUDITED[event.limit];
  logThrottled(audited ? "warn" : "info", "limits", "limit.fired", fields(event), `limit:${event.limit}`, now);
  if (audited && due(s, event, audited, now)) {
    s.audits.push({
      actor: SYSTEM_ACTOR,
      action: audited.action,
      target: event.target ?? event.subject,
      reason: audited.reason,
      roomId: event.roomId ?? null,
      detail: { limit: event.limit, ...(event.address ? { address: event.address } : {}), ...(event.detail ?? {}) },
    });
    if (!s.auditArmed) {
      s.auditArmed = true;
      queueMicrotask(() => flushAudits(s));
    }
  }
  if (NOT_FORWARDED.has(event.limit)) return;
  s.counts.set(event.limit, (s.counts.get(event.limit) ?? 0) + 1);
  if (AT_ONCE.has(event.limit)) {
    if (s.countsArmed !== "now") {
      s.countsArmed = "now";
      queueMicrotask(() => flushCounts(s));
    }
  } else if (s.countsArmed === null) {
    s.countsArmed = "soon";
    setTimeout(() => flushCounts(s), FLUSH_MS);
  }
}

function fields(event: LimitEvent): Record<string, unknown> {
  return {
    limit: event.limit,
    subject: event.subject,
    ...(event.target ? { target: event.target } : {}),
    ...(event.roomId !== undefined ? { room: event.roomId } : {}),
    ...(event.address ? { address: event.address } : {}),
    ...(event.detail ?? {}),
  };
}

function due(s: State, event: LimitEvent, audited: Audited, now: number): boolean {
  if (audited.repeatMs <= 0) return true;
  const key = `${event.limit}:${event.target ?? event.subject}`;
  const last = s.lastAudited.get(key);
  if (last !== undefined && now - last < audited.repeatMs) return false;
  s.lastAudited.set(key, now);
  if (s.lastAudited.size > 4096) {
    for (const [k, at] of s.lastAudited) if (now - at >= 60_000) s.lastAudited.delete(k);
  }
  return true;
}

function flushAudits(s: State): void {
  s.auditArmed = false;
  const entries = s.audits.splice(0);
  if (entries.length === 0) return;
  const at = Date.now();
  const db = s.env.DB;
  void db.batch(entries.map((e) => auditStatement(db, e, at))).then(
    () => {},
    (e: unknown) =>
      logEvent("error", "limits", "audit.failed", { rows: entries.length, error: (e as Error)?.message ?? String(e) }),
  );
}

function flushCounts(s: State): void {
  s.countsArmed = null;
  if (s.counts.size === 0) return;
  const deltas = Object.fromEntries(s.counts);
  s.counts.clear();
  void Promise.resolve()
    .then(() => directoryStub(s.env).noteLimits(deltas))
    .catch((e: unknown) => {
      // Put them back: the next flush carries them (a counter may lag, never lose).
      for (const [k, n] of Object.entries(deltas)) s.counts.set(k, (s.counts.get(k) ?? 0) + n);
      logEvent("warn", "limits", "counts.unsent", { error: (e as Error)?.message ?? String(e) });
    });
}
