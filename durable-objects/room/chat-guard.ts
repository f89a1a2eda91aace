/**
 * Chat budgets of one room (issue 10, finding 1), pure over the room's clock:
 *
 *  - per user: `lines` (a few lines a second with a small burst, as PvPGN's 5 lines / 5 s); a
 *    line that repeats the user's previous one costs `repeatCost`. Over budget the line is
 *    dropped and counts a strike: the first strike gets one blue warning, `muteAfter` strikes a
 *    timed mute (every line dropped), `kickAfter` strikes a kick (21). Strikes are forgotten
 *    after `strikeMemoryMs` without one.
 *  - per client address: `addressLines`, larger than one user's (a LAN party behind one NAT
 *    chats too) but bounded, so many sessions from one address cannot multiply a user's
 *    budget. A line dropped by it counts a strike for its sender too.
 *  - per client address across ALL rooms: `allRooms`, kept by the address's ChatLimiter object
 *    (durable-objects/chat-limiter.ts). Asking it per line would put a round trip on every chat
 *    line, so the room leases `lease` lines at a time and spends them here, asking again only when
 *    they are spent (or, refused, after the limiter's retry time: a flood asks ≤ 4 times a second).
 *    A line it drops counts a strike too. If the limiter cannot be reached the room grants itself
 *    a lease (fails open): the per-room budgets above still hold.
 *  - per target of directed messages (201): `whisperTarget`, shared by every sender, so a
 *    victim of a whisper bomb gets a bounded stream (and is never dropped as too slow to read).
 *  - request_full_update (110, ~27 KB out): `fullUpdates` per connection; over it, dropped
 *    with one blue note per strike period.
 *
 * State lives in memory: a room that hibernates forgets budgets, which only ever helps a quiet
 * user (a flooder keeps the room awake).
 */

import { type Bucket, fullBucket, type Rate, take } from "../../edge/abuse/bucket.ts";
import { type LimitName, limitHit } from "../../edge/abuse/counters.ts";
import type { ChatLimits } from "../../edge/config.ts";
import type { ChatLease } from "../../edge/contracts.ts";

export type { ChatLimits };

/** What the handler does with a line. */
export type ChatVerdict =
  | { readonly kind: "pass" }
  | { readonly kind: "drop"; readonly tell?: string }
  | { readonly kind: "kick"; readonly reason: string };

interface UserChat {
  bucket: Bucket;
  lastText: string | null;
  strikes: number;
  lastStrikeAt: number;
  mutedUntil: number;
}

export const WARN_TEXT = "You are sending messages too fast; slow down or you will be muted.";
export const muteText = (seconds: number) => `You are muted for ${seconds} s for flooding the room.`;
export const KICK_REASON = "Kicked for flooding the room.";
export const FULL_UPDATE_TEXT = "Room updates are limited; wait a few seconds before asking again.";

const PASS: ChatVerdict = { kind: "pass" };

/** Asks the address's ChatLimiter for up to `want` lines (RoomServices.chatLease). */
export type LeaseLines = (address: string, want: number, rate: Rate) => Promise<ChatLease>;

/** Lines of the address's all-rooms budget this room holds. */
interface AddressLease {
  tokens: number;
  deniedUntil: number;
  pending: Promise<void> | null;
}

/** Who sent a line, for the limits that act on a player (a mute, a kick: audited by edge/abuse/signals.ts). */
export interface ChatSender {
  /** The audit target: `user:<id>` or `guest:<name>`. */
  readonly target: string;
  readonly roomId: number;
}

export class ChatGuard {
  private readonly users = new Map<number, UserChat>();
  private readonly addresses = new Map<string, Bucket>();
  private readonly targets = new Map<number, Bucket>();
  private readonly fullUpdates = new Map<string, { bucket: Bucket; toldAt: number }>();
  private readonly leases = new Map<string, AddressLease>();

  /** Without `leaseLines` there is no all-rooms budget (a room alone, as in some unit tests). */
  constructor(
    private readonly limits: () => ChatLimits,
    private readonly leaseLines?: LeaseLines,
  ) {}

  /**
   * A room_broadcast or directed line from `userId` at `address`. Synchronous while the room holds
   * lines of the address's all-rooms lease; a promise only when it must ask for more.
   */
  line(
    userId: number,
    address: string,
    text: string,
    now: number,
    sender?: ChatSender,
  ): ChatVerdict | Promise<ChatVerdict> {
    const limits = this.limits();
    const user = this.user(userId, now, limits);
    if (user.strikes > 0 && now - user.lastStrikeAt > limits.strikeMemoryMs) user.strikes = 0;
    const repeat = user.lastText === text;
    user.lastText = text;
    const who = { userId, address, sender };
    if (user.mutedUntil > now) return this.strike(user, who, limits, now, "chat_dropped");
    if (!take(user.bucket, limits.lines, now, repeat ? limits.repeatCost : 1)) {
      return this.strike(user, who, limits, now, "chat_dropped");
    }
    const byAddress = this.addressBucket(address, now, limits);
    if (!take(byAddress, limits.addressLines, now)) return this.strike(user, who, limits, now, "chat_address_dropped");
    return this.allRooms(user, who, limits, now);
  }

