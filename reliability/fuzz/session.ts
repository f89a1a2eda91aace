/**
 * One fuzz session: a real client of one family connects through the bridge, reaches a state
 * (before login, mid-login, in a room, hosting, streaming a film), then sends mutants of that
 * state's packets. What it checks, as a client would notice it:
 *  - after a packet that cannot be decoded (or bytes that break the stream) the server closes
 *    the connection within CLOSE_WITHIN_MS;
 *  - in a room, every batch of mutants is followed by a chat line only this session knows; its
 *    echo proves the room read everything before it and is still serving this client. A
 *    session whose echo never comes and whose connection stays open is "hung".
 * Every packet sent is logged so that a failing session can be written out and replayed.
 */
import { joinRoom, login, loginMessage, type RoomSession } from "../../client/flows.ts";
import { LegacyClient } from "../../client/legacy-client.ts";
import { DIALECT_TRAITS, type Dialect } from "../../protocol/dialect.ts";
import { packetTypeOf } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { decodeMessage, encodeMessage } from "../../protocol/messages.ts";
import type { Rng } from "../random.ts";
import { corpusFor, FUZZ_STATES, type FuzzState, filmHeader } from "./corpus.ts";
import { type Framing, type MutationOp, mutate } from "./mutate.ts";

export interface FuzzTarget {
  readonly host: string;
  readonly loginPort: number;
  /** Port of a room by its wire id. */
  roomPort(roomId: number): number;
  readonly roomIds: readonly number[];
}

export interface SessionPlan {
  readonly dialect: Dialect;
  readonly state: FuzzState;
  readonly roomId: number;
  readonly nick: string;
  readonly localAddress: string;
  /** Mutants to send (at most; the server may end the session sooner). */
  readonly packets: number;
  /** End with one packet the server must refuse (undecodable, or bytes that break the stream). */
  readonly endWithBad: boolean;
  /** Another player in the room (an honest one). */
  readonly otherId: number;
}

export type Outcome =
  /** Still served after the last mutant (we closed it). */
  | "alive"
  /** The server ended it after decodable packets (wrong state, refused values): allowed. */
  | "closed-by-server"
  /** The server ended it after the bad packet: what should happen. */
  | "closed-after-bad"
  /** Defect: the connection stayed open after bytes that cannot be decoded. */
  | "not-closed-after-bad"
  /** Defect: the probe got no echo and the connection stayed open. */
  | "hung"
  /** Could not reach the state (a refusal at login or join, a timeout). */
  | "setup-failed";

export const DEFECTS: readonly Outcome[] = ["not-closed-after-bad", "hung"];

export interface SentPacket {
  readonly hex: string;
  readonly op: MutationOp | "probe" | "restore";
  readonly framing: Framing;
  readonly decodable: boolean;
}

export interface SessionResult {
  readonly outcome: Outcome;
  /** Mutants written (probes and restores not counted). */
  readonly sent: number;
  readonly decodable: number;
  readonly undecodable: number;
  readonly ops: Partial<Record<MutationOp, number>>;
  readonly log: readonly SentPacket[];
  readonly detail?: string;
  /** For a session the server ended: the message type of the last mutant before the close. */
  readonly closedAfterType?: number | null;
}

/** How soon the server must close after a bad packet, and answer a probe. */
export const CLOSE_WITHIN_MS = 5_000;
const PROBE_WITHIN_MS = 5_000;
const SETUP_TIMEOUT_MS = 15_000;
/** Mutants between two probes in a room. */
const BATCH = 16;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * The layouts the server reads a state's packets with. Before login (100) is read the login
 * server knows only whether the connection is encrypted (edge/login/session.ts: "myth2" or
 * "myth2-legacy"; the login codec then picks the layout from the application field); after it,
 * and in rooms, the family's own.
 */
export function serverDialect(dialect: Dialect, state: FuzzState): Dialect {
  if (state !== "pre-login") return dialect;
  return DIALECT_TRAITS[dialect].encrypted ? "myth2" : "myth2-legacy";
}

