/**
 * Counters the Directory keeps because every login and room join already passes through it
 * (the cheap place): logins granted by kind, logins refused by code, room joins by result,
 * room-list fan-outs, malformed packets by decode error kind, and the abuse limits every isolate forwards. In memory: they restart from zero when the object does, which Prometheus
 * reads as a counter reset (rate() handles it); nothing here is worth a storage write per login.
 */
import { D1_OPS, type D1Histogram, type D1Op, emptyHistogram, merge } from "../../edge/d1-histogram.ts";
import type { DecodeErrorKind } from "../../protocol/result.ts";
import { ServerMessageCode } from "../../protocol/structs/constants.ts";

const CODE_NAMES = new Map<number, string>(Object.entries(ServerMessageCode).map(([name, code]) => [code, name]));

export interface DirectoryCounters {
  /** When these counters started (epoch ms). */
  since: number;
  loginsGranted: Record<"guest" | "registered", number>;
  /** By server_message code name (protocol/structs/constants.ts). */
  loginsRefused: Record<string, number>;
  roomJoins: Record<"ok" | "unknown_token", number>;
  roomListFanOuts: number;
  /** Unexpected failures (a bug, a storage error), by where: "worker" (an HTTP 500), "room" (a handler). */
  errors: Record<string, number>;
  /** Room objects that (re)built their state from storage, by room id: first contact, and every wake-up after hibernation or eviction. */
  roomStarts: Record<string, number>;
  /** Abuse limits fired anywhere (edge/abuse/counters.ts names), as every isolate forwards them (edge/abuse/signals.ts). */
  limitsFired: Record<string, number>;
  /** Malformed packets answered with server_message 0, by "<where> <decode error kind>" (where: login, room). */
  protocolErrors: Record<string, number>;
  /** D1 round trips by operation (edge/d1-timing.ts), every isolate's merged. */
  d1Latency: Record<D1Op, D1Histogram>;
}

/** The decode error kinds (protocol/result.ts): a label outside them is counted as "other". */
export const DECODE_ERROR_KINDS: readonly DecodeErrorKind[] = [
  "truncated",
  "trailing",
  "bad-magic",
  "bad-length",
  "unterminated",
  "too-long",
  "out-of-range",
  "unknown-type",
  "bad-checksum",
];

/** Logins in one minute (the dashboard's chart of the last hour). */
export interface MinuteBucket {
  /** Start of the minute, epoch ms. */
  minute: number;
  granted: number;
  refused: number;
  /** Unexpected failures in that minute. */
  errors: number;
}

const HOUR_MINUTES = 60;

export class DirectoryMetrics {
  private readonly minutes: MinuteBucket[] = [];
  private readonly c: DirectoryCounters = {
    since: Date.now(),
    loginsGranted: { guest: 0, registered: 0 },
    loginsRefused: {},
    roomJoins: { ok: 0, unknown_token: 0 },
    roomListFanOuts: 0,
    roomStarts: {},
    limitsFired: {},
    protocolErrors: {},
    d1Latency: { login: emptyHistogram(), results: emptyHistogram() },
    errors: {},
  };

  granted(guest: boolean, now = Date.now()): void {
    this.c.loginsGranted[guest ? "guest" : "registered"]++;
    this.bucket(now).granted++;
  }

  refused(code: number, now = Date.now()): void {
    this.bucket(now).refused++;
    const name = CODE_NAMES.get(code) ?? `code_${Math.trunc(code)}`;
    this.c.loginsRefused[name] = (this.c.loginsRefused[name] ?? 0) + 1;
  }

  joined(ok: boolean): void {
    this.c.roomJoins[ok ? "ok" : "unknown_token"]++;
  }

  roomStarted(roomId: number): void {
    const key = String(Math.trunc(roomId));
    this.c.roomStarts[key] = (this.c.roomStarts[key] ?? 0) + 1;
  }

  /** Counts forwarded by an isolate (names checked by the caller). */
  limitsFired(deltas: Readonly<Record<string, number>>): void {
    for (const [limit, n] of Object.entries(deltas)) this.c.limitsFired[limit] = (this.c.limitsFired[limit] ?? 0) + n;
  }

  /** A malformed packet refused with server_message 0 (labels bounded: two places, the known kinds). */
  protocolError(where: string, kind: string): void {
    const w = where === "login" ? "login" : "room";
    const k = (DECODE_ERROR_KINDS as readonly string[]).includes(kind) ? kind : "other";
    const key = `${w} ${k}`;
    this.c.protocolErrors[key] = (this.c.protocolErrors[key] ?? 0) + 1;
  }

  /** Histograms an isolate sends (edge/d1-timing.ts); unknown operations and odd shapes are ignored. */
  d1Latency(batch: Readonly<Partial<Record<string, D1Histogram>>>): void {
    for (const op of D1_OPS) {
      const h = batch[op];
      if (!h || !Array.isArray(h.buckets) || !Number.isFinite(h.sum) || !Number.isSafeInteger(h.count)) continue;
      merge(this.c.d1Latency[op], h);
    }
  }

  failed(where: string, now = Date.now()): void {
    const key = where.replace(/[^a-z_]/g, "").slice(0, 20) || "other";
    this.c.errors[key] = (this.c.errors[key] ?? 0) + 1;
    this.bucket(now).errors++;
  }

  fannedOut(): void {
    this.c.roomListFanOuts++;
  }

  /** The last hour, one entry per minute, oldest first (minutes without logins included). */
  lastHour(now = Date.now()): MinuteBucket[] {
    const current = Math.floor(now / 60_000) * 60_000;
    const known = new Map(this.minutes.map((b) => [b.minute, b]));
    const out: MinuteBucket[] = [];
    for (let i = HOUR_MINUTES - 1; i >= 0; i--) {
      const minute = current - i * 60_000;
      out.push({ ...(known.get(minute) ?? { minute, granted: 0, refused: 0, errors: 0 }) });
    }
    return out;
  }

  private bucket(now: number): MinuteBucket {
    const minute = Math.floor(now / 60_000) * 60_000;
    const last = this.minutes[this.minutes.length - 1];
    if (last?.minute === minute) return last;
    const b = { minute, granted: 0, refused: 0, errors: 0 };
    this.minutes.push(b);
    while (this.minutes.length > HOUR_MINUTES) this.minutes.shift();
    return b;
  }

  snapshot(): DirectoryCounters {
    return structuredClone(this.c);
  }
}
