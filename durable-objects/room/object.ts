/**
 * One room: a Durable Object per configured room (edge/objects.ts names it). This is the thin
 * shell around the room's rules (core.ts). It accepts the bridges' tunnel sockets as
 * hibernatable WebSockets — v2 sockets carry every connection of one bridge (tunnel/mux.ts),
 * v1 sockets one connection each (older bridges) — keeps each connection's state in SQLite
 * (connection-table.ts) and the games too (game-table.ts), queues each connection's packets so
 * they are handled strictly in order, and carries out what the core decides: everything sent
 * in one turn leaves as one frame per bridge. After hibernation or eviction the core is
 * rebuilt from the tables and the sockets still open; nothing else lives only in memory.
 */

import { DurableObject } from "cloudflare:workers";
import { limitHit } from "../../edge/abuse/counters.ts";
import { installLimitSignals } from "../../edge/abuse/signals.ts";
import { nameTaken } from "../../edge/accounts.ts";
import { type EdgeConfig, loadConfig, type RoomConfig, roomById } from "../../edge/config.ts";
import type { LoginRefused, RoomCountsById, RoomStatus, SessionUser, SocialNotice } from "../../edge/contracts.ts";
import { tokenToHex } from "../../edge/handoff-token.ts";
import {
  chatLimiterStub,
  directoryStub,
  ROOM_ID_HEADER,
  resultsStub,
  roomStub,
  TUNNEL_VERSION_HEADER,
  tryCall,
} from "../../edge/objects.ts";
import type { ReportAnswer } from "../../edge/results/contracts.ts";
import { loadPlayerStats } from "../../edge/results/player-info.ts";
import { casteOf, updateProfile } from "../../edge/results/queries.ts";
import { listBuddies, updateBuddy } from "../../edge/social/buddies.ts";
import { orderMatesOf } from "../../edge/social/orders.ts";
import { ownStanding } from "../../edge/social/standing.ts";
import type { GameListEntry, ServerMessageCode } from "../../protocol/messages.ts";
import { closeReason, TunnelClose } from "../../tunnel/close-codes.ts";
import { encodeControl, parseBridgeControl } from "../../tunnel/control.ts";
import { frameOfPacket, packetOfFrame } from "../../tunnel/frames.ts";
import {
  BRIDGE_FEATURES_HEADER,
  BRIDGE_ID_HEADER,
  CLIENT_ADDRESS_HEADER,
  HOST_PROXY_FEATURE,
  LOCAL_ADDRESS_HEADER,
} from "../../tunnel/http.ts";
import { decodeUpFrame, type UpRecord } from "../../tunnel/mux.ts";
import { MuxSender } from "../../tunnel/mux-sender.ts";
import { OpenOrder } from "../../tunnel/open-order.ts";
import { ConnectionTable } from "./connection-table.ts";
import { RoomCore, type RoomOutbox, type RoomResults, type RoomServices } from "./core.ts";
import { edgeModeration } from "./edge-moderation.ts";
import { FilmStore } from "./film-store.ts";
import { GAME_SEARCH_RESULTS, type GameSearchQuery } from "./game-search.ts";
import { GameTable } from "./game-table.ts";
import { emptyModerationState, placeGag, type RoomModerationState } from "./moderation.ts";
import { OutboundMeter } from "./outbound-meter.ts";
import { applyOverrides, mergePatch, type RoomOverrides, type RoomOverridesPatch } from "./overrides.ts";
import type { Connection, ConnId } from "./state.ts";

/** What a socket's attachment holds (the connections themselves are in SQLite). */
interface SocketTag {
  /** Random per socket: connections are "<socket>:<number>". */
  readonly socket: string;
  /** v2: many connections of one bridge; v1: one connection (number 0). */
  readonly mux: boolean;
  readonly bridge?: string;
  /** v2: the bridge understands host records (host proxy, `.test`). */
  readonly hostProxy?: boolean;
}

