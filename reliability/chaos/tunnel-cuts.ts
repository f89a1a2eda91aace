/**
 * Check 4: the bridge's tunnels to the edge go through a proxy that cuts connections at
 * random (seeded), with short blackouts after each cut, while honest players chat numbered
 * lines in a room. A player whose connection dies logs in again and re-enters, as a real
 * client does.
 * Pass: no line delivered twice or out of order to any client (per sender session); every
 * client that was in the room when its room tunnel was cut is disconnected within 5 s (never
 * left connected to a bridge whose tunnel is gone); after the cuts stop every client still
 * connected hears every other one (nobody half-alive); nothing crashes.
 */
import { MessageType } from "../../protocol/message-types.ts";
import { type ReliabilityStack, startReliabilityStack } from "../stack.ts";
import type { Check, CheckContext, Verdict } from "./check.ts";
import { cutSchedule, startCuttingProxy } from "./cutting-proxy.ts";
import { address, createUser, enter, loginAt, type Player, sleep } from "./players.ts";
import { SequenceChecker } from "./sequence.ts";

const PLAYERS = 8;
const CUT_FOR_MS = 20_000;
const LINE_EVERY_MS = 50;
const DISCONNECT_BOUND_MS = 5_000;
/** Bridge events that are the check's own doing (tunnels cut on purpose), not defects. */
export const EXPECTED_TUNNEL_ERRORS = /"event":"tunnel\.(lost|error)"/;

interface Seat {
  readonly name: string;
  readonly address: string;
  sessions: number;
  player: Player | null;
  /** Sessions so far: when each joined and when it closed (null while open). */
  readonly history: { joinedAt: number; closedAt: number | null; stream: string }[];
  rejoinFailures: number;
}

export const tunnelCuts: Check = {
  name: "tunnel-cuts",
  description: "tunnels cut at random under chat load: no duplicate or out-of-order line, dead tunnel ⇒ disconnected",
  deadlineMs: 100_000,
  async run(ctx, v) {
    let edge: { host: string; port: number } | null = null;
    const proxy = await startCuttingProxy(() => edge);
    try {
      const stack = await startReliabilityStack({
        rooms: [{ id: 0, name: "Chat", game: "myth2", type: "unranked" }],
        verbose: ctx.verbose,
        edgeUrlForBridge: (edgeUrl) => {
          const url = new URL(edgeUrl);
          edge = { host: url.hostname, port: Number(url.port) };
          return `http://127.0.0.1:${proxy.port}/`;
        },
      });
      try {
        await exercise(stack, proxy, ctx, v);
      } finally {
        await stack.stop();
      }
    } finally {
      await proxy.close();
    }
  },
};