export async function runSession(target: FuzzTarget, plan: SessionPlan, rng: Rng): Promise<SessionResult> {
  const log: SentPacket[] = [];
  const ops: Partial<Record<MutationOp, number>> = {};
  let decodable = 0;
  let undecodable = 0;
  let reached: Reached;
  try {
    reached = await reach(target, plan);
  } catch (err) {
    return { outcome: "setup-failed", sent: 0, decodable, undecodable, ops, log, detail: (err as Error).message };
  }
  const { client } = reached;
  const inRoom = plan.state !== "pre-login" && plan.state !== "mid-login";
  const probes = inRoom ? new ProbeWatch(client, plan.dialect) : null;
  const corpus = corpusFor({
    dialect: plan.dialect,
    nick: plan.nick,
    userId: reached.userId,
    otherId: plan.otherId,
    token: reached.token,
    roomIds: target.roomIds,
  });
  const own = corpus[plan.state];
  const others = FUZZ_STATES.filter((s) => s !== plan.state).flatMap((s) => corpus[s]);
  const result = (outcome: Outcome, detail?: string): SessionResult => {
    client.destroy();
    const lastMutant = [...log].reverse().find((p) => p.op !== "probe" && p.op !== "restore");
    const closedAfterType =
      outcome === "closed-by-server" && lastMutant ? packetTypeOf(Buffer.from(lastMutant.hex, "hex")) : undefined;
    return { outcome, sent: decodable + undecodable, decodable, undecodable, ops, log, detail, closedAfterType };
  };
  const write = (bytes: Uint8Array, entry: SentPacket) => {
    log.push(entry);
    if (entry.framing === "stream") client.sendRaw(bytes);
    else client.sendPacket(bytes);
  };

  let sinceProbe = 0;
  for (let i = 0; i < plan.packets; i++) {
    if (!client.isOpen) return result("closed-by-server");
    const last = i === plan.packets - 1;
    const m = mutate(rng.pick(own), rng, others, last && plan.endWithBad);
    const decoded =
      m.framing === "framed" ? decodeMessage(m.bytes, serverDialect(plan.dialect, plan.state), "to-server") : null;
    if (!decoded?.ok) {
      // A bad packet ends the session: only as the planned last one; any other is redrawn.
      if (!(last && plan.endWithBad)) {
        i--;
        continue;
      }
      undecodable++;
      ops[m.op] = (ops[m.op] ?? 0) + 1;
      write(m.bytes, { hex: hex(m.bytes), op: m.op, framing: m.framing, decodable: false });
      // A lying length leaves the server waiting for the rest of the packet: end our side, as a
      // client that gives up would; the server must then close too.
      if (m.framing === "stream") client.endWrites();
      const closed = await closedWithin(client, CLOSE_WITHIN_MS);
      return result(closed ? "closed-after-bad" : "not-closed-after-bad");
    }
    decodable++;
    ops[m.op] = (ops[m.op] ?? 0) + 1;
    write(m.bytes, { hex: hex(m.bytes), op: m.op, framing: "framed", decodable: true });
    // A deaf client gets no room traffic, the probe's echo included: listen again.
    if (inRoom && decoded.value.type === MessageType.SetPlayerMode && decoded.value.mode === 1) {
      const restore = encodeMessage({ type: MessageType.SetPlayerMode, mode: 0 }, plan.dialect);
      write(restore, { hex: hex(restore), op: "restore", framing: "framed", decodable: true });
    }
    if (probes && (++sinceProbe >= BATCH || last)) {
      sinceProbe = 0;
      const answer = await probes.probe((p) =>
        write(p, { hex: hex(p), op: "probe", framing: "framed", decodable: true }),
      );
      if (answer === "closed") return result("closed-by-server");
      if (answer === "timeout") return result("hung", `no echo of probe ${probes.count} within ${PROBE_WITHIN_MS} ms`);
    }
  }
  if (!client.isOpen) return result("closed-by-server");
  return result("alive");
}

interface Reached {
  readonly client: LegacyClient;
  readonly userId: number;
  readonly token: Uint8Array;
}

/** Takes a new connection to the plan's state, the way the family's client gets there. */
async function reach(target: FuzzTarget, plan: SessionPlan): Promise<Reached> {
  const { dialect, localAddress } = plan;
  const noToken = new Uint8Array(32);
  if (plan.state === "pre-login" || plan.state === "mid-login") {
    const client = await LegacyClient.connect(target.host, target.loginPort, {
      dialect,
      localAddress,
      timeoutMs: SETUP_TIMEOUT_MS,
    });
    client.tap = () => true;
    if (plan.state === "mid-login") {
      // The first reply (password challenge, or send_versions for Aleph One guests) is enough.
      const replied = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error("no reply to login within the setup timeout")),
          SETUP_TIMEOUT_MS,
        );
        client.tap = () => {
          clearTimeout(timer);
          client.tap = () => true;
          resolve();
          return true;
        };
      });
      client.send(loginMessage({ dialect, user: "", password: "", nick: plan.nick }));
      try {
        await replied;
      } catch (err) {
        client.destroy();
        throw err;
      }
    }
    return { client, userId: 0, token: noToken };
  }
  const result = await login(target.host, target.loginPort, {
    dialect,
    user: "",
    password: "",
    nick: plan.nick,
    localAddress,
    timeoutMs: SETUP_TIMEOUT_MS,
  });
  const session: RoomSession = await joinRoom(target.host, target.roomPort(plan.roomId), {
    dialect,
    token: result.token,
    userName: plan.nick,
    playerData: result.playerData,
    localAddress,
    timeoutMs: SETUP_TIMEOUT_MS,
  });
  const { client } = session;
  client.drain();
  client.tap = () => true;
  if (plan.state === "hosting" || plan.state === "film") {
    session.createGame({ name: `${plan.nick} game`, map: "Fuzzed Plains" });
  }
  if (plan.state === "film") {
    session.startGame(600);
    client.send({ type: MessageType.RecordingStreamHeader, data: filmHeader() });
  }
  return { client, userId: session.userId, token: result.token };
}

