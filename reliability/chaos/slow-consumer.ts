/**
 * Check 5: a slow consumer among fast ones. Eight players chat timestamped lines in a room;
 * a ninth reads through a pipe that, after a baseline, reads from the bridge at 1 KB/s.
 * Pass: the bridge drops the slow one (close code 1008, "client too slow") once its queue
 * passes the bound (`maxOutboundQueueBytes`), within the deadline; nobody else is dropped or
 * loses a line, and the others' p99 chat latency while the slow one is throttled stays within
 * 2× (or +100 ms) of their p99 before the throttle and after the drop.
 */
import { MessageType } from "../../protocol/message-types.ts";
import { type ReliabilityStack, startReliabilityStack } from "../stack.ts";
import type { Check, CheckContext, Verdict } from "./check.ts";
import { address, enter, inBatches, loginAt, type Player, player, sleep } from "./players.ts";
import { percentile } from "./rng.ts";
import { startSlowPipe } from "./slow-pipe.ts";

const FAST = 8;
const LINE_EVERY_MS = 20;
const BOUND_BYTES = 256 * 1024;
const READ_BYTES_PER_SECOND = 1024;
const BASELINE_MS = 5_000;
/**
 * The kernel's send buffer towards the client (autotuned up to tcp_wmem's max, ~4 MB) fills
 * before the bridge's own queue grows, so at ~100 KB/s in the drop comes after ~40 s.
 */
const DROP_WITHIN_MS = 90_000;
/** The bridge checks its queue once per turn: one turn's writes may overshoot the bound. */
const ONE_TURN_BYTES = 64 * 1024;
/** Padding so the slow one's queue grows at a few tens of KB/s (chat lines are ≤ ~250 bytes). */
const PAD = "x".repeat(200);

export const slowConsumer: Check = {
  name: "slow-consumer",
  description: "a client reading at 1 KB/s among fast ones: dropped at its bound, nobody else slowed",
  deadlineMs: 130_000,
  async run(ctx, v) {
    const stack = await startReliabilityStack({
      rooms: [{ id: 0, name: "Chat", game: "myth2", type: "unranked" }],
      bridge: { maxOutboundQueueBytes: BOUND_BYTES },
      verbose: ctx.verbose,
    });
    try {
      await exercise(stack, ctx, v);
    } finally {
      await stack.stop();
    }
  },
};

