/**
 * Is a host's game port reachable from here? A TCP connect to the player's address and game
 * port, given up after the timeout (GoS: 3 s). The bridge is the one to ask: it sits where
 * the joiners' packets would come from, the edge does not.
 */
import { connect } from "node:net";
import type { ProbeOutcome } from "../../tunnel/mux.ts";

export const DEFAULT_PROBE_TIMEOUT_MS = 3_000;

export function probe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  if (port < 1 || port > 0xffff) return Promise.resolve("unreachable");
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const done = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done("timeout"), timeoutMs);
    timer.unref();
    socket.once("connect", () => done("reachable"));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done(error.code === "ECONNREFUSED" ? "refused" : error.code === "ETIMEDOUT" ? "timeout" : "unreachable"),
    );
  });
}
