/**
 * The room core with recording fakes for its outbox and services: the room's rules run as
 * plain functions in Node, no workerd, no sockets. Tokens are redeemed from a table the test
 * fills, as the Directory would.
 */
import { RoomCore, type RoomOutbox, type RoomServices } from "../../durable-objects/room/core.ts";
import type { FilmEnd, Game } from "../../durable-objects/room/games.ts";
import type { Connection } from "../../durable-objects/room/state.ts";
import { loadConfig, roomById } from "../../edge/config.ts";
import type { SessionUser } from "../../edge/contracts.ts";
import { tokenToHex } from "../../edge/handoff-token.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import {
  decodeMessage,
  encodeMessage,
  encodePlayerData,
  type Message,
  type PlayerData,
  type ServerToClientMessage,
} from "../../protocol/messages.ts";

export type Effect =
  | { kind: "send"; to: string; message: Message }
  | { kind: "control"; to: string; frame: unknown }
  | { kind: "close"; to: string }
  | { kind: "host-check"; to: string; port: number; mode: string }
  | { kind: "host-release"; to: string };

export function playerData(nick: string, state = 0): PlayerData {
  return {
    coatOfArms: 3,
    casteBitmap: 0,
    state,
    primaryColor: { red: 0xff00, green: 0, blue: 0, flags: 0 },
    secondaryColor: { red: 0, green: 0, blue: 0xff00, flags: 0 },
    orderIndex: -1,
    gameVersion: 2180,
    buildNumber: 428,
    nick,
    team: "Team",
  };
}

export class FakeRoom {
  readonly effects: Effect[] = [];
  readonly saved = new Map<string, Connection>();
  readonly games = new Map<number, Game>();
  readonly left: number[] = [];
  /** What the room kept of each host's film, and the films it ended. */
  readonly filmChunks = new Map<number, { kind: string; bytes: Uint8Array }[]>();
  readonly filmEnds: FilmEnd[] = [];
  readonly reports: [number, number][] = [];
  readonly core: RoomCore;
  private readonly tokens = new Map<string, SessionUser>();
  private nextConn = 1;
  private nextToken = 1;
  now = 1_000_000;
  /** Whether the "bridge" answers host checks (a v2 bridge with the host-proxy feature). */
  hostChecks = false;

  constructor(roomId: number) {
    const edge = loadConfig({});
    const config = roomById(edge, roomId);
    if (!config) throw new Error(`no room ${roomId}`);
    const outbox: RoomOutbox = {
      send: (to, packet) => this.effects.push({ kind: "send", to, message: decode(packet) }),
      broadcast: (to, packet) => {
        const message = decode(packet);
        for (const id of to) this.effects.push({ kind: "send", to: id, message });
      },
      control: (to, frame) => this.effects.push({ kind: "control", to, frame }),
      close: (to) => this.effects.push({ kind: "close", to }),
      saveConnection: (conn) => this.saved.set(conn.id, structuredClone(conn)),
      saveGame: (game) => this.games.set(game.hostId, structuredClone(game)),
      deleteGame: (hostId) => this.games.delete(hostId),
      storeScore: () => {},
      hostCheck: (to, port, mode) => {
        if (!this.hostChecks) return false;
        this.effects.push({ kind: "host-check", to, port, mode });
        return true;
      },
      hostRelease: (to) => this.effects.push({ kind: "host-release", to }),
      filmChunk: (hostId, kind, bytes) => {
        const chunks = this.filmChunks.get(hostId) ?? [];
        chunks.push({ kind, bytes: bytes.slice() });
        this.filmChunks.set(hostId, chunks);
      },
      filmDiscard: (hostId) => this.filmChunks.delete(hostId),
      filmEnd: (end) => this.filmEnds.push(end),
    };
    const services: RoomServices = {
      redeem: async (token) => this.tokens.get(tokenToHex(token)) ?? null,
      left: async (userId) => {
        this.left.push(userId);
      },
      reportCounts: async (players, games) => {
        this.reports.push([players, games]);
      },
      roomCounts: async () => ({}),
      edgeConfig: () => edge,
      now: () => this.now,
    };
    this.core = new RoomCore(config, [], [], outbox, services);
  }

  /** A connection that has logged in at the "directory" and sent room_login. */
  async join(userId: number, nick: string, dialect: Dialect, guest = false): Promise<string> {
    const token = new Uint8Array(32);
    new DataView(token.buffer).setUint32(0, this.nextToken++);
    this.tokens.set(tokenToHex(token), {
      userId,
      userName: nick.toLowerCase(),
      guest,
      adminLevel: 0,
      dialect,
      encrypted: dialect === "myth2",
      build: 428,
      appVersion: 2180,
      playerData: encodePlayerData(playerData(nick)),
      clientAddress: "198.51.100.7:40000",
    });
    const id = `c${this.nextConn++}`;
    this.core.open({ id, clientAddress: "198.51.100.7:40000", localAddress: "127.0.0.1:6323", encrypted: false });
    await this.send(id, { type: 101, token, userName: nick.toLowerCase() }, dialect);
    return id;
  }

  async send(id: string, message: Message, dialect: Dialect = "myth2"): Promise<void> {
    await this.core.receive(id, encodeMessage(message, dialect));
  }

  /** The messages `id` got since the last take, oldest first (effects for others stay). */
  take(id: string): ServerToClientMessage[] {
    const mine: ServerToClientMessage[] = [];
    for (let i = 0; i < this.effects.length; ) {
      const e = this.effects[i] as Effect;
      if (e.to === id && e.kind === "send") {
        mine.push(e.message as ServerToClientMessage);
        this.effects.splice(i, 1);
      } else i++;
    }
    return mine;
  }

  /** Types of what `id` got since the last take. */
  types(id: string): number[] {
    return this.take(id).map((m) => m.type);
  }

  closed(id: string): boolean {
    return this.effects.some((e) => e.kind === "close" && e.to === id);
  }
}

function decode(packet: Uint8Array): Message {
  const decoded = decodeMessage(packet, "myth2", "to-client");
  if (!decoded.ok) throw new Error(`room sent an undecodable packet: ${decoded.error.message}`);
  return decoded.value;
}