/**
 * Probes in a room: a chat line with a text only this session sends; the echo proves the room
 * has read everything before it. Every other packet is dropped unread (cheap per delivery).
 */
class ProbeWatch {
  count = 0;
  private waiting: { text: string; resolve: (answer: "echo") => void } | null = null;

  constructor(
    private readonly client: LegacyClient,
    private readonly dialect: Dialect,
  ) {
    client.tap = (packet) => {
      const w = this.waiting;
      if (w && packetTypeOf(packet) === MessageType.RoomBroadcast) {
        const m = decodeMessage(packet, dialect, "to-client");
        if (m.ok && m.value.type === MessageType.RoomBroadcast && m.value.text === w.text) {
          this.waiting = null;
          w.resolve("echo");
        }
      }
      // Keepalives still reach the client, which answers them.
      return packetTypeOf(packet) !== MessageType.Keepalive;
    };
  }

  async probe(write: (packet: Uint8Array) => void): Promise<"echo" | "closed" | "timeout"> {
    const text = `probe ${++this.count} ${Math.random().toString(36).slice(2, 10)}`;
    const echoed = new Promise<"echo">((resolve) => {
      this.waiting = { text, resolve };
    });
    const packet = encodeMessage(
      {
        type: MessageType.RoomBroadcast,
        header: {
          chatType: 0,
          color: { red: 0, green: 0, blue: 0, flags: 0 },
          flags: 0,
          playerId: 0,
          selectedPlayerId: 0,
        },
        senderName: "",
        text,
      },
      this.dialect,
    );
    write(packet);
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      echoed,
      this.client.closed.then(() => "closed" as const),
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), PROBE_WITHIN_MS);
      }),
    ]);
    clearTimeout(timer);
    this.waiting = null;
    // A close that raced the echo still counts as closed: the session cannot go on.
    return answer === "echo" && !this.client.isOpen ? "closed" : answer;
  }
}

async function closedWithin(client: LegacyClient, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    client.closed.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return closed;
}

/**
 * Sends a recorded session again (a reproducer) from a fresh connection in the same state, and
 * judges it by the same rules: after an undecodable last packet the server must close; else a
 * probe must be echoed (in a room) or the connection closed by the server.
 */
export async function replaySession(
  target: FuzzTarget,
  plan: Pick<SessionPlan, "dialect" | "state" | "roomId" | "nick" | "localAddress">,
  packets: readonly SentPacket[],
): Promise<Outcome> {
  const full: SessionPlan = { ...plan, packets: packets.length, endWithBad: false, otherId: 0 };
  let client: LegacyClient;
  try {
    client = (await reach(target, full)).client;
  } catch {
    return "setup-failed";
  }
  const inRoom = plan.state !== "pre-login" && plan.state !== "mid-login";
  const probes = inRoom ? new ProbeWatch(client, plan.dialect) : null;
  try {
    for (const p of packets) {
      if (!client.isOpen) return "closed-by-server";
      if (p.op === "probe") continue;
      const bytes = Buffer.from(p.hex, "hex");
      if (p.framing === "stream") {
        client.sendRaw(bytes);
        client.endWrites();
      } else client.sendPacket(bytes);
    }
    const last = packets[packets.length - 1];
    if (last && !last.decodable)
      return (await closedWithin(client, CLOSE_WITHIN_MS)) ? "closed-after-bad" : "not-closed-after-bad";
    if (!probes) return client.isOpen ? "alive" : "closed-by-server";
    const answer = await probes.probe((p) => client.isOpen && client.sendPacket(p));
    return answer === "echo" ? "alive" : answer === "closed" ? "closed-by-server" : "hung";
  } finally {
    client.destroy();
  }
}
