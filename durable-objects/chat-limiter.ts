/**
 * Chat limiter: one object per client IPv4 address ("chat:<address>"), the chat budget of
 * every session behind that address across ALL rooms (issue 10, finding 1; as the rate limiter
 * object of Cloudflare's chat demo). Without it, 16 flooding sessions from one address spread
 * over rooms would each get a room's budget.
 *
 * The rooms do not ask per line (that would put a round trip on every chat line): a room asks
 * for a lease of up to N lines for an address and spends it locally, asking again when it is
 * spent (durable-objects/room/chat-guard.ts). Lines a room leased but never used are lost to
 * the address, so the lease only ever makes the budget stricter, by at most N per room.
 *
 * The bucket lives in memory: an evicted object forgets it, which only refills an idle
 * address (a flooding one keeps its object awake). The rate comes from the caller (edge/config.ts,
 * CHAT_ALL_ROOMS_* vars), as the LoginLimiter's do.
 */
import { DurableObject } from "cloudflare:workers";
import type { Rate } from "../edge/abuse/bucket.ts";
import type { ChatLease } from "../edge/contracts.ts";

/** A refused room waits at least this long before asking again: a flood costs ≤ 4 asks/s per room. */
export const LEASE_RETRY_MIN_MS = 250;

export class ChatLimiter extends DurableObject<Env> {
  private tokens: number | null = null;
  private at = 0;

  /** Up to `want` lines from the address's bucket; what is there, never more. */
  lease(want: number, rate: Rate): ChatLease {
    const now = Date.now();
    const tokens = this.tokens ?? rate.burst;
    const refilled = Math.min(rate.burst, tokens + (Math.max(0, now - this.at) * rate.perSecond) / 1000);
    const granted = Math.max(0, Math.min(Math.floor(want), Math.floor(refilled)));
    this.tokens = refilled - granted;
    this.at = now;
    if (granted > 0) return { granted, retryAfterMs: 0 };
    const toOne = ((1 - this.tokens) * 1000) / rate.perSecond;
    return { granted: 0, retryAfterMs: Math.max(LEASE_RETRY_MIN_MS, Math.ceil(toOne)) };
  }
}
