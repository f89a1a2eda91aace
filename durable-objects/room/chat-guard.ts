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

  constructor(private readonly limits: () => ChatLimits) {}

  /** A room_broadcast or directed line from `userId` at `address`. */
  line(userId: number, address: string, text: string, now: number, sender?: ChatSender): ChatVerdict {
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
    return PASS;
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
