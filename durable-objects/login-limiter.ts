/**
 * Failed-login limiter, one object per client IPv4 address ("ip:<address>"). After too many
 * wrong passwords from one address within a window, logins from it are refused until the
 * oldest failure ages out — password guessing gets slow, everyone else is untouched.
 *
 * Env vars: LOGIN_MAX_FAILURES (default 10), LOGIN_FAILURE_WINDOW_SECONDS (default 600).
 */
import { DurableObject } from "cloudflare:workers";

export const DEFAULT_MAX_FAILURES = 10;
export const DEFAULT_FAILURE_WINDOW_SECONDS = 600;

export class LoginLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS failures (at INTEGER NOT NULL)");
  }

  /** May this address try a password now? */
  allowed({ max, windowMs }: LoginLimits): boolean {
    this.sql.exec("DELETE FROM failures WHERE at <= ?", Date.now() - windowMs);
    const n = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM failures").one().n;
    return n < max;
  }

  /** Records one wrong password; the alarm clears the object once the window has passed. */
  async failed({ windowMs }: LoginLimits): Promise<void> {
    const now = Date.now();
    this.sql.exec("INSERT INTO failures (at) VALUES (?)", now);
    await this.ctx.storage.setAlarm(now + windowMs);
  }

  /** Past the window of the last failure: nothing left worth keeping. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

export interface LoginLimits {
  readonly max: number;
  readonly windowMs: number;
}

/** Read by the Worker and passed along, so one place decides (and tests can override vars). */
export function loginLimits(env: object): LoginLimits {
  const vars = env as Record<string, string | undefined>;
  return {
    max: positiveInt(vars.LOGIN_MAX_FAILURES, DEFAULT_MAX_FAILURES),
    windowMs: positiveInt(vars.LOGIN_FAILURE_WINDOW_SECONDS, DEFAULT_FAILURE_WINDOW_SECONDS) * 1000,
  };
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The limiter for a client address ("ipv4:port" or "ipv4"). */
export function loginLimiter(env: Env, clientAddress: string): DurableObjectStub<LoginLimiter> {
  const ip = clientAddress.split(":")[0] || "unknown";
  return env.LOGIN_LIMITER.get(env.LOGIN_LIMITER.idFromName(`ip:${ip}`));
}
