/**
 * Honest players in the rooms the fuzzer attacks: each chats at a person's pace with lines that
 * name their sender and number, and the first of each room hosts a game over and over (create,
 * start, a short film, a score report, remove). Every honest client checks every honest line
 * of its room: lost, duplicated, or later than 1 s. Any honest connection that ends before
 * `stop` is collateral damage.
 */
import { performance } from "node:perf_hooks";
import { Histogram, type LatencySummary } from "../../bench/histogram.ts";
import { joinRoom, login, type RoomSession } from "../../client/flows.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import { packetTypeOf } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { decodeMessage } from "../../protocol/messages.ts";
import { twoPlayerScore } from "../score.ts";
import { filmCommand, filmHeader } from "./corpus.ts";
import type { FuzzTarget } from "./session.ts";

export interface HonestRoom {
  readonly roomId: number;
  readonly dialect: Dialect;
}

export interface HonestOptions {
  readonly rooms: readonly HonestRoom[];
  readonly perRoom: number;
  /** Mean gap between one player's lines. */
  readonly chatEveryMs: number;
  /** One hosted game's cycle. */
  readonly hostEveryMs: number;
}

export interface HonestReport {
  readonly players: number;
  readonly disconnected: number;
  readonly disconnectedNames: readonly string[];
  readonly linesSent: number;
  /** Deliveries expected: every line to every honest player of its room (its sender included). */
  readonly expected: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly delayedOver1s: number;
  readonly latencyMs: LatencySummary;
  readonly gamesHosted: number;
}

interface Honest {
  readonly index: number;
  readonly name: string;
  readonly roomId: number;
  readonly session: RoomSession;
  /** Highest sequence number seen per sender. */
  readonly lastSeen: Map<number, number>;
}

const LATE_MS = 1_000;

