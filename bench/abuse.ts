/**
 * `npm run bench -- abuse`: honest chat under a flood (issue 10). One self-started stack (in this
 * process, loopback, in-memory state) with the DEFAULT chat budgets, and two phases in the same
 * invocation:
 *   1. plain: honest clients only (seed's shape: rooms of 32, each client chatting; at 1 line/s
 *      each, a person's rate, since seed's ~8 lines/s per client is itself over the default budget);
 *   2. abuse: the same honest load plus flooders (one address, many sessions spread over the
 *      rooms, each sending as fast as the bridge lets it) and a whisper bomber at one honest client.
 * Honest clients come from 127.0.0.(20+i) (each its own address), flooders from 127.0.0.5, the
 * bomber from 127.0.0.6. It prints honest p99 of both phases and passes when the abuse phase's
 * p99 is within 2× of the plain one (or under 50 ms, when plain is too fast to double
 * meaningfully) and every honest line reached every honest client in its room.
 * Flags: --clients N (honest, default 64) --rooms N (default 2) --duration S per phase (default 10).
 */
import { performance } from "node:perf_hooks";
import { joinRoom, login, type RoomSession } from "../client/flows.ts";
import type { Received } from "../client/legacy-client.ts";
import { EDGE_VARS } from "../edge/config.ts";
import { type LocalStack, startLocalStack } from "../scripts/local-stack.ts";
import { summarize } from "./histogram.ts";

export interface AbuseBenchOptions {
  readonly clients: number;
  readonly rooms: number;
  readonly durationS: number;
  readonly flooders: number;
  readonly timeoutS: number;
}

export const ABUSE_DEFAULTS: AbuseBenchOptions = { clients: 64, rooms: 2, durationS: 10, flooders: 16, timeoutS: 300 };

/** The chat budgets as shipped (the stack would otherwise take the loopback/bench lifts). */
const DEFAULT_CHAT_VARS = Object.fromEntries(
  Object.entries(EDGE_VARS)
    .filter(([name]) => /^(CHAT_|WHISPER_|FULL_UPDATE)/.test(name))
    .map(([name, row]) => [name, String(row.default)]),
);

interface Client {
  readonly room: number;
  readonly session: RoomSession;
}

