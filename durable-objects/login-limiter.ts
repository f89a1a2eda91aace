/**
 * Login limiter: one object per client IPv4 address ("ip:<address>") and one per account
 * login name ("account:<normalised name>"), both of this class (each object uses its part).
 *
 * Every check is made *before* the password hash and counts the attempt in the same
 * synchronous step (an object runs one call at a time, and nothing here awaits between the
 * check and the count), so concurrent tries cannot all pass a limit of 10.
 *
 *  - address, failures: an account attempt is counted as a failure up front (a "ticket");
 *    a right password forgives its ticket. Past `maxFailures` within the window: refused.
 *  - address, rate: guest and account logins each take a token from their bucket
 *    (`perMinute` refill, `burst` deep, so a LAN party can log in together).
 *  - account: after `freeFailures` failures, each further attempt must wait an exponentially
 *    growing delay (base · 2^n, capped), whatever the address; a right password resets it,
 *    and so does an admin (clear()).
 *
 * Limits come from the caller (edge/config.ts, the LOGIN_* vars); docs/admin.md lists them.
 */
import { DurableObject } from "cloudflare:workers";

export interface AddressLimits {
  readonly maxFailures: number;
  readonly failureWindowMs: number;
  readonly perMinute: number;
  readonly burst: number;
}

export interface AccountLimits {
  readonly freeFailures: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Failures older than this after the last one are forgotten. */
  readonly resetMs: number;
}

/** "register": the web account's sign-up form (one bucket, no failures), worker/routes/account/register.ts. */
export type LoginKind = "guest" | "account" | "register";

export type AddressGate =
  | { readonly ok: true; readonly ticket: number | null }
  | { readonly ok: false; readonly limit: "failures" | "rate"; readonly retryAfterMs: number };

export type AccountGate = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface LimiterState {
  readonly failures: number;
  readonly accountFailures: number;
  readonly lockedUntil: number | null;
}

export class LoginLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createTables();
  }

  /** deleteAll() drops the tables too: made again after each clear. */
  private createTables(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS failures (ticket INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS buckets (kind TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS account (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL,
        last_at INTEGER NOT NULL, locked_until INTEGER NOT NULL)`);
  }

  /** Address: may this address start a login of this kind now? Counts it if so. */
  async beginLogin(kind: LoginKind, limits: AddressLimits): Promise<AddressGate> {
    const now = Date.now();
    let ticket: number | null = null;
    if (kind === "account") {
      this.sql.exec("DELETE FROM failures WHERE at <= ?", now - limits.failureWindowMs);
      const { n, oldest } = this.sql
        .exec<{ n: number; oldest: number | null }>("SELECT count(*) AS n, min(at) AS oldest FROM failures")
        .one();
      if (n >= limits.maxFailures) {
        return {
          ok: false,
          limit: "failures",
          retryAfterMs: Math.max(1, (oldest ?? now) + limits.failureWindowMs - now),
        };
      }
    }
    const bucket = this.take(kind, limits, now);
    if (bucket > 0) return { ok: false, limit: "rate", retryAfterMs: bucket };
    if (kind === "account") {
      ticket = this.sql
        .exec<{ ticket: number }>("INSERT INTO failures (at) VALUES (?) RETURNING ticket", now)
        .one().ticket;
    }
    // The alarm clears the object once every failure and bucket has aged out.
    const refillMs = Math.ceil((limits.burst / limits.perMinute) * 60_000);
    await this.keepUntil(now + Math.max(limits.failureWindowMs, refillMs));
    return { ok: true, ticket };
  }

  /** Address: the password was right; that attempt was no failure. */
  forgive(ticket: number): void {
    this.sql.exec("DELETE FROM failures WHERE ticket = ?", ticket);
  }

  /** Account: may anyone try a password for this account now? Counts the try if so. */
  async beginAccount(limits: AccountLimits): Promise<AccountGate> {
    const now = Date.now();
    const row = this.sql
      .exec<{ failures: number; last_at: number; locked_until: number }>("SELECT * FROM account")
      .toArray()[0];
    let failures = row && now - row.last_at < limits.resetMs ? row.failures : 0;
    const lockedUntil = row && failures > 0 ? row.locked_until : 0;
    if (lockedUntil > now) return { ok: false, retryAfterMs: lockedUntil - now };
    failures++;
    const over = failures - limits.freeFailures;
    // 2^over grows fast: cap the exponent before the multiplication can overflow.
    const delay = over > 0 ? Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** Math.min(over - 1, 40)) : 0;
    this.sql.exec(
      "INSERT OR REPLACE INTO account (id, failures, last_at, locked_until) VALUES (1, ?, ?, ?)",
      failures,
      now,
      now + delay,
    );
    await this.keepUntil(now + delay + limits.resetMs);
    return { ok: true };
  }

  /** Account: the right password; the delay starts over. */
  accountSucceeded(): void {
    this.sql.exec("DELETE FROM account");
  }

  /** What an admin sees before clearing. */
  state(): LimiterState {
    const failures = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM failures").one().n;
    const row = this.sql.exec<{ failures: number; locked_until: number }>("SELECT * FROM account").toArray()[0];
    const lockedUntil = row && row.locked_until > Date.now() ? row.locked_until : null;
    return { failures, accountFailures: row?.failures ?? 0, lockedUntil };
  }

  /** Admin: forget every failure, delay and bucket of this address or account. */
  async clear(): Promise<LimiterState> {
    const before = this.state();
    await this.ctx.storage.deleteAll();
    this.createTables();
    return before;
  }

  /** Nothing left worth keeping once the last window has passed. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.createTables();
  }

  /** Tokens: returns 0 when one was taken, else the ms until the next one. */
  private take(kind: LoginKind, { perMinute, burst }: AddressLimits, now: number): number {
    const row = this.sql
      .exec<{ tokens: number; at: number }>("SELECT tokens, at FROM buckets WHERE kind = ?", kind)
      .toArray()[0];
    const perMs = perMinute / 60_000;
    const tokens = row ? Math.min(burst, row.tokens + (now - row.at) * perMs) : burst;
    if (tokens < 1) return Math.max(1, Math.ceil((1 - tokens) / perMs));
    this.sql.exec("INSERT OR REPLACE INTO buckets (kind, tokens, at) VALUES (?, ?, ?)", kind, tokens - 1, now);
    return 0;
  }

  private async keepUntil(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current < at) await this.ctx.storage.setAlarm(at);
  }
}