export class HonestPlayers {
  private readonly players: Honest[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private readonly disconnected: string[] = [];
  /** "sender|seq" → [sentAt, roomId, deliveries]. */
  private readonly lines = new Map<string, { sentAt: number; roomId: number; deliveries: Set<number> }>();
  private duplicates = 0;
  private outOfOrder = 0;
  private late = 0;
  private readonly latency = new Histogram();
  private gamesHosted = 0;

  private constructor(
    private readonly target: FuzzTarget,
    private readonly options: HonestOptions,
  ) {}

  /** Logs everyone in and joins them to their rooms (from 127.0.0.20 up, one address each). */
  static async start(target: FuzzTarget, options: HonestOptions): Promise<HonestPlayers> {
    const honest = new HonestPlayers(target, options);
    let index = 0;
    for (const room of options.rooms) {
      for (let i = 0; i < options.perRoom; i++) await honest.join(index++, room);
    }
    honest.players.forEach((p, i) => {
      honest.chatLoop(p, i);
      if (honest.players.findIndex((q) => q.roomId === p.roomId) === i) honest.hostLoop(p);
    });
    return honest;
  }

  /** Room id → ids of its honest players (fuzzers whisper and befriend them). */
  idsIn(roomId: number): number[] {
    return this.players.filter((p) => p.roomId === roomId).map((p) => p.session.userId);
  }

  private async join(index: number, room: HonestRoom): Promise<void> {
    const name = `honest${index}`;
    const localAddress = `127.0.0.${20 + index}`;
    const result = await login(this.target.host, this.target.loginPort, {
      dialect: room.dialect,
      user: "",
      password: "",
      nick: name,
      localAddress,
      timeoutMs: 15_000,
    });
    const session = await joinRoom(this.target.host, this.target.roomPort(room.roomId), {
      dialect: room.dialect,
      token: result.token,
      userName: name,
      playerData: result.playerData,
      localAddress,
      timeoutMs: 15_000,
    });
    const player: Honest = { index, name, roomId: room.roomId, session, lastSeen: new Map() };
    session.client.drain();
    // Read everything cheaply: only honest lines are decoded; keepalives go on to be answered.
    session.client.tap = (packet, receivedAt) => {
      const type = packetTypeOf(packet);
      if (type === MessageType.RoomBroadcast) this.onChat(player, packet, receivedAt);
      return type !== MessageType.Keepalive;
    };
    session.client.on("close", () => {
      if (!this.stopping) this.disconnected.push(name);
    });
    this.players.push(player);
  }

  private onChat(p: Honest, packet: Uint8Array, receivedAt: number): void {
    const m = decodeMessage(packet, p.session.dialect, "to-client");
    if (!m.ok || m.value.type !== MessageType.RoomBroadcast) return;
    const parts = /^honest (\d+) (\d+)$/.exec(m.value.text);
    if (!parts) return;
    const key = `${parts[1]}|${parts[2]}`;
    const line = this.lines.get(key);
    if (!line) return;
    if (line.deliveries.has(p.index)) {
      this.duplicates++;
      return;
    }
    line.deliveries.add(p.index);
    const sender = Number(parts[1]);
    const seq = Number(parts[2]);
    if ((p.lastSeen.get(sender) ?? -1) > seq) this.outOfOrder++;
    p.lastSeen.set(sender, Math.max(seq, p.lastSeen.get(sender) ?? -1));
    const ms = receivedAt - line.sentAt;
    this.latency.record(ms);
    if (ms > LATE_MS) this.late++;
  }

  private chatLoop(p: Honest, i: number): void {
    let seq = 0;
    const tick = () => {
      if (this.stopping || !p.session.client.isOpen) return;
      const text = `honest ${p.index} ${seq}`;
      this.lines.set(`${p.index}|${seq}`, { sentAt: performance.now(), roomId: p.roomId, deliveries: new Set() });
      seq++;
      p.session.chat(text);
      this.timers.push(setTimeout(tick, this.options.chatEveryMs * (0.5 + Math.random())));
    };
    // Spread the first lines over one interval.
    this.timers.push(setTimeout(tick, (this.options.chatEveryMs * i) / Math.max(1, this.players.length)));
  }

  private hostLoop(p: Honest): void {
    const cycle = () => {
      if (this.stopping || !p.session.client.isOpen) return;
      const { session } = p;
      const others = this.idsIn(p.roomId).filter((id) => id !== session.userId);
      session.createGame({ name: `${p.name} game`, map: "Honest Plains" });
      session.startGame(600);
      session.client.send({ type: MessageType.RecordingStreamHeader, data: filmHeader() });
      for (let t = 1; t <= 5; t++) {
        session.client.send({ type: MessageType.RecordingStreamCommand, command: filmCommand(5, t * 30) });
      }
      session.client.send({ type: MessageType.RecordingStreamEnd, endTime: 180 });
      session.client.send(twoPlayerScore(session.userId, [session.userId, others[0] ?? session.userId], 180));
      session.removeGame();
      this.gamesHosted++;
      this.timers.push(setTimeout(cycle, this.options.hostEveryMs));
    };
    this.timers.push(setTimeout(cycle, 1_000));
  }

  /** Stops sending, waits for lines in flight (up to 3 s), closes everyone, and reports. */
  async stop(): Promise<HonestReport> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline && this.missing() > 0) await new Promise((r) => setTimeout(r, 100));
    const players = this.players.length;
    const report = this.report(players);
    await Promise.all(this.players.map((p) => p.session.client.close()));
    return report;
  }

  /** Deliveries still missing from open players' rooms. */
  private missing(): number {
    return this.expectedDeliveries() - this.deliveredCount();
  }

  private expectedDeliveries(): number {
    const perRoom = new Map<number, number>();
    for (const p of this.players) perRoom.set(p.roomId, (perRoom.get(p.roomId) ?? 0) + 1);
    let n = 0;
    for (const line of this.lines.values()) n += perRoom.get(line.roomId) ?? 0;
    return n;
  }

  private deliveredCount(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.deliveries.size;
    return n;
  }

  private report(players: number): HonestReport {
    const expected = this.expectedDeliveries();
    const delivered = this.deliveredCount();
    return {
      players,
      disconnected: this.disconnected.length,
      disconnectedNames: [...this.disconnected],
      linesSent: this.lines.size,
      expected,
      delivered,
      lost: expected - delivered,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      delayedOver1s: this.late,
      latencyMs: this.latency.summary(),
      gamesHosted: this.gamesHosted,
    };
  }
}