  /** The address's budget across all rooms, spent from this room's lease. */
  private allRooms(
    user: UserChat,
    who: { userId: number; address: string; sender: ChatSender | undefined },
    limits: ChatLimits,
    now: number,
  ): ChatVerdict | Promise<ChatVerdict> {
    const leaseLines = this.leaseLines;
    if (!leaseLines) return PASS;
    const lease = getOrAdd(this.leases, who.address, () => ({ tokens: 0, deniedUntil: 0, pending: null }));
    if (lease.tokens >= 1) {
      lease.tokens--;
      return PASS;
    }
    if (now < lease.deniedUntil) return this.strike(user, who, limits, now, "chat_all_rooms_dropped");
    // Lines that arrive while the room asks wait for the same answer; those the lease does not
    // cover ask again (unless the limiter refused), so a burst larger than a lease is not dropped.
    lease.pending ??= this.refill(lease, who.address, limits, now, leaseLines);
    return lease.pending.then(() => this.allRooms(user, who, limits, now));
  }

  private async refill(
    lease: AddressLease,
    address: string,
    limits: ChatLimits,
    now: number,
    leaseLines: LeaseLines,
  ): Promise<void> {
    try {
      const got = await leaseLines(address, limits.lease, limits.allRooms);
      lease.tokens += got.granted;
      if (got.granted === 0) lease.deniedUntil = now + Math.max(1, got.retryAfterMs);
    } catch (e) {
      // Fail open: a limiter that is down must not silence every room; the per-room budgets hold.
      console.warn(`chat limiter for ${address} failed: ${(e as Error).message}`);
      lease.tokens += limits.lease;
    } finally {
      lease.pending = null;
    }
  }

  /** A directed message passed its sender's budget: may its target get one more? */
  whisperTo(targetId: number, senderId: number, now: number): boolean {
    const limits = this.limits();
    const bucket = getOrAdd(this.targets, targetId, () => fullBucket(limits.whisperTarget, now));
    if (take(bucket, limits.whisperTarget, now)) return true;
    limitHit({ limit: "whisper_dropped", subject: String(targetId), detail: { from: senderId } });
    return false;
  }

  /** request_full_update from a connection: pass, or drop with a note at most once per burst. */
  fullUpdate(connId: string, userId: number, now: number): ChatVerdict {
    const limits = this.limits();
    const entry = getOrAdd(this.fullUpdates, connId, () => ({
      bucket: fullBucket(limits.fullUpdates, now),
      toldAt: Number.NEGATIVE_INFINITY,
    }));
    if (take(entry.bucket, limits.fullUpdates, now)) return PASS;
    limitHit({ limit: "full_update_dropped", subject: String(userId) });
    if (now - entry.toldAt < limits.strikeMemoryMs) return { kind: "drop" };
    entry.toldAt = now;
    return { kind: "drop", tell: FULL_UPDATE_TEXT };
  }

  /**
   * A connection left. Its user's state goes too unless it has strikes (a rejoin keeps them);
   * the address and target maps shed buckets that have refilled once they grow large.
   */
  left(connId: string, userId: number | undefined, now: number): void {
    this.fullUpdates.delete(connId);
    if (userId !== undefined && (this.users.get(userId)?.strikes ?? 0) === 0) this.users.delete(userId);
    const limits = this.limits();
    sweep(this.addresses, limits.addressLines, now);
    sweep(this.targets, limits.whisperTarget, now);
    if (this.leases.size > SWEEP_ABOVE) {
      // A dropped lease loses its unspent lines: stricter, never looser.
      for (const [address, lease] of this.leases)
        if (!lease.pending && lease.deniedUntil <= now) this.leases.delete(address);
    }
  }

  /**
   * Every strike counts its limit (chat_dropped, chat_address_dropped: counters only); the warning,
   * the mute and the kick count theirs too, and the mute and the kick carry who and where, since
   * they act on the player (audited as limit.chat_mute and limit.chat_kick).
   */
  private strike(
    user: UserChat,
    who: { userId: number; address: string; sender: ChatSender | undefined },
    limits: ChatLimits,
    now: number,
    limit: LimitName,
  ): ChatVerdict {
    const userId = who.userId;
    user.strikes++;
    user.lastStrikeAt = now;
    limitHit({ limit, subject: String(userId) });
    const acted = {
      address: who.address,
      ...(who.sender ? { target: who.sender.target, roomId: who.sender.roomId } : {}),
    };
    if (user.strikes >= limits.kickAfter) {
      limitHit({ limit: "chat_kicked", subject: String(userId), ...acted, detail: { strikes: user.strikes } });
      this.users.delete(userId);
      return { kind: "kick", reason: KICK_REASON };
    }
    if (user.strikes === limits.muteAfter) {
      user.mutedUntil = now + limits.muteMs;
      limitHit({ limit: "chat_muted", subject: String(userId), ...acted, detail: { seconds: limits.muteMs / 1000 } });
      return { kind: "drop", tell: muteText(Math.ceil(limits.muteMs / 1000)) };
    }
    if (user.strikes === 1) {
      limitHit({ limit: "chat_warned", subject: String(userId) });
      return { kind: "drop", tell: WARN_TEXT };
    }
    return { kind: "drop" };
  }

  private user(userId: number, now: number, limits: ChatLimits): UserChat {
    let user = this.users.get(userId);
    if (!user) {
      user = { bucket: fullBucket(limits.lines, now), lastText: null, strikes: 0, lastStrikeAt: 0, mutedUntil: 0 };
      this.users.set(userId, user);
    }
    return user;
  }

  private addressBucket(address: string, now: number, limits: ChatLimits): Bucket {
    return getOrAdd(this.addresses, address, () => fullBucket(limits.addressLines, now));
  }
}

const SWEEP_ABOVE = 4096;

/** Drops buckets that would be full by now: they hold nothing a new one would not. */
function sweep<K>(map: Map<K, Bucket>, rate: Rate, now: number): void {
  if (map.size <= SWEEP_ABOVE) return;
  for (const [key, bucket] of map) {
    if (bucket.tokens + ((now - bucket.at) * rate.perSecond) / 1000 >= rate.burst) map.delete(key);
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
