/**
 * One room: a Durable Object per configured room (edge/objects.ts names it). This is the thin
 * shell around the room's rules (core.ts): it accepts the bridge's tunnel sockets as
 * hibernatable WebSockets, keeps each connection's state in its socket's attachment and the
 * games in SQLite (game-table.ts), queues each connection's packets so they are handled
 * strictly in order, and carries out what the core decides. After hibernation or eviction the
 * core is rebuilt from the attachments and the tables; nothing else lives only in memory.
 */
import { DurableObject } from "cloudflare:workers";
import { type EdgeConfig, loadConfig, type RoomConfig, roomById } from "../../edge/config.ts";
import type { RoomCountsById, RoomStatus } from "../../edge/contracts.ts";
import { tokenToHex } from "../../edge/handoff-token.ts";
import { directoryStub, ROOM_ID_HEADER, tryCall } from "../../edge/objects.ts";
import type { ServerMessageCode } from "../../protocol/messages.ts";
import { closeReason, TunnelClose } from "../../tunnel/close-codes.ts";
import { encodeControl, parseBridgeControl } from "../../tunnel/control.ts";
import { frameOfPacket, packetOfFrame } from "../../tunnel/frames.ts";
import { CLIENT_ADDRESS_HEADER, LOCAL_ADDRESS_HEADER } from "../../tunnel/http.ts";
import { RoomCore, type RoomOutbox, type RoomServices } from "./core.ts";
import { GameTable } from "./game-table.ts";
import type { Connection, ConnId } from "./state.ts";

export class Room extends DurableObject<Env> {
  private readonly games: GameTable;
  private core: RoomCore | null = null;
  /** The open socket of each connection, and back. Rebuilt with the core. */
  private readonly sockets = new Map<ConnId, WebSocket>();
  private readonly connIds = new WeakMap<WebSocket, ConnId>();
  /** Per-socket work queue: packets of one client are handled strictly in order, even across awaits. */
  private readonly queues = new WeakMap<WebSocket, Promise<void>>();
  /** When this instance was constructed: it changes after hibernation or eviction (diagnostics). */
  private readonly instanceStartedAt = Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    this.games = new GameTable(ctx.storage.sql);
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

    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const conn: Connection = {
      id: crypto.randomUUID(),
      clientAddress: request.headers.get(CLIENT_ADDRESS_HEADER) ?? "",
      localAddress: request.headers.get(LOCAL_ADDRESS_HEADER) ?? "",
      encrypted: false,
    };
    this.track(conn.id, server);
    core.open(conn);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    return this.enqueue(ws, (core, id) => {
      if (typeof message === "string") {
        const control = parseBridgeControl(message);
        if (control) core.control(id, control);
        return Promise.resolve();
      }
      const packet = packetOfFrame(message);
      return packet.ok ? core.receive(id, packet.value) : core.failed(id);
    });
  }

  override webSocketClose(ws: WebSocket): Promise<void> {
    return this.enqueue(ws, (core, id) => core.gone(id)).finally(() => closeSocket(ws, TunnelClose.normal, "bye"));
  }

  override webSocketError(ws: WebSocket): Promise<void> {
    return this.webSocketClose(ws);
  }

  private enqueue(ws: WebSocket, work: (core: RoomCore, id: ConnId) => Promise<void>): Promise<void> {
    const previous = this.queues.get(ws) ?? Promise.resolve();
    const next = previous.then(async () => {
      const core = this.room();
      const id = this.connIds.get(ws);
      if (!core || id === undefined) return;
      try {
        await work(core, id);
      } catch (e) {
        console.error("room: handler failed", e);
        // A bug in handling one client's packet ends that client only.
        await core.failed(id);
      }
    });
    this.queues.set(ws, next);
    return next;
  }

  // ------------------------------------------------------------------ RPC

  /** Ends a user's session here: 3 with `code` if given, else 21 with `reason`; then close. */
  async kick(userId: number, reason: string, code?: ServerMessageCode): Promise<number> {
    return (await this.room()?.kick(userId, reason, code)) ?? 0;
  }

  /** Re-sends room_list (0) to every logged-in client, built for each kind of client. */
  async roomListChanged(): Promise<void> {
    await this.room()?.roomListChanged();
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
    const connections: Connection[] = [];
    for (const ws of this.ctx.getWebSockets()) {
      const conn = ws.deserializeAttachment() as Connection | null;
      if (!conn || conn.closed) continue;
      connections.push(conn);
      this.track(conn.id, ws);
    }
    this.core = new RoomCore(config, connections, this.games.all(), this.outbox(), this.services(config));
    // After an eviction, games whose host is gone must not linger.
    this.ctx.waitUntil(this.core.dropOrphanGames());
    return this.core;
  }

  private track(id: ConnId, ws: WebSocket): void {
    this.sockets.set(id, ws);
    this.connIds.set(ws, id);
  }

  private outbox(): RoomOutbox {
    const sockets = this.sockets;
    const send = (id: ConnId, data: Uint8Array | string) => {
      try {
        sockets.get(id)?.send(data);
      } catch {
        // The socket is closing; its close handler cleans up.
      }
    };
    return {
      send: (to, packet) => send(to, frameOfPacket(packet)),
      broadcast: (to, packet) => {
        const frame = frameOfPacket(packet);
        for (const id of to) send(id, frame);
      },
      control: (to, frame) => send(to, encodeControl(frame)),
      close: (id) => {
        const ws = sockets.get(id);
        sockets.delete(id);
        if (ws) closeSocket(ws, TunnelClose.normal, "closed by room");
      },
      saveConnection: (conn) => {
        try {
          sockets.get(conn.id)?.serializeAttachment(conn);
        } catch (e) {
          console.error("room: serializeAttachment failed", e);
        }
      },
      saveGame: (game) => this.games.save(game),
      deleteGame: (hostId) => this.games.delete(hostId),
      storeScore: (report) => this.games.storeScore(report),
    };
  }

  private services(config: RoomConfig): RoomServices {
    const directory = () => directoryStub(this.env);
    return {
      redeem: async (token) =>
        (await tryCall("room: directory.redeem", () => directory().redeem(tokenToHex(token), config.id))) ?? null,
      left: async (userId) => {
        await tryCall("room: directory.left", () => directory().left(userId, config.id));
      },
      reportCounts: async (players, games) => {
        await tryCall("room: directory.reportRoom", () => directory().reportRoom(config.id, players, games));
      },
      roomCounts: async (): Promise<RoomCountsById> =>
        (await tryCall("room: directory.roomCounts", () => directory().roomCounts())) ?? {},
      edgeConfig: (): EdgeConfig => loadConfig(this.env),
      now: () => Date.now(),
    };
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
    return roomById(loadConfig(this.env), stored.id) ?? stored;
  }
}

function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, closeReason(reason));
  } catch {
    // already closed
  }
}
