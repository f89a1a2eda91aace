/**
 * A TCP proxy between the bridge and the edge's HTTP port that cuts connections at random
 * (check 4): on a seeded schedule it destroys one open connection (both sides at once, as a
 * broken network path does) and, for a short blackout after each cut, destroys new
 * connections as they arrive, so the bridge's reconnect meets a dead edge for a moment.
 * It reads each connection's HTTP request line, so a cut is known to be of a room's tunnel,
 * the login tunnel or a plain request.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { between, seededRandom } from "./rng.ts";

export interface CutPlan {
  /** Offset from the start of cutting, ms. */
  readonly atMs: number;
  /** Picks the victim among the connections open then (index = floor(pick × open)). */
  readonly pick: number;
  /** New connections are refused for this long after the cut, ms. */
  readonly blackoutMs: number;
}

export interface ScheduleOptions {
  readonly durationMs: number;
  readonly minGapMs: number;
  readonly maxGapMs: number;
  readonly maxBlackoutMs: number;
}

/** The cuts for a seed: gaps uniform in [minGap, maxGap], all within the duration. Pure. */
export function cutSchedule(seed: number, o: ScheduleOptions): CutPlan[] {
  const random = seededRandom(seed);
  const plan: CutPlan[] = [];
  for (
    let at = between(random, o.minGapMs, o.maxGapMs);
    at < o.durationMs;
    at += between(random, o.minGapMs, o.maxGapMs)
  ) {
    plan.push({ atMs: at, pick: random(), blackoutMs: between(random, 0, o.maxBlackoutMs) });
  }
  return plan;
}

export interface ProxiedConnection {
  readonly id: number;
  /** The HTTP request path, once its first line has been read ("" before). */
  path: string;
  readonly openedAt: number;
  closedAt: number | null;
}

export interface Cut {
  /** performance.now() of the cut. */
  readonly at: number;
  readonly path: string;
  readonly connectionId: number;
}

export interface CuttingProxy {
  readonly port: number;
  readonly connections: readonly ProxiedConnection[];
  readonly cuts: readonly Cut[];
  /** Connections destroyed on arrival during a blackout. */
  refused(): number;
  /** Runs the plan from now; resolves when its last cut is done. */
  cut(plan: readonly CutPlan[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * `target` is asked per connection: the edge's port is known only once the stack has picked
 * it, after the proxy must already listen (the bridge is started pointing at it).
 */
export async function startCuttingProxy(target: () => { host: string; port: number } | null): Promise<CuttingProxy> {
  const open = new Map<number, { conn: ProxiedConnection; sockets: Socket[] }>();
  const connections: ProxiedConnection[] = [];
  const cuts: Cut[] = [];
  let nextId = 1;
  let blackoutUntil = 0;
  let refused = 0;
  let stopped = false;

  const server: Server = createServer((down) => {
    const to = target();
    if (stopped || to === null || performance.now() < blackoutUntil) {
      refused++;
      down.destroy();
      return;
    }
    const conn: ProxiedConnection = { id: nextId++, path: "", openedAt: performance.now(), closedAt: null };
    connections.push(conn);
    const up = tcpConnect({ host: to.host, port: to.port });
    const entry = { conn, sockets: [down, up] };
    open.set(conn.id, entry);
    let head = "";
    down.on("data", (chunk: Buffer) => {
      if (!conn.path) {
        head += chunk.toString("latin1");
        const line = head.split("\r\n", 1)[0] ?? "";
        if (head.includes("\r\n")) conn.path = line.split(" ")[1] ?? "?";
      }
    });
    down.pipe(up);
    up.pipe(down);
    const end = () => {
      if (conn.closedAt === null) conn.closedAt = performance.now();
      open.delete(conn.id);
      down.destroy();
      up.destroy();
    };
    for (const s of [down, up]) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  const port = await listenOnLoopback(server, "proxy");

  return {
    port,
    connections,
    cuts,
    refused: () => refused,
    async cut(plan) {
      const start = performance.now();
      for (const step of plan) {
        const wait = start + step.atMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (stopped) return;
        const victims = [...open.values()];
        if (victims.length === 0) continue;
        const victim = victims[Math.min(victims.length - 1, Math.floor(step.pick * victims.length))];
        if (!victim) continue;
        cuts.push({ at: performance.now(), path: victim.conn.path, connectionId: victim.conn.id });
        blackoutUntil = performance.now() + step.blackoutMs;
        for (const s of victim.sockets) s.destroy();
      }
    },
    async close() {
      stopped = true;
      for (const { sockets } of open.values()) for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Listens on an ephemeral loopback port; resolves with it. */
export async function listenOnLoopback(server: Server, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`${what} has no port`);
  return address.port;
}
