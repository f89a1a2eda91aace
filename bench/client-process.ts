/**
 * Bench child: a share of the simulated players. Logs them in and into their rooms through
 * the bridge with the real protocol (client/flows.ts), then chats at a given rate and measures
 * each chat line from the sender's write to every receiver's read on the shared clock.
 */
import { joinRoom, login, type RoomSession } from "../client/flows.ts";
import { HEADER_SIZE, packetTypeOf } from "../protocol/header.ts";
import { formatIPv4 } from "../protocol/ipv4.ts";
import { MessageType } from "../protocol/message-types.ts";
import { answerProfileRequests, exitWithParent } from "./child.ts";
import { monoNow, perfToMono } from "./clock.ts";
import { Histogram } from "./histogram.ts";
import type { ChatCommand, ClientSpec, Counts, Failure, Joined, Report, SetupCommand, ToClient } from "./ipc.ts";

/** Prefix of every bench chat line: "bench <sender> <seq> <send time ms>". */
const PREFIX = "bench ";
const MAX_ERRORS_KEPT = 10;

interface Member {
  spec: ClientSpec;
  session: RoomSession;
  room: string;
  received: number;
  seq: number;
}

const members: Member[] = [];
const latency = new Histogram();
const sent: Record<string, number> = {};
const errors: string[] = [];
let receivedTotal = 0;
let messagesTotal = 0;
let disconnects = 0;
let decodeErrors = 0;
let sending = false;
let stopping = false;

function keepError(text: string): void {
  if (errors.length < MAX_ERRORS_KEPT) errors.push(text);
}

async function setup(cmd: SetupCommand): Promise<void> {
  const started = monoNow();
  const loginMs: number[] = [];
  const joinMs: number[] = [];
  const joined: Joined[] = [];
  const failures: Failure[] = [];
  const queue = [...cmd.clients];
  const progress = setInterval(() => {
    process.send?.({ t: "setup-progress", loggedIn: loginMs.length, joined: joined.length, failed: failures.length });
  }, 1_000);

  const one = async (spec: ClientSpec) => {
    let phase: Failure["phase"] = "login";
    try {
      const t0 = monoNow();
      const result = await login(cmd.host, cmd.loginPort, {
        dialect: spec.dialect,
        user: spec.user,
        password: spec.password,
        nick: spec.user,
        encrypt: spec.encrypt,
        timeoutMs: cmd.timeoutMs,
      });
      loginMs.push(monoNow() - t0);
      if (spec.roomSlot < 0) return;
      phase = "join";
      const room = result.rooms[spec.roomSlot];
      if (!room) throw new Error(`room slot ${spec.roomSlot} not in a list of ${result.rooms.length} rooms`);
      const host = room.host === 0 ? cmd.host : formatIPv4(room.host);
      const t1 = monoNow();
      const session = await joinRoom(host, room.port, {
        dialect: spec.dialect,
        encrypt: spec.encrypt,
        token: result.token,
        userName: spec.user,
        playerData: result.playerData,
        timeoutMs: cmd.timeoutMs,
      });
      joinMs.push(monoNow() - t1);
      const member: Member = { spec, session, room: `${host}:${room.port}`, received: 0, seq: 0 };
      watch(member);
      members.push(member);
      joined.push({ index: spec.index, room: member.room, userId: session.userId });
    } catch (err) {
      failures.push({ index: spec.index, phase, error: (err as Error).message });
    }
  };

  const lanes = Array.from({ length: Math.max(1, cmd.concurrency) }, async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) await one(spec);
  });
  await Promise.all(lanes);
  clearInterval(progress);
  process.send?.({ t: "setup-done", loginMs, joinMs, joined, failures, elapsedMs: monoNow() - started });
}

function watch(member: Member): void {
  const client = member.session.client;
  // Our own chat lines are read straight from the packet (the text is its last C string): a
  // full decode per delivery made the measuring clients costlier than the servers they measure.
  client.tap = (packet, receivedAt) => {
    if (packetTypeOf(packet) !== MessageType.RoomBroadcast) return false;
    const sentAt = benchLineSentAt(packet);
    if (sentAt === null) return false;
    messagesTotal++;
    latency.record(perfToMono(receivedAt) - sentAt);
    member.received++;
    receivedTotal++;
    return true;
  };
  client.on("message", ({ message }) => {
    // Keepalives (202, answered by LegacyClient as real clients do) are not join traffic.
    if (message.type !== MessageType.Keepalive) messagesTotal++;
  });
  client.on("close", () => {
    if (!stopping) {
      disconnects++;
      keepError(`${member.spec.user}: connection closed during the run`);
    }
  });
}

