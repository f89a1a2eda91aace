/**
 * The bans in force, held by the Directory so a login and a room login check them without a
 * D1 round trip of their own (they already call the directory). Every new ban reaches it
 * through enforceBan and every lift through banLifted; it is also re-read from D1 at most a
 * minute after the last read, so a missed notice heals by itself. Expiry is a time check.
 */
import { listBans } from "../../edge/moderation/bans.ts";
import { type Ban, banCovers, isActive } from "../../edge/moderation/rules.ts";

/** How stale the copy may get before it is read again (it is also updated on every change). */
const RELOAD_MS = 60_000;
/** Bans in force beyond this many are read from D1 the next time (a server has a handful). */
const MAX_CACHED = 10_000;

export interface BanSubject {
  userId: number | null;
  guest: boolean;
  userName: string;
  clientAddress: string;
}

export class BanCache {
  private bans: Map<number, Ban> | null = null;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly db: () => D1Database) {}

  /** The ban in force covering `who` (the longest one), or null. */
  async find(who: BanSubject, now = Date.now()): Promise<Ban | null> {
    await this.fresh(now);
    let found: Ban | null = null;
    for (const ban of (this.bans as Map<number, Ban>).values()) {
      if (!isActive(ban, now) || !banCovers(ban, who)) continue;
      if (!found || ban.expiresAt === null || (found.expiresAt !== null && ban.expiresAt > found.expiresAt))
        found = ban;
    }
    return found;
  }

  added(ban: Ban): void {
    this.bans?.set(ban.id, ban);
  }

  lifted(id: number): void {
    this.bans?.delete(id);
  }

  private async fresh(now: number): Promise<void> {
    if (this.bans && now - this.loadedAt < RELOAD_MS) return;
    this.loading ??= (async () => {
      try {
        const rows = await listBans(this.db(), { active: true, limit: MAX_CACHED }, now);
        this.bans = new Map(rows.map((b) => [b.id, b]));
        this.loadedAt = now;
      } finally {
        this.loading = null;
      }
    })();
    await this.loading;
  }
}