async function exercise(stack: ReliabilityStack, ctx: CheckContext, v: Verdict): Promise<void> {
  const fast = await inBatches(
    Array.from({ length: FAST }, (_, i) => `fast${i}`),
    4,
    (name, i) => player(stack, name, 0, address(i)),
  );
  const slowAddress = address(99);
  const pipe = await startSlowPipe({
    host: stack.host,
    port: stack.roomPorts.get(0) as number,
    localAddress: slowAddress,
  });
  try {
    const slowLogin = await loginAt(stack, "", "", slowAddress);
    const slowSession = await enter(stack, slowLogin, "", 0, "127.0.0.1", pipe.port, "127.0.0.1");
    for (const p of fast) await p.session.waitForPlayer(slowSession.userId, 10_000);
    // When the room let go of the slow one: it left every fast player's list.
    let goneAt: number | null = null;
    void Promise.all(fast.map((p) => p.session.waitForPlayerGone(slowSession.userId, 200_000))).then(
      () => {
        goneAt = performance.now();
      },
      () => {},
    );

    // Latency per delivered line, per phase; received counts per (receiver, sender).
    type Phase = "baseline" | "throttled" | "after";
    let phase: Phase = "baseline";
    const latencies: Record<Phase, number[]> = { baseline: [], throttled: [], after: [] };
    const received = new Map<string, number>();
    for (const p of fast) {
      p.session.client.on("message", ({ message, receivedAt }) => {
        if (message.type !== MessageType.RoomBroadcast) return;
        const m = /^lat (\S+) (\d+) ([\d.]+) /.exec(message.text);
        if (!m) return;
        latencies[phase].push(receivedAt - Number(m[3]));
        const key = `${p.name}<${m[1]}`;
        received.set(key, (received.get(key) ?? 0) + 1);
      });
    }
    const sent = new Map<string, number>();
    let chatting = true;
    const chat = async (p: Player) => {
      let n = 0;
      while (chatting && p.session.client.isOpen) {
        p.session.chat(`lat ${p.name} ${++n} ${performance.now().toFixed(1)} ${PAD}`);
        sent.set(p.name, n);
        await sleep(LINE_EVERY_MS);
      }
    };
    const chats = fast.map(chat);

    await sleep(BASELINE_MS);
    phase = "throttled";
    const throttledAt = performance.now();
    const bytesBefore = pipe.bytesFromBridge();
    pipe.throttle(READ_BYTES_PER_SECOND);
    ctx.log(`slow-consumer: reading at ${READ_BYTES_PER_SECOND} B/s from now`);
    // The slow one still talks now and then, as a real client does; that is also how it learns
    // of a reset while its pipe still holds unread bytes (a read would only get there later).
    while (pipe.closedAt() === null && performance.now() - throttledAt < DROP_WITHIN_MS) {
      if (slowSession.client.isOpen) slowSession.chat("still here");
      await sleep(1_000);
    }
    const droppedAt = pipe.closedAt();
    phase = "after";
    await sleep(4_000);
    chatting = false;
    await Promise.all(chats);
    await sleep(1_000); // the last lines in flight

    const drop = stack
      .logLines("bridge")
      .map((line) => {
        try {
          return JSON.parse(line) as { event?: string; reason?: string; queued?: number };
        } catch {
          return null;
        }
      })
      .find((e) => e?.event === "connection.dropped" && e.reason === "client too slow");
    const stats = await stack.bridgeMemory();
    let lost = 0;
    for (const p of fast) {
      for (const o of fast) {
        if (o === p) continue;
        lost += Math.max(0, (sent.get(o.name) ?? 0) - (received.get(`${p.name}<${o.name}`) ?? 0));
      }
    }
    const p99 = (xs: number[]) => {
      const x = percentile(xs, 99);
      return x === null ? null : Math.round(x * 10) / 10;
    };
    const baseP99 = p99(latencies.baseline);
    const slowP99 = p99(latencies.throttled);
    v.figure("boundBytes", BOUND_BYTES);
    v.figure("slowReadBytesPerSecond", READ_BYTES_PER_SECOND);
    const seconds = (at: number | null) => (at === null ? null : Math.round((at - throttledAt) / 100) / 10);
    v.figure("slowDisconnectedAfterS", seconds(droppedAt));
    v.figure("slowLeftRoomAfterS", seconds(goneAt));
    v.figure("slowReadAfterThrottleBytes", pipe.bytesFromBridge() - bytesBefore);
    v.figure("queuedAtDropBytes", drop?.queued ?? null);
    v.figure("droppedSlowClients", stats.droppedSlowClients);
    v.figure("othersStillConnected", fast.filter((p) => p.session.client.isOpen).length);
    v.figure("othersLinesSent", [...sent.values()].reduce((a, b) => a + b, 0) * (FAST - 1));
    v.figure("othersLinesLost", lost);
    v.figure("othersP50BaselineMs", Math.round((percentile(latencies.baseline, 50) ?? 0) * 10) / 10);
    v.figure("othersP99BaselineMs", baseP99);
    v.figure("othersP99DuringMs", slowP99);
    v.figure("othersP99AfterMs", p99(latencies.after));
    v.figure("crashes", stack.crashes.length);
    v.figure("errorLines", stack.errorCount());

    v.expect(droppedAt !== null, `the slow client was not dropped within ${DROP_WITHIN_MS / 1000} s`);
    v.expect(drop !== undefined, "no 'client too slow' drop in the bridge's log");
    v.expect(
      drop?.queued !== undefined && drop.queued > BOUND_BYTES && drop.queued <= BOUND_BYTES + ONE_TURN_BYTES,
      `not dropped at its bound: ${drop?.queued} bytes queued, bound ${BOUND_BYTES}`,
    );
    v.expect(goneAt !== null, "the slow client is still in the others' player lists");
    v.expect(stats.droppedSlowClients === 1, `bridge dropped ${stats.droppedSlowClients} slow clients, not 1`);
    v.expect(
      fast.every((p) => p.session.client.isOpen),
      "a fast client was disconnected",
    );
    v.expect(lost === 0, `fast clients lost ${lost} lines`);
    // Control: the lines before the throttle and after the drop. Scheduling noise on a shared
    // 2-core machine is tens of ms; others held behind a slow reader would wait for its
    // backlog (seconds at 1 KB/s), so the limit is 2× the control's p99 or +100 ms.
    const controlP99 = p99([...latencies.baseline, ...latencies.after]);
    v.figure("othersP99ControlMs", controlP99);
    v.figure(
      "othersMaxDuringMs",
      p99(latencies.throttled.length ? [latencies.throttled.reduce((x, y) => Math.max(x, y))] : []),
    );
    v.expect(
      controlP99 !== null && slowP99 !== null && slowP99 <= Math.max(2 * controlP99, controlP99 + 100),
      `others slowed: p99 ${slowP99} ms while throttled vs ${controlP99} ms outside it`,
    );
    v.expect(stack.crashes.length === 0, `unexpected exits: ${JSON.stringify(stack.crashes)}`);
    v.expect(stack.errorCount() === 0, `error lines: ${stack.logErrors[0]?.line.slice(0, 300)}`);
    await Promise.all(fast.map((p) => p.session.leave().catch(() => {})));
    slowSession.client.destroy();
  } finally {
    await pipe.close();
  }
}
