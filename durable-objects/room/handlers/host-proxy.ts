/**
 * Reachability of a host's game port (§7.6): the bridge near the player probes it (TCP
 * connect, 3 s, as GoS) and, for Myth II 1.8 builds ≥ 428, proxies an unreachable host's game
 * through a port pair of its own. The room asks on the first create_game and holds the game
 * back from the lists until the answer; `.test` (Aleph One, A1S GameTester) asks for a probe
 * alone and answers in a blue message.
 */
import { familyOf } from "../../../protocol/families.ts";
import { parseIPv4 } from "../../../protocol/ipv4.ts";
import type { HostResult, ProbeOutcome } from "../../../tunnel/mux.ts";
import type { RoomCore } from "../core.ts";
import { blueMessage } from "../packets.ts";
import type { PlayerConnection } from "../state.ts";

/** GoS sends proxy_client_join (22) only to clients of this build and later (§5.26). */
export const FIRST_BUILD_WITH_HOST_PROXY = 428;

/** A game held back longer than this (probe 3 s, plus the tunnel) is listed at its next update. */
export const HOST_CHECK_GRACE_MS = 15_000;

export const PROXY_ENABLED_TEXT = "Your host does not appear to be joinable. Host proxy enabled.";
const NO_PROXY_FREE_TEXT = "Your host does not appear to be joinable, and no host proxy is free right now.";

export function supportsHostProxy(conn: PlayerConnection): boolean {
  return familyOf(conn.player.dialect) === "gos" && conn.player.build >= FIRST_BUILD_WITH_HOST_PROXY;
}

/**
 * On a host's first create_game: asks its bridge to check the game port unless the host's
 * setting is "off". True when a check is under way (the game waits for onHostResult).
 */
export function checkHostPort(room: RoomCore, conn: PlayerConnection, port: number): boolean {
  if (!supportsHostProxy(conn)) return false;
  const setting = conn.player.hostProxy ?? "unknown";
  if (setting === "off") return false;
  return room.out.hostCheck(conn.id, port, setting === "on" ? "proxy" : "auto");
}

export async function onHostResult(room: RoomCore, conn: PlayerConnection, result: HostResult): Promise<void> {
  if (result.mode === "probe") {
    room.reply(conn, blueMessage(testAnswer(result.port, result.probe)));
    return;
  }
  const game = room.gameOf(conn.player.userId);
  if (game?.proxy !== "checking") {
    // The game went while the bridge checked: give its ports back.
    if (result.proxy !== "") room.out.hostRelease(conn.id);
    return;
  }
  const player = conn.player;
  if ((player.hostProxy ?? "unknown") === "unknown" && result.probe !== "skipped") {
    // GoS: a reachable port turns the setting off, an unreachable one on, for the session.
    player.hostProxy = result.probe === "reachable" ? "off" : "on";
    room.save(conn);
  }
  const proxied = proxyAddress(result.proxy);
  if (proxied) {
    game.host = proxied.host;
    game.port = proxied.port;
    game.proxy = "proxied";
    room.reply(conn, blueMessage(PROXY_ENABLED_TEXT));
  } else {
    delete game.proxy;
    // Told only when a probe failed (a bridge without a pool does not probe: "skipped").
    if (result.probe !== "reachable" && result.probe !== "skipped") room.reply(conn, blueMessage(NO_PROXY_FREE_TEXT));
  }
  room.listGame(game);
  await room.reportCounts();
}

/** `.test`'s answer: whether players can reach the caller's game port, and what to do if not. */
export function testAnswer(port: number, probe: ProbeOutcome): string {
  switch (probe) {
    case "reachable":
      return `Your game port ${port} is reachable: other players can join your games.`;
    case "refused":
      return `Your game port ${port} refused the connection: start gathering first, or open the port in your firewall and router.`;
    case "timeout":
      return `Your game port ${port} did not answer in 3 seconds: forward port ${port} (TCP and UDP) to this computer so others can join.`;
    case "unreachable":
      return `Your address cannot be reached from the metaserver: others cannot join your games on port ${port}.`;
    case "skipped":
      return "The connection test is not available here.";
  }
}

function proxyAddress(text: string): { host: number; port: number } | null {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return null;
  const host = parseIPv4(text.slice(0, colon));
  const port = Number(text.slice(colon + 1));
  return host !== null && Number.isInteger(port) && port > 0 && port <= 0xffff ? { host, port } : null;
}
