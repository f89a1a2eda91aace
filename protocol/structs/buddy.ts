import type { PayloadReader } from "../reader.ts";
import type { PayloadWriter } from "../writer.ts";

/** Buddy slots: Bungie had 8, MythDev and Myth II "Build 101CL" on use 16 (§4.11). */
export const MAX_BUDDIES = 16;

/** buddy_entry (8 bytes): u32 player id, u8 active, 3 bytes padding. */
export interface BuddyEntry {
  readonly playerId: number;
  /** BNG declares 0 inactive, 1 unacknowledged, 2 active, 3 offline (link unverified). */
  readonly active: number;
}

export const BUDDY_ENTRY_SIZE = 8;

export function readBuddyEntry(r: PayloadReader, what = "buddy"): BuddyEntry {
  const playerId = r.u32(what);
  const active = r.u8(what);
  r.skip(3, what);
  return { playerId, active };
}

export function writeBuddyEntry(w: PayloadWriter, b: BuddyEntry): void {
  w.u32(b.playerId).u8(b.active).pad(3);
}

/** order_member (8 bytes): u32 player id, i32 online flag. */
export interface OrderMember {
  readonly playerId: number;
  readonly online: boolean;
}

export const ORDER_MEMBER_SIZE = 8;

export function readOrderMember(r: PayloadReader, what = "order member"): OrderMember {
  return { playerId: r.u32(what), online: r.i32(what) !== 0 };
}

export function writeOrderMember(w: PayloadWriter, m: OrderMember): void {
  w.u32(m.playerId).i32(m.online ? 1 : 0);
}
