/**
 * Failed-login limiter, one object per client IPv4 address ("ip:<address>"). After too many
 * wrong passwords from one address within a window, logins from it are refused until the
 * oldest failure ages out — password guessing gets slow, everyone else is untouched.
 *
 * The limits come from the caller (edge/config.ts: LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS).
 */
import { DurableObject } from "cloudflare:workers";

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
