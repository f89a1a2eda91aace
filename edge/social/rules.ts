/** Social rules that need no storage (the room core imports these; it runs in plain Node too). */
import type { Dialect } from "../../protocol/dialect.ts";
import { MAX_BUDDIES } from "../../protocol/structs/buddy.ts";

/**
 * Buddy slots of a client (§4.11, §10): Bungie's clients had 8; MythDev and Myth II 1.8 (the
 * "Build 101CL" change, GoS MAXIMUM_BUDDIES) have 16. We give 16 to the "myth2" dialect (Myth II
 * 1.8, and MythDev clients, which encrypt and so take that path) and 8 to every Bungie-path Myth
 * client (MYTH/MYTH2 unencrypted, Myth TFL, Myth III); Aleph One has no buddy window (0).
 */
export function buddyLimit(dialect: Dialect): number {
  switch (dialect) {
    case "myth2":
      return MAX_BUDDIES;
    case "marathon":
      return 0;
    default:
      return 8;
  }
}

/** "unavailable": storage failed (the room answers the list it can). */
export type UpdateBuddyResult = { ok: true } | { ok: false; reason: "full" | "unknown" | "self" | "unavailable" };
