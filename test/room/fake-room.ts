/**
 * The room core with recording fakes for its outbox and services: the room's rules run as
 * plain functions in Node, no workerd, no sockets. Tokens are redeemed from a table the test
 * fills, as the Directory would.
 */
import type { LeaseLines } from "../../durable-objects/room/chat-guard.ts";
import { RoomCore, type RoomOutbox, type RoomServices } from "../../durable-objects/room/core.ts";
import type { FilmEnd, Game } from "../../durable-objects/room/games.ts";
import type { RoomModerationState } from "../../durable-objects/room/moderation.ts";
import type { Connection } from "../../durable-objects/room/state.ts";
import { type ConfigEnv, loadConfig, roomById } from "../../edge/config.ts";
import type { LocatedPlayer, SessionUser } from "../../edge/contracts.ts";
import { tokenToHex } from "../../edge/handoff-token.ts";
import type { AuditEntry } from "../../edge/moderation/rules.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import {
  decodeMessage,
  encodeMessage,
  encodePlayerData,
  type GameListEntry,
  type Message,
  type PlayerData,
  type ServerToClientMessage,
} from "../../protocol/messages.ts";
import { normalizeUserName } from "../../protocol/text.ts";

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
  readonly audit: AuditEntry[] = [];
  readonly bans = new Map<number, string>();
  readonly ended: number[] = [];
  /** Mute and block lists as D1 would keep them: "mutes:<userId>" → target ids. */
  readonly lists = new Map<string, Set<number>>();
  savedModeration: RoomModerationState | null = null;
  /** Social fakes: buddy ids per user, order id → member ids, who is online elsewhere. */
  readonly buddies = new Map<number, number[]>();
  readonly orders = new Map<number, number[]>();
  readonly online = new Map<number, LocatedPlayer>();
  otherRoomGames: GameListEntry[] = [];
  readonly core: RoomCore;
  /** Registered login names and nicks, normalised (as D1's users table would answer). */
  readonly registeredNames = new Set<string>();
  /** The address's ChatLimiter as the room sees it; by default it grants every lease. */
  chatLease: LeaseLines = async (_address, want) => ({ granted: want, retryAfterMs: 0 });
  private readonly tokens = new Map<string, SessionUser>();
  private nextConn = 1;
  private nextToken = 1;
  now = 1_000_000;
  /** Whether the "bridge" answers host checks (a v2 bridge with the host-proxy feature). */
  hostChecks = false;

  /** `vars`: Worker vars for this room's edge config (e.g. tighter chat budgets). */
  constructor(roomId: number, vars: ConfigEnv = {}) {
    const edge = loadConfig(vars);
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
      saveModeration: (state) => {
        this.savedModeration = structuredClone(state);
      },
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
      // As the directory's enterRoom: a banned account is refused with the ban's text.
      redeem: async (token) => {
        const user = this.tokens.get(tokenToHex(token)) ?? null;
        const ban = user && !user.guest ? this.bans.get(user.userId) : undefined;
        return ban ? { refused: ban } : user;
      },
      left: async (userId) => {
        this.left.push(userId);
      },
      reportCounts: async (players, games) => {
        this.reports.push([players, games]);
      },
      roomCounts: async () => ({}),
      edgeConfig: () => edge,
      chatLease: (address, want, rate) => this.chatLease(address, want, rate),
      guestNameTaken: async (names) => names.some((n) => this.registeredNames.has(normalizeUserName(n))),
      now: () => this.now,
      // In memory, as D1 and the directory would answer: bans by user id, audit rows in order.
      moderation: {
        lists: async (userId) => ({
          mutes: [...(this.lists.get(`mutes:${userId}`) ?? [])],
          blocks: [...(this.lists.get(`blocks:${userId}`) ?? [])],
        }),
        setListed: async (kind, userId, targetId, on) => {
          const set = this.lists.get(`${kind}:${userId}`) ?? new Set<number>();
          if (on) set.add(targetId);
          else set.delete(targetId);
          this.lists.set(`${kind}:${userId}`, set);
        },
        listNames: async (kind, userId) =>
          [...(this.lists.get(`${kind}:${userId}`) ?? [])].map((id) => ({ id, name: String(id) })),
        audit: async (entry) => {
          this.audit.push(entry);
        },
        ban: async (input, audit) => {
          this.audit.push({ ...audit, action: "ban.create", reason: input.reason });
          if (input.kind !== "account") return { ok: false, message: "the fake bans accounts only" };
          const text = `Banned: ${input.reason}`;
          this.bans.set(input.userId, text);
          await this.core.kick(input.userId, text);
          return { ok: true, text };
        },
        unban: async () => null,
        endSession: async (userId) => {
          this.ended.push(userId);
        },
        announce: async (text) => {
          this.core.roomMessage(text);
          return 1;
        },
        online: async () => [],
      },
      social: {
        buddies: async (userId) => [...(this.buddies.get(userId) ?? [])],
        updateBuddy: async (userId, buddyId, add, limit) => {
          const list = this.buddies.get(userId) ?? [];
          if (!add)
            this.buddies.set(
              userId,
              list.filter((id) => id !== buddyId),
            );
          else if (buddyId === userId) return { ok: false, reason: "self" };
          else if (!list.includes(buddyId)) {
            if (list.length >= limit) return { ok: false, reason: "full" };
            this.buddies.set(userId, [...list, buddyId]);
          }
          return { ok: true };
        },
        orderOf: async (userId) => {
          for (const [orderId, members] of this.orders) if (members.includes(userId)) return { orderId, members };
          return null;
        },
        standing: async (userId) => {
          const buddies = [...(this.buddies.get(userId) ?? [])];
          for (const [orderId, members] of this.orders)
            if (members.includes(userId)) return { buddies, order: { orderId, members } };
          return { buddies, order: null };
        },
        locate: async (ids) => ids.flatMap((id) => this.online.get(id) ?? []),
        searchPlayers: async (query) =>
          [...this.online.values()].filter((p) => String(p.userId).includes(query) || query === "*"),
        searchOtherRooms: async () => this.otherRoomGames,
      },
      // Ranked play is tested end to end (test/e2e/results.test.ts); here the room sees no ratings.
      results: {
        gameStarted: async () => {},
        gamePlayers: async () => {},
        report: async () => ({ ok: true }),
        gameGone: async () => {},
        casteOf: async () => 0,
        playerStats: async () => null,
        updateProfile: async () => {},
      },
    };
    this.core = new RoomCore(config, [], [], outbox, services);
  }

  /** A connection that has logged in at the "directory" and sent room_login. */
  async join(
    userId: number,
    nick: string,
    dialect: Dialect,
    guest = false,
    adminLevel = 0,
    address = "198.51.100.7",
  ): Promise<string> {
    const token = new Uint8Array(32);
    new DataView(token.buffer).setUint32(0, this.nextToken++);
    this.tokens.set(tokenToHex(token), {
      userId,
      userName: nick.toLowerCase(),
      guest,
      adminLevel,
      dialect,
      encrypted: dialect === "myth2",
      build: 428,
      appVersion: 2180,
      playerData: encodePlayerData(playerData(nick)),
      clientAddress: `${address}:40000`,
    });
    const id = `c${this.nextConn++}`;
    this.core.open({ id, clientAddress: `${address}:40000`, localAddress: "127.0.0.1:6323", encrypted: false });
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