interface Transport extends SocketTag {
  readonly ws: WebSocket;
  /** v2 only: batches this turn's records into one frame. */
  readonly sender: MuxSender | null;
  /** v2 only: records that overtook their connection's open wait for it. */
  readonly order: OpenOrder;
  /** v2: the open connections on this socket by number (the route of each is in `routes`). */
  readonly ids: Map<number, ConnId>;
  /** What the room asks this socket to carry (outbound-meter.ts). */
  readonly meter: OutboundMeter;
}

/** A connection's place: its socket and its number on it. */
interface Route {
  readonly transport: Transport;
  readonly num: number;
}

/** Recipients of one broadcast, grouped by socket. */
interface Group {
  readonly transport: Transport;
  readonly nums: number[];
}

/** Largest packet a bridge may forward in a record (its own inbound limit is lower). */
const MAX_INBOUND_PACKET = 65_536;

export class Room extends DurableObject<Env> {
  private readonly games: GameTable;
  private readonly connections: ConnectionTable;
  private core: RoomCore | null = null;
  /** The cleanup after a rebuild (stale connections leave); presence() waits for it. */
  private settling: Promise<void> = Promise.resolve();
  private filmStore: FilmStore | null = null;
  private readonly transports = new Map<string, Transport>();
  private readonly routes = new Map<ConnId, Route>();
  private readonly bySocket = new WeakMap<WebSocket, Transport>();
  /** Per-connection work queue: one client's packets are handled strictly in order, even across awaits. */
  private readonly queues = new Map<ConnId, Promise<void>>();
  /** Broadcast recipients grouped by socket, per recipient list (the core reuses a list until its listeners change). */
  private groupCache = new WeakMap<readonly ConnId[], Group[]>();
  /** When this instance was constructed: it changes after hibernation or eviction (diagnostics). */
  private readonly instanceStartedAt = Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Chat limits that act on a player are audited, and every limit reaches /metrics (edge/abuse/signals.ts).
    installLimitSignals(env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    this.games = new GameTable(ctx.storage.sql);
    this.connections = new ConnectionTable(ctx.storage.sql);
  }