const PREFIX_BYTES = new TextEncoder().encode(PREFIX);

/**
 * The send time of a bench chat line ("bench <sender> <seq> <send time ms>", the packet's last
 * C string), or null when the packet is not one (then it is decoded as usual).
 */
function benchLineSentAt(packet: Uint8Array): number | null {
  const end = packet.byteLength - 1;
  if (end < HEADER_SIZE + 24 || packet[end] !== 0) return null;
  const start = packet.lastIndexOf(0, end - 1) + 1;
  if (start <= HEADER_SIZE + 24 || end - start < PREFIX_BYTES.length) return null;
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (packet[start + i] !== PREFIX_BYTES[i]) return null;
  // The time is "<digits>.<digits>" before the NUL: parsed in place, no string built.
  let whole = 0;
  let fraction = 0;
  let scale = 1;
  let seenPoint = false;
  let i = end - 1;
  while (i > start && packet[i] !== 0x20) i--;
  if (i === end - 1) return null;
  for (let j = i + 1; j < end; j++) {
    const c = packet[j] as number;
    if (c === 0x2e && !seenPoint) seenPoint = true;
    else if (c >= 0x30 && c <= 0x39) {
      if (seenPoint) {
        scale /= 10;
        fraction += (c - 0x30) * scale;
      } else whole = whole * 10 + (c - 0x30);
    } else return null;
  }
  return whole + fraction;
}

/** Nobody waits on the clients' queues during the run: empty them so memory stays flat. */
const drainTimer = setInterval(() => {
  for (const m of members) {
    try {
      m.session.client.drain();
    } catch (err) {
      decodeErrors++;
      keepError(`${m.spec.user}: ${(err as Error).message}`);
    }
  }
}, 200);

function chat(cmd: ChatCommand): void {
  const open = members.filter((m) => m.session.client.isOpen);
  if (open.length === 0 || cmd.rate <= 0) {
    process.send?.({ t: "chat-done" });
    return;
  }
  sending = true;
  const start = monoNow();
  let last = start;
  let credit = 0;
  let next = 0;
  const tick = () => {
    const now = monoNow();
    credit += ((now - last) * cmd.rate) / 1000;
    last = now;
    while (credit >= 1) {
      credit--;
      const m = open[next++ % open.length] as Member;
      if (!m.session.client.isOpen) continue;
      m.seq++;
      sent[m.room] = (sent[m.room] ?? 0) + 1;
      m.session.chat(`${PREFIX}${m.spec.index} ${m.seq} ${monoNow().toFixed(3)}`);
    }
    if (now - start >= cmd.durationMs) {
      clearInterval(timer);
      sending = false;
      process.send?.({ t: "chat-done" });
    }
  };
  const timer = setInterval(tick, 5);
}

function counts(): Counts {
  return { t: "counts", sent, received: receivedTotal, messages: messagesTotal, disconnects, sending };
}

function report(): Report {
  return {
    t: "report",
    latency: latency.toData(),
    receivers: members.map((m) => ({ index: m.spec.index, room: m.room, received: m.received })),
    sent,
    disconnects,
    decodeErrors,
    errors,
  };
}

answerProfileRequests();
exitWithParent(async () => {
  stopping = true;
  clearInterval(drainTimer);
  await Promise.all(members.map((m) => m.session.client.close().catch(() => {})));
});

process.on("message", (m: ToClient) => {
  switch (m.t) {
    case "setup":
      void setup(m);
      break;
    case "chat":
      chat(m);
      break;
    case "reset":
      // A new measured phase (the next step of a stepped scenario) starts from zero.
      latency.reset();
      for (const k of Object.keys(sent)) delete sent[k];
      for (const mem of members) mem.received = 0;
      receivedTotal = 0;
      process.send?.({ t: "reset-done" });
      break;
    case "counts":
      process.send?.(counts());
      break;
    case "report":
      process.send?.(report());
      break;
    default:
      break;
  }
});
process.send?.({ t: "ready" });