async function exercise(
  stack: ReliabilityStack,
  proxy: Awaited<ReturnType<typeof startCuttingProxy>>,
  ctx: CheckContext,
  v: Verdict,
): Promise<void> {
  const checker = new SequenceChecker();
  const seats: Seat[] = [];
  for (let i = 0; i < PLAYERS; i++) {
    const name = `tc${i}`;
    await createUser(stack, name, `pw-${name}`);
    seats.push({ name, address: address(i), sessions: 0, player: null, history: [], rejoinFailures: 0 });
  }
  let running = true;

  /** One session: join, then chat numbered lines until the connection dies. */
  const seatLoop = async (seat: Seat) => {
    while (running) {
      let p: Player;
      try {
        const result = await loginAt(stack, seat.name, `pw-${seat.name}`, seat.address);
        const session = await enter(stack, result, seat.name, 0, seat.address);
        p = { name: seat.name, password: "", address: seat.address, login: result, session, userId: session.userId };
      } catch {
        seat.rejoinFailures++;
        await sleep(200);
        continue;
      }
      const stream = `${seat.name}/${++seat.sessions}`;
      const record = { joinedAt: performance.now(), closedAt: null as number | null, stream };
      seat.history.push(record);
      seat.player = p;
      const me = stream;
      p.session.client.on("message", ({ message }) => {
        if (message.type !== MessageType.RoomBroadcast) return;
        const m = /^seq (\S+) (\d+)$/.exec(message.text);
        if (m) checker.receive(me, m[1] as string, Number(m[2]));
      });
      const closed = p.session.client.closed.then(() => {
        record.closedAt = performance.now();
      });
      let n = 0;
      while (running && p.session.client.isOpen) {
        try {
          p.session.chat(`seq ${stream} ${++n}`);
        } catch {
          break; // closed under us
        }
        await sleep(LINE_EVERY_MS);
      }
      if (!running) return;
      await closed;
    }
  };

  const loops = seats.map(seatLoop);
  // Everyone in before the first cut.
  const until = Date.now() + 20_000;
  while (seats.some((s) => !s.player) && Date.now() < until) await sleep(100);
  v.expect(
    seats.every((s) => s.player),
    "not every player joined before the cuts",
  );

  const plan = cutSchedule(ctx.seed, { durationMs: CUT_FOR_MS, minGapMs: 800, maxGapMs: 3_000, maxBlackoutMs: 1_000 });
  ctx.log(`tunnel-cuts: ${plan.length} cuts over ${CUT_FOR_MS / 1000} s`);
  await proxy.cut(plan);
  // Let the last cut's reconnects settle, then stop chatting.
  await sleep(3_000);
  running = false;

  // Liveness: every client connected now hears a fresh line from every other one.
  const alive = seats.flatMap((s) => (s.player?.session.client.isOpen ? [s] : []));
  await sleep(500);
  const heard = new Map<string, Set<string>>();
  for (const s of alive) {
    const got = new Set<string>();
    heard.set(s.name, got);
    s.player?.session.client.on("message", ({ message }) => {
      if (message.type === MessageType.RoomBroadcast && message.text.startsWith("alive "))
        got.add(message.text.slice(6));
    });
  }
  for (const s of alive) {
    try {
      s.player?.session.chat(`alive ${s.name}`);
    } catch {
      // closed meanwhile: it will be missing from the others' sets
    }
  }
  const liveDeadline = Date.now() + 5_000;
  const allHeard = () =>
    alive.every(
      (s) => alive.every((o) => o === s || heard.get(s.name)?.has(o.name)) || !s.player?.session.client.isOpen,
    );
  while (!allHeard() && Date.now() < liveDeadline) await sleep(50);
  const halfAlive = alive.filter(
    (s) => s.player?.session.client.isOpen && !alive.every((o) => o === s || heard.get(s.name)?.has(o.name)),
  );

  // A client in the room when its room tunnel was cut must be disconnected within the bound.
  const roomCuts = proxy.cuts.filter((c) => c.path.startsWith("/tunnel/v2/room/"));
  let worstDisconnectMs = 0;
  let notDisconnected = 0;
  for (const cut of roomCuts) {
    for (const seat of seats) {
      for (const h of seat.history) {
        if (h.joinedAt >= cut.at || (h.closedAt !== null && h.closedAt < cut.at)) continue;
        const after = (h.closedAt ?? Number.POSITIVE_INFINITY) - cut.at;
        if (after > DISCONNECT_BOUND_MS) notDisconnected++;
        else worstDisconnectMs = Math.max(worstDisconnectMs, after);
      }
    }
  }

  const counts = checker.counts();
  const errorsUnexpected = stack.logErrors.filter((e) => !EXPECTED_TUNNEL_ERRORS.test(e.line));
  const expectedErrors = stack.logErrors.length - errorsUnexpected.length;
  v.figure("cuts", proxy.cuts.length);
  v.figure("roomTunnelCuts", roomCuts.length);
  v.figure("loginTunnelCuts", proxy.cuts.filter((c) => c.path === "/tunnel/v2/login").length);
  v.figure("refusedDuringBlackouts", proxy.refused());
  v.figure(
    "sessions",
    seats.reduce((n, s) => n + s.sessions, 0),
  );
  v.figure(
    "failedRejoins",
    seats.reduce((n, s) => n + s.rejoinFailures, 0),
  );
  v.figure("messagesChecked", counts.checked);
  v.figure("duplicates", counts.duplicates);
  v.figure("outOfOrder", counts.outOfOrder);
  v.figure("worstDisconnectAfterCutMs", Math.round(worstDisconnectMs));
  v.figure("leftConnectedAfterCut", notDisconnected);
  v.figure("aliveAtEnd", alive.length);
  v.figure("halfAlive", halfAlive.length);
  v.figure("crashes", stack.crashes.length);
  v.figure("errorLines", errorsUnexpected.length);
  v.figure("tunnelLostLines", expectedErrors);

  v.expect(counts.checked > 1_000, `too few lines checked to mean anything (${counts.checked})`);
  v.expect(counts.duplicates === 0, `duplicates: ${checker.examples.join("; ")}`);
  v.expect(counts.outOfOrder === 0, `out of order: ${checker.examples.join("; ")}`);
  v.expect(roomCuts.length > 0, "no room tunnel was cut (seed gave none): nothing checked");
  v.expect(
    notDisconnected === 0,
    `${notDisconnected} session(s) stayed connected > ${DISCONNECT_BOUND_MS} ms after their tunnel was cut`,
  );
  v.expect(halfAlive.length === 0, `half-alive at the end: ${halfAlive.map((s) => s.name).join(", ")}`);
  v.expect(alive.length === PLAYERS, `only ${alive.length} of ${PLAYERS} players connected after the cuts stopped`);
  v.expect(stack.crashes.length === 0, `unexpected exits: ${JSON.stringify(stack.crashes)}`);
  v.expect(errorsUnexpected.length === 0, `error lines: ${errorsUnexpected[0]?.line.slice(0, 300)}`);
  await Promise.all(seats.map((s) => s.player?.session.leave().catch(() => {})));
  await Promise.race([Promise.all(loops), sleep(5_000)]);
}
