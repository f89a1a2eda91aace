/**
 * Keepalive policy per client family (§7.5), handed to the bridge in a text control frame
 * `{"t":"keepalive","intervalMs":N,"timeoutMs":M}` right after room login. The bridge sends
 * 202 after N ms of silence from the client, drops the client after M ms of silence, and
 * swallows the client's 202 replies, so a quiet room can hibernate instead of waking for timers.
 */
import type { Dialect } from "../../protocol/dialect.ts";

export interface KeepalivePolicy {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export function keepaliveFor(dialect: Dialect): KeepalivePolicy {
  switch (dialect) {
    case "myth2":
      // GoS: 202 every 3 minutes, read timeout 10 minutes (in-game clients are quiet for 3 min).
      return { intervalMs: 180_000, timeoutMs: 600_000 };
    case "marathon":
      // A1S: probe after 10 s of silence, disconnect 10 s later.
      return { intervalMs: 10_000, timeoutMs: 20_000 };
    default:
      // Bungie room daemon: ping after 15 s, drop after more than 3 unanswered pings.
      return { intervalMs: 15_000, timeoutMs: 60_000 };
  }
}