interface PhaseResult {
  readonly sent: number;
  readonly expected: number;
  readonly received: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export async function runAbuseBench(o: AbuseBenchOptions): Promise<boolean> {
  const rooms = Array.from({ length: o.rooms }, (_, id) => ({ id, game: "myth2", type: "unranked", capacity: 64 }));
  const stack = await startLocalStack({
    roomPorts: "ephemeral",
    roomConfig: JSON.stringify(rooms),
    vars: { MAX_ROOM_CAPACITY: "999", ...DEFAULT_CHAT_VARS },
  });
  const timer = setTimeout(() => {
    console.error(`abuse: over ${o.timeoutS} s, giving up`);
    process.exit(1);
  }, o.timeoutS * 1000);
  try {
    const honest = await joinMany(stack, o.clients, (i) => ({
      name: `hon${i}`,
      room: i % o.rooms,
      address: `127.0.0.${20 + (i % 200)}`,
    }));
    const plain = await phase(honest, o.durationS, () => {});
    const flooders = await joinMany(stack, o.flooders, (i) => ({
      name: `fl${i}`,
      room: i % o.rooms,
      address: "127.0.0.5",
    }));
    const [bomber] = await joinMany(stack, 1, () => ({ name: "bomber", room: 0, address: "127.0.0.6" }));
    const victim = honest[0] as Client;
    let floodLines = 0;
    const abuse = await phase(honest, o.durationS, () => {
      // Every 10 ms: one line per flooder and 5 whispers, the bridge's 100 packets/s per client.
      for (const f of flooders) if (f.session.client.isOpen) f.session.chat(`flood ${floodLines++}`);
      if (bomber?.session.client.isOpen)
        for (let k = 0; k < 5; k++) bomber.session.whisper(victim.session.userId, `bomb ${k}`, false);
    });
    const kicked = flooders.filter((f) => f.session.kickedReason !== null).length;
    const within = abuse.p99 <= Math.max(2 * plain.p99, 50);
    const noLoss = plain.received === plain.expected && abuse.received === abuse.expected;
    const line = (name: string, r: PhaseResult) =>
      `  ${name.padEnd(6)} honest lines ${r.sent}, delivered ${r.received}/${r.expected}, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`;
    console.log(
      [
        `== abuse: ${o.clients} honest clients in ${o.rooms} rooms (1 line/s each), ${o.durationS} s per phase; ${o.flooders} flooders from one address, 1 whisper bomber`,
        line("plain", plain),
        line("abuse", abuse),
        `  flooders kicked ${kicked}/${o.flooders}, bomber ${bomber?.session.kickedReason ? "kicked" : "still in"}, victim ${victim.session.client.isOpen ? "connected" : "DROPPED"}`,
        `  ${within ? "PASS" : "FAIL"} p99 within 2× of plain (${abuse.p99} vs ${plain.p99} ms); ${noLoss ? "PASS" : "FAIL"} nothing lost for honest clients`,
      ].join("\n"),
    );
    await Promise.all(
      [...honest, ...flooders, ...(bomber ? [bomber] : [])].map((c) => c.session.leave().catch(() => {})),
    );
    return within && noLoss && victim.session.client.isOpen;
  } finally {
    clearTimeout(timer);
    await stack.stop();
  }
}

async function joinMany(
  stack: LocalStack,
  n: number,
  spec: (i: number) => { name: string; room: number; address: string },
): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = Array.from({ length: Math.min(8, n - i) }, (_, k) => spec(i + k));
    out.push(
      ...(await Promise.all(
        batch.map(async ({ name, room, address }) => {
          const result = await login(stack.host, stack.loginPort, {
            dialect: "myth2",
            // Myth II 1.8 (GoS): a guest is any name with an empty password.
            user: name,
            password: "",
            nick: name,
            timeoutMs: 60_000,
            localAddress: address,
          });
          const port = stack.roomPorts.get(room);
          if (port === undefined) throw new Error(`no port for room ${room}`);
          const session = await joinRoom(stack.host, port, {
            dialect: "myth2",
            token: result.token,
            userName: name,
            playerData: result.playerData,
            timeoutMs: 60_000,
            localAddress: address,
          });
          return { room, session };
        }),
      )),
    );
  }
  return out;
}

/** Each honest client chats once a second (spread over the second) while `tick` runs every 10 ms. */
async function phase(honest: readonly Client[], durationS: number, tick: () => void): Promise<PhaseResult> {
  const latencies: number[] = [];
  let received = 0;
  const stops = honest.map((c) => {
    const listener = ({ message }: Received) => {
      if (message.type !== 200 || !message.text.startsWith("h ")) return;
      received++;
      latencies.push(performance.now() - Number(message.text.slice(2)));
    };
    c.session.client.on("message", listener);
    return () => c.session.client.off("message", listener);
  });
  const perRoom = new Map<number, number>();
  for (const c of honest) perRoom.set(c.room, (perRoom.get(c.room) ?? 0) + 1);
  let sent = 0;
  let expected = 0;
  const start = performance.now();
  const ticker = setInterval(tick, 10);
  const senders = honest.map(async (c, i) => {
    await sleep((i / honest.length) * 1000);
    for (let s = 0; s < durationS; s++) {
      c.session.chat(`h ${performance.now()}`);
      sent++;
      // The sender hears its own broadcast too.
      expected += perRoom.get(c.room) ?? 0;
      await sleep(Math.max(0, start + (i / honest.length) * 1000 + (s + 1) * 1000 - performance.now()));
    }
  });
  await Promise.all(senders);
  clearInterval(ticker);
  const settleBy = performance.now() + 10_000;
  while (received < expected && performance.now() < settleBy) await sleep(100);
  for (const stop of stops) stop();
  const s = summarize(latencies);
  return { sent, expected, received, p50: s.p50, p99: s.p99, max: s.max };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