  // ------------------------------------------------------------------ tunnel sockets

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "expected a WebSocket upgrade" }, { status: 426 });
    }
    const id = Number(request.headers.get(ROOM_ID_HEADER));
    const config = Number.isInteger(id) ? roomById(loadConfig(this.env), id) : undefined;
    if (!config) return Response.json({ error: "unknown room" }, { status: 404 });
    this.rememberConfig(config);
    const core = this.room() as RoomCore;

    const mux = request.headers.get(TUNNEL_VERSION_HEADER) === "2";
    const pair = new WebSocketPair();
    const server = pair[1];
    const tag: SocketTag = {
      socket: crypto.randomUUID(),
      mux,
      ...(mux ? { bridge: request.headers.get(BRIDGE_ID_HEADER) ?? "" } : {}),
      ...(mux && hasFeature(request.headers.get(BRIDGE_FEATURES_HEADER), HOST_PROXY_FEATURE)
        ? { hostProxy: true }
        : {}),
    };
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(tag);
    const transport = this.track(tag, server);
    if (!mux) {
      // v1: the one connection of this socket opens with it.
      const conn: Connection = {
        id: connId(tag.socket, 0),
        clientAddress: request.headers.get(CLIENT_ADDRESS_HEADER) ?? "",
        localAddress: request.headers.get(LOCAL_ADDRESS_HEADER) ?? "",
        encrypted: false,
      };
      this.routes.set(conn.id, { transport, num: 0 });
      transport.ids.set(0, conn.id);
      core.open(conn);
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    const core = this.room();
    const transport = core ? this.transportOf(ws) : undefined;
    if (!core || !transport) return;
    if (!transport.mux) {
      const id = connId(transport.socket, 0);
      if (typeof message === "string") {
        const control = parseBridgeControl(message);
        if (control) await this.enqueue(id, (c) => Promise.resolve(c.control(id, control)));
        return;
      }
      const packet = packetOfFrame(message);
      return this.enqueue(id, (c) => (packet.ok ? c.receive(id, packet.value) : c.failed(id)));
    }
    if (typeof message === "string") return; // v2 is binary only
    const records = decodeUpFrame(new Uint8Array(message), MAX_INBOUND_PACKET);
    if (!records.ok) {
      // Only a broken bridge sends a broken frame: end its tunnel (its clients reconnect).
      console.error(`room: bad frame from bridge ${transport.bridge}: ${records.error.message}`);
      closeSocket(ws, TunnelClose.protocolError, "bad frame");
      return this.transportGone(ws);
    }
    const work: (Promise<void> | undefined)[] = [];
    const isOpen = (conn: number) => transport.ids.has(conn);
    // One record at a time: an open must take effect before the records after it are sorted.
    for (const arrived of records.value) {
      for (const record of transport.order.accept(arrived, isOpen)) work.push(this.onRecord(transport, record));
    }
    await Promise.all(work);
  }

  private onRecord(transport: Transport, record: UpRecord): Promise<void> | undefined {
    if (record.kind === "open") {
      if (transport.ids.has(record.conn)) return undefined;
      const id = connId(transport.socket, record.conn);
      transport.ids.set(record.conn, id);
      this.routes.set(id, { transport, num: record.conn });
      const conn: Connection = { id, clientAddress: record.client, localAddress: record.local, encrypted: false };
      return this.enqueue(id, (c) => c.open(conn));
    }
    const id = transport.ids.get(record.conn);
    if (id === undefined) return undefined;
    switch (record.kind) {
      case "packet": {
        const packet = record.packet;
        return this.enqueue(id, (c) => c.receive(id, packet));
      }
      case "encrypted":
        return this.enqueue(id, (c) => c.control(id, { t: "encrypted" }));
      case "close":
        return this.enqueue(id, async (c) => {
          await c.gone(id);
          this.forgetRoute(id);
        });
      case "host-result": {
        const { mode, probe, port, proxy } = record;
        return this.enqueue(id, (c) => c.hostResult(id, { mode, probe, port, proxy }));
      }
    }
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    await this.transportGone(ws);
    closeSocket(ws, TunnelClose.normal, "bye");
  }

  override webSocketError(ws: WebSocket): Promise<void> {
    return this.webSocketClose(ws);
  }

  /** A socket closed: every connection it carried is gone. */
  private async transportGone(ws: WebSocket): Promise<void> {
    const transport = this.transportOf(ws);
    if (!transport) return;
    this.transports.delete(transport.socket);
    this.groupCache = new WeakMap();
    const ids = [...this.routes].filter(([, r]) => r.transport === transport).map(([id]) => id);
    await Promise.all(
      ids.map((id) =>
        this.enqueue(id, async (c) => {
          await c.gone(id);
          this.forgetRoute(id);
        }),
      ),
    );
  }

  /**
   * Runs one piece of a connection's work after the ones before it. With nothing in flight it
   * runs at once, and only work that awaits (the directory) is queued: most packets (chat) are
   * handled without a promise.
   */
  private enqueue(id: ConnId, work: (core: RoomCore) => void | Promise<void>): Promise<void> | undefined {
    const pending = this.queues.get(id);
    if (!pending) {
      const core = this.room();
      if (!core) return undefined;
      let result: void | Promise<void>;
      try {
        result = work(core);
      } catch (e) {
        result = this.handlerFailed(core, id, e);
      }
      return result
        ? this.keepPending(
            id,
            result.catch((e: unknown) => this.handlerFailed(core, id, e)),
          )
        : undefined;
    }
    return this.keepPending(
      id,
      pending.then(async () => {
        const core = this.room();
        if (!core) return;
        try {
          await work(core);
        } catch (e) {
          await this.handlerFailed(core, id, e);
        }
      }),
    );
  }

  /** Keeps a connection's in-flight work so the next piece waits for it; lets go once drained. */
  private keepPending(id: ConnId, work: Promise<void>): Promise<void> {
    this.queues.set(id, work);
    void work.then(() => {
      if (this.queues.get(id) === work) this.queues.delete(id);
    });
    return work;
  }

  /** A bug in handling one client's packet ends that client only. */
  private handlerFailed(core: RoomCore, id: ConnId, error: unknown): Promise<void> {
    console.error("room: handler failed", error);
    this.ctx.waitUntil(
      tryCall("room: directory.noteError", () => directoryStub(this.env).noteError("room")).then(() => undefined),
    );
    return core.failed(id);
  }

  // ------------------------------------------------------------------ RPC

  /** Ends a user's session here: 3 with `code` if given, else 21 with `reason`; then close. */
  async kick(userId: number, reason: string, code?: ServerMessageCode): Promise<number> {
    return (await this.room()?.kick(userId, reason, code)) ?? 0;
  }

  /** A blue-bar line to everyone in the room (admin room message, announcements). */
  async message(text: string): Promise<void> {
    this.room()?.roomMessage(text);
  }

  /**
   * The dashboard's gag: the same placeGag as `.gag` (moderation.ts), the caller audits first.
   * False when this is not a configured room.
   */
  async gag(userId: number, minutes: number, reason: string): Promise<boolean> {
    const core = this.room();
    if (!core) return false;
    placeGag(core, userId, minutes, reason, core.services.now());
    return true;
  }

  /** Re-sends room_list (0) to every logged-in client, built for each kind of client. */
  async roomListChanged(): Promise<void> {
    await this.room()?.roomListChanged();
  }

  /**
   * Who this room really holds, for the directory's reconciliation: waking here drops the
   * players whose sockets did not survive (and tells the directory), so the answer is true.
   */
  async presence(): Promise<{ userIds: number[]; games: number }> {
    const core = this.room();
    if (!core) return { userIds: [], games: 0 };
    await this.settling;
    return { userIds: core.presentUserIds(), games: core.gameList().length };
  }

  /** The directory's online notice for a user here (directory/presence-notice.ts). */
  async socialNotice(userId: number, notice: SocialNotice): Promise<void> {
    this.room()?.socialNotice(userId, notice);
  }

  /** A game search from another room of the same game (handlers/social.ts). */
  async searchGames(query: GameSearchQuery): Promise<GameListEntry[]> {
    return this.room()?.searchGames(query) ?? [];
  }

  /** Results: castes changed after a caste pass. */
  async castesChanged(changes: { userId: number; caste: number }[]): Promise<void> {
    this.room()?.castesChanged(changes);
  }

  /**
   * PATCH /admin/rooms/:id: stores the live overrides (overrides.ts) and applies them at once;
   * `locked` sets the room's moderation lock (moderation.ts), the state `.lock` sets (null
   * opens). Null when the id is not a configured room. Returns the room's effective config,
   * its `locked` the lock now in force, and whether the room was locked before.
   */
  async configure(
    roomId: number,
    patch: RoomOverridesPatch & { locked?: boolean | null },
  ): Promise<{ config: RoomConfig; overrides: RoomOverrides; wasLocked: boolean } | null> {
    const base = roomById(loadConfig(this.env), roomId);
    if (!base) return null;
    this.rememberConfig(base);
    const overrides = mergePatch(this.overrides(), patch);
    this.ctx.storage.sql.exec(
      "INSERT INTO meta (k, v) VALUES ('overrides', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
      JSON.stringify(overrides),
    );
    const wasLocked = this.lockedNow();
    if (patch.locked !== undefined) this.setLocked(patch.locked === true);
    const config = applyOverrides(base, overrides);
    if (this.core) this.core.config = config;
    return { config: { ...config, locked: this.lockedNow() }, overrides, wasLocked };
  }

  /** The effective config (with the lock in force) and what overrides it (GET /admin/rooms). */
  async settings(): Promise<{ config: RoomConfig | null; overrides: RoomOverrides }> {
    const config = this.config();
    return { config: config && { ...config, locked: this.lockedNow() }, overrides: this.overrides() };
  }

  /** The moderation lock: the live core's state, else the stored one. */
  private lockedNow(): boolean {
    return this.core ? this.core.moderation.locked : (this.storedModeration()?.locked ?? false);
  }

  private setLocked(locked: boolean): void {
    if (this.core) {
      this.core.moderation.locked = locked;
      this.core.saveModeration();
      return;
    }
    // No core in memory: the next one is built from this stored state.
    const state = this.storedModeration() ?? emptyModerationState();
    this.setMeta("moderation", JSON.stringify({ ...state, locked }));
  }

  /** For /status.json and the admin room view. */
  async status(): Promise<RoomStatus> {
    const status = this.room()?.status() ?? { players: [], games: [], instanceStartedAt: 0 };
    return { ...status, instanceStartedAt: this.instanceStartedAt };
  }

  // ------------------------------------------------------------------ the core and what it needs

  /** The core, rebuilt from storage after a wake-up; null for a room never reached through a tunnel. */
  private room(): RoomCore | null {
    if (this.core) return this.core;
    const config = this.config();
    if (!config) return null;
    for (const ws of this.ctx.getWebSockets()) {
      const tag = ws.deserializeAttachment() as SocketTag | null;
      if (tag && typeof tag.socket === "string") this.track(tag, ws);
    }
    const live: Connection[] = [];
    const stale: Connection[] = [];
    for (const conn of this.connections.all()) {
      const { socket, num } = parseConnId(conn.id);
      const transport = this.transports.get(socket);
      if (transport) {
        this.routes.set(conn.id, { transport, num });
        transport.ids.set(num, conn.id);
        live.push(conn);
      } else {
        stale.push(conn);
      }
    }
    const core = new RoomCore(
      config,
      [...live, ...stale],
      this.games.all(),
      this.outbox(),
      this.services(config),
      this.storedModeration(),
    );
    this.core = core;
    // Counted at the directory (/metrics): after the first, each rebuild is a wake-up.
    this.ctx.waitUntil(
      tryCall("room: directory.noteRoomStarted", () => directoryStub(this.env).noteRoomStarted(config.id)).then(
        () => undefined,
      ),
    );
    // Connections whose socket did not survive (the edge restarted under them) are gone, and
    // games whose host is gone must not linger.
    this.settling = (async () => {
      for (const conn of stale) await core.gone(conn.id);
      await core.dropOrphanGames();
      // Films whose writing an eviction interrupted.
      await this.films()
        ?.resume()
        .catch((e: unknown) => console.error("room: resuming films failed", e));
    })();
    this.ctx.waitUntil(this.settling);
    return core;
  }

  private track(tag: SocketTag, ws: WebSocket): Transport {
    const existing = this.transports.get(tag.socket);
    if (existing) return existing;
    const transport: Transport = {
      ...tag,
      ws,
      sender: tag.mux
        ? new MuxSender(
            (frame) => this.sendMetered(transport, frame),
            // A timer, not a microtask: broadcasts of the messages the room handles meanwhile
            // join the same frame, so under load one frame carries many (and the bridge writes
            // each client once for all of them). Idle, it costs well under a millisecond.
            (flush) => setTimeout(flush, 0),
          )
        : null,
      order: new OpenOrder(),
      ids: new Map(),
      meter: new OutboundMeter(() => loadConfig(this.env).tunnelOut),
    };
    this.transports.set(tag.socket, transport);
    this.bySocket.set(ws, transport);
    return transport;
  }

  /**
   * Sends one frame on a bridge socket, unless that socket has carried more than its budget
   * for too long: then it is closed (its clients reconnect through their bridge) and the room
   * goes on (issue 10, finding 2).
   */
  private sendMetered(transport: Transport, frame: Uint8Array): void {
    if (this.transports.get(transport.socket) !== transport) return;
    if (transport.meter.sent(frame.byteLength, Date.now())) {
      // Audited (its players are cut off) and logged by edge/abuse/signals.ts.
      const roomId = this.config()?.id;
      limitHit({
        limit: "tunnel_backlog_closed",
        subject: transport.bridge ?? transport.socket,
        target: `bridge:${transport.bridge ?? "v1"}`,
        ...(roomId !== undefined ? { roomId } : {}),
      });
      closeSocket(transport.ws, TunnelClose.slowClient, "bridge not keeping up");
      this.ctx.waitUntil(this.transportGone(transport.ws));
      return;
    }
    sendOn(transport.ws, frame);
  }

  private transportOf(ws: WebSocket): Transport | undefined {
    const known = this.bySocket.get(ws);
    if (known) return this.transports.get(known.socket) === known ? known : undefined;
    const tag = ws.deserializeAttachment() as SocketTag | null;
    return tag ? this.transports.get(tag.socket) : undefined;
  }

  private forgetRoute(id: ConnId): void {
    const route = this.routes.get(id);
    if (!route) return;
    this.routes.delete(id);
    route.transport.ids.delete(route.num);
  }

  private outbox(): RoomOutbox {
    const routes = this.routes;
    return {
      send: (to, packet) => {
        const route = routes.get(to);
        if (!route) return;
        const { transport, num } = route;
        if (transport.sender) transport.sender.packetDown([num], packet);
        else this.sendMetered(transport, frameOfPacket(packet));
      },
      broadcast: (to, packet) => {
        for (const group of this.groupsOf(to)) {
          const { transport, nums } = group;
          if (transport.sender) transport.sender.packetDown(nums, packet);
          else this.sendMetered(transport, frameOfPacket(packet));
        }
      },
      control: (to, frame) => {
        const route = routes.get(to);
        if (!route) return;
        const { num } = route;
        if (route.transport.sender) route.transport.sender.keepalive(num, frame.intervalMs, frame.timeoutMs);
        else sendOn(route.transport.ws, encodeControl(frame));
      },
      close: (id) => {
        const route = routes.get(id);
        if (!route) return;
        routes.delete(id);
        route.transport.ids.delete(route.num);
        this.groupCache = new WeakMap();
        const { num } = route;
        if (route.transport.sender) route.transport.sender.closeDown(num, TunnelClose.normal, "closed by room");
        else closeSocket(route.transport.ws, TunnelClose.normal, "closed by room");
      },
      saveConnection: (conn) => this.connections.save(conn),
      protocolError: (kind) => {
        // Off the packet path: the connection is already being closed.
        this.ctx.waitUntil(
          tryCall("room: directory.noteProtocolError", () =>
            directoryStub(this.env).noteProtocolError("room", kind),
          ).then(() => undefined),
        );
      },
      saveGame: (game) => this.games.save(game),
      deleteGame: (hostId) => this.games.delete(hostId),
      saveModeration: (state) => this.setMeta("moderation", JSON.stringify(state)),
      hostCheck: (to, port, mode) => {
        const route = routes.get(to);
        if (!route?.transport.sender || !route.transport.hostProxy) return false;
        route.transport.sender.hostCheck(route.num, port, mode);
        return true;
      },
      filmChunk: (hostId, kind, bytes) => this.films()?.append(hostId, kind, bytes),
      filmDiscard: (hostId) => this.films()?.discard(hostId),
      filmEnd: (end) => {
        const store = this.films();
        if (!store) return;
        // The game goes on (or is gone) meanwhile: writing the file must not hold up the room.
        this.ctx.waitUntil(store.finish(end).catch((e: unknown) => console.error("room: saving a film failed", e)));
      },
      hostRelease: (to) => {
        const route = routes.get(to);
        if (route?.transport.sender && route.transport.hostProxy) route.transport.sender.hostRelease(route.num);
      },
    };
  }

  /** The recipients grouped by socket: one record per bridge. Cached per recipient list. */
  private groupsOf(to: readonly ConnId[]): Group[] {
    const cached = this.groupCache.get(to);
    if (cached) return cached;
    const bySocket = new Map<Transport, number[]>();
    for (const id of to) {
      const route = this.routes.get(id);
      if (!route) continue;
      const nums = bySocket.get(route.transport);
      if (nums) nums.push(route.num);
      else bySocket.set(route.transport, [route.num]);
    }
    const groups: Group[] = [];
    for (const [transport, nums] of bySocket) {
      if (transport.sender) groups.push({ transport, nums });
      // v1 sockets carry one connection each: a group per socket.
      else for (const num of nums) groups.push({ transport, nums: [num] });
    }
    this.groupCache.set(to, groups);
    return groups;
  }

  private services(config: RoomConfig): RoomServices {
    const directory = () => directoryStub(this.env);
    return {
      redeem: async (token, clientAddress) =>
        (await tryCall(
          "room: directory.enterRoom",
          async (): Promise<SessionUser | LoginRefused | null> =>
            await directory().enterRoom(tokenToHex(token), config.id, clientAddress),
        )) ?? null,
      left: async (userId) => {
        await tryCall("room: directory.left", () => directory().left(userId, config.id));
      },
      reportCounts: async (players, games) => {
        await tryCall("room: directory.reportRoom", () => directory().reportRoom(config.id, players, games));
      },
      roomCounts: async (): Promise<RoomCountsById> =>
        (await tryCall("room: directory.roomCounts", () => directory().roomCounts())) ?? {},
      edgeConfig: (): EdgeConfig => loadConfig(this.env),
      // A failed call throws: the chat guard fails open on it (chat-guard.ts).
      chatLease: (address, want, rate) => chatLimiterStub(this.env, address).lease(want, rate),
      // D1 down: treat the name as taken (the guest keeps its name) rather than let it through.
      guestNameTaken: async (names) =>
        (await tryCall("room: D1 nameTaken", () => nameTaken(this.env.DB, names))) ?? true,
      now: () => Date.now(),
      moderation: edgeModeration(this.env),
      social: {
        // D1 trouble must not end the client's session: an empty answer instead (logged).
        buddies: async (userId) => (await tryCall("room: D1 buddies", () => listBuddies(this.env.DB, userId))) ?? [],
        updateBuddy: async (userId, buddyId, add, limit) =>
          (await tryCall("room: D1 updateBuddy", () => updateBuddy(this.env.DB, userId, buddyId, add, limit))) ?? {
            ok: false,
            reason: "unavailable",
          },
        orderOf: async (userId) => (await tryCall("room: D1 order", () => orderMatesOf(this.env.DB, userId))) ?? null,
        standing: async (userId) => {
          const got = await tryCall("room: D1 standing", () => ownStanding(this.env.DB, userId));
          return { buddies: got?.ids ?? [], order: got?.order ?? null };
        },
        locate: async (ids) => (await tryCall("room: directory.locate", () => directory().locate(ids))) ?? [],
        searchPlayers: async (query) =>
          (await tryCall("room: directory.searchPlayers", () => directory().searchPlayers(query, config.game))) ?? [],
        searchOtherRooms: async (query) => {
          // Every other room of this game at once; each answers at most GAME_SEARCH_RESULTS.
          const others = loadConfig(this.env).rooms.filter((r) => r.game === config.game && r.id !== config.id);
          const answers = await Promise.all(
            others.map((r) => tryCall(`room ${r.id}: searchGames`, () => roomStub(this.env, r.id).searchGames(query))),
          );
          return answers.flatMap((a) => a ?? []).slice(0, GAME_SEARCH_RESULTS);
        },
      },
      results: this.results(config),
    };
  }

  /**
   * Ranked play: writes go to the Results object (which answers once D1 has them); reads go to
   * D1 directly (edge/results/queries.ts). A failed write of a start or player list is logged
   * (the game then has no row and its reports are refused); a failed report answers an error.
   */
  private results(config: RoomConfig): RoomResults {
    const results = () => resultsStub(this.env);
    const db = this.env.DB;
    return {
      gameStarted: async (start) => {
        await tryCall("room: results.gameStarted", () => results().gameStarted(start));
      },
      gamePlayers: async (hostId, players) => {
        await tryCall("room: results.gamePlayers", () => results().gamePlayers(config.id, hostId, players));
      },
      report: (hostId, reporterId, standings) => {
        // The room does not wait for the answer (handlers/games.ts): keep the object up until it comes.
        const answer = tryCall(
          "room: results.report",
          () => results().report({ roomId: config.id, hostId, reporterId, standings, at: Date.now() }),
          // Our failure (logged by tryCall) is no reason to end the client's session.
        ).then((a): ReportAnswer => a ?? { ok: true });
        this.ctx.waitUntil(answer);
        return answer;
      },
      gameGone: async (hostId) => {
        await tryCall("room: results.gameGone", () => results().gameGone(config.id, hostId, Date.now()));
      },
      casteOf: async (userId) => (await tryCall("room: casteOf", () => casteOf(db, userId))) ?? 0,
      playerStats: async (userId) => (await tryCall("room: playerStats", () => loadPlayerStats(db, userId))) ?? null,
      updateProfile: async (userId, profile) => {
        await tryCall("room: updateProfile", () => updateProfile(db, userId, profile));
      },
    };
  }

  private storedModeration(): RoomModerationState | undefined {
    const row = this.ctx.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'moderation'").toArray()[0];
    return row ? (JSON.parse(row.v) as RoomModerationState) : undefined;
  }

  private setMeta(k: string, v: string): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
      k,
      v,
    );
  }

  /** The film store of this room (its id is known once a tunnel reached it). */
  private films(): FilmStore | null {
    if (this.filmStore) return this.filmStore;
    const config = this.config();
    if (!config) return null;
    this.filmStore = new FilmStore(this.ctx.storage.sql, this.env, config.id, () => {
      try {
        return loadConfig(this.env).films.retentionDays;
      } catch {
        return 0;
      }
    });
    return this.filmStore;
  }

  private rememberConfig(room: RoomConfig): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO meta (k, v) VALUES ('config', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
      JSON.stringify(room),
    );
  }

  /** The live config for this room's id (capacity or messages may have changed), else the one stored at first contact. */
  private config(): RoomConfig | null {
    const row = this.ctx.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'config'").toArray()[0];
    if (!row) return null;
    const stored = JSON.parse(row.v) as RoomConfig;
    return applyOverrides(roomById(loadConfig(this.env), stored.id) ?? stored, this.overrides());
  }

  private overrides(): RoomOverrides {
    const row = this.ctx.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'overrides'").toArray()[0];
    return row ? (JSON.parse(row.v) as RoomOverrides) : {};
  }
}

function hasFeature(header: string | null, feature: string): boolean {
  return (header ?? "").split(",").some((f) => f.trim() === feature);
}

function connId(socket: string, num: number): ConnId {
  return `${socket}:${num}`;
}

function parseConnId(id: ConnId): { socket: string; num: number } {
  const colon = id.lastIndexOf(":");
  return { socket: id.slice(0, colon), num: Number(id.slice(colon + 1)) };
}

function sendOn(ws: WebSocket, data: Uint8Array | string): void {
  try {
    ws.send(data);
  } catch {
    // The socket is closing; its close handler cleans up.
  }
}

function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, closeReason(reason));
  } catch {
    // already closed
  }
}
