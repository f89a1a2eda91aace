/**
 * One room (PROTOCOL.md §7.4-§8): a Durable Object per room, named "room:<id>".
 *
 * Each player is one hibernatable WebSocket from the bridge carrying whole plaintext packets.
 * Everything needed after hibernation or eviction lives in socket attachments (the player) and
 * in SQLite (games, score reports, the room's config); the in-memory maps are caches rebuilt
 * from ctx.getWebSockets() and storage.
 */
import { DurableObject } from "cloudflare:workers";
import type { Dialect } from "../protocol/dialect.ts";
import { HEADER_SIZE } from "../protocol/header.ts";
import { MessageType } from "../protocol/message-types.ts";
import {
  type DirectedDataMessage,
  decodeMessage,
  decodePlayerData,
  encodeGameList,
  encodePlayerList,
  type Message,
  type PlayerData,
  type RoomBroadcastMessage,
  ServerMessageCode,
  startGameSeconds,
  Verb,
} from "../protocol/messages.ts";
import { type EdgeConfig, loadConfig, parseIPv4, type RoomConfig, roomById } from "../worker/config.ts";
import { tokenToHex } from "../worker/handoff-token.ts";
import type { RoomStatus } from "../worker/room-control.ts";
import { mayEnter } from "../worker/room-list.ts";
import { directory, type SessionUser } from "./directory.ts";
import { parseDotCommand, runDotCommand } from "./room/dot-commands.ts";
import { elapsedSeconds, type Game, GameStore, gameEntry, gameListPacket, summarizeGame } from "./room/games.ts";
import { keepaliveFor } from "./room/keepalive.ts";
import {
  blammed,
  blueMessage,
  EMPTY_BUDDY_LIST,
  EMPTY_BUDDY_QUERY_RESULT,
  EMPTY_GAME_SEARCH_RESULT,
  EMPTY_ORDER_QUERY_RESULT,
  EMPTY_PLAYER_SEARCH_RESULT,
  playerInfoPacket,
  relayedChat,
  roomLoginSuccessful,
  serverMessage,
} from "./room/packets.ts";
import {
  isAdmin,
  nickOf,
  ownPlayerDataPacket,
  type PlayerState,
  playerEntry,
  playerListPacket,
  type SocketState,
  stateOf,
} from "./room/player.ts";
import { roomListPackets } from "./room/room-list.ts";

/** Which login order a client family expects (§7.4). */
type Family = "gos" | "bungie" | "aleph-one";

function familyOf(dialect: Dialect): Family {
  if (dialect === "myth2") return "gos";
  if (dialect === "marathon") return "aleph-one";
  return "bungie"; // myth2-legacy, myth1, myth3
}

/** Dialects a room of each game accepts. */
const ROOM_DIALECTS: Record<RoomConfig["game"], readonly Dialect[]> = {
  myth1: ["myth1"],
  myth2: ["myth2", "myth2-legacy"],
  myth3: ["myth3"],
  marathon: ["marathon"],
};

/** A host reports at most this many players in game_player_list; more is nonsense. */
const MAX_GAME_PLAYERS = 64;

export class Room extends DurableObject<Env> {
  private readonly games: GameStore;
  private roomConfig: RoomConfig | null = null;
  /** Cache: every open socket and its state (the attachment). */
  private socketCache: Map<WebSocket, SocketState> | null = null;
  /** Cache: listed players in join order. */
  private rosterCache: [WebSocket, PlayerState][] | null = null;
  /** Cache: sockets that receive room traffic (listed, not deaf). */
  private listenerCache: WebSocket[] | null = null;
  /** Per-socket work queue: packets of one client are handled strictly in order, even across awaits. */
  private readonly queues = new WeakMap<WebSocket, Promise<void>>();
  private lastJoin = 0;
  /** Sockets that have been sent a room list since this instance started. */
  private readonly hasRoomList = new WeakSet<WebSocket>();
  /** When this instance was constructed: it changes after hibernation or eviction (diagnostics). */
  private readonly instanceStartedAt = Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    this.games = new GameStore(ctx.storage.sql);
  }

  // -------------------------------------------------------------------------------------------
  // Tunnel

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const id = Number(request.headers.get("X-Room-Id"));
    const room = Number.isInteger(id) ? roomById(loadConfig(this.env), id) : undefined;
    if (!room) return new Response("unknown room", { status: 404 });
    this.rememberConfig(room);

    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const state: SocketState = {
      clientAddress: request.headers.get("X-Client-Address") ?? "",
      localAddress: request.headers.get("X-Local-Address") ?? "",
      encrypted: false,
    };
    server.serializeAttachment(state);
    this.sockets().set(server, state);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    return this.enqueue(ws, () => this.onMessage(ws, message));
  }

  override webSocketClose(ws: WebSocket): Promise<void> {
    return this.enqueue(ws, () => this.onGone(ws));
  }

  override webSocketError(ws: WebSocket): Promise<void> {
    return this.enqueue(ws, () => this.onGone(ws));
  }

  private enqueue(ws: WebSocket, work: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(ws) ?? Promise.resolve();
    const next = previous.then(work).catch((e: unknown) => {
      console.error("room: handler failed", e);
      const s = this.sockets().get(ws);
      // A bug in handling one client's packet ends that client only.
      if (s && !s.closed)
        return this.drop(ws, s, serverMessage(ServerMessageCode.SyntaxError, s.player?.dialect ?? null));
    });
    this.queues.set(ws, next);
    return next;
  }

  private async onMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    const s = this.sockets().get(ws);
    if (!s || s.closed) return;
    if (typeof message === "string") return this.onControl(ws, s, message);

    const packet = new Uint8Array(message);
    // Before room_login the family is unknown; the layouts a room accepts then do not depend on it.
    const decoded = decodeMessage(packet, s.player?.dialect ?? "myth2", "to-server");
    if (!decoded.ok) return this.drop(ws, s, serverMessage(ServerMessageCode.SyntaxError, s.player?.dialect ?? null));
    const msg = decoded.value;

    if (!s.player) {
      if (msg.type === MessageType.RoomLogin) return this.login(ws, s, msg.token);
      if (msg.type === MessageType.Keepalive) return;
      if (msg.type === MessageType.SetPlayerData) {
        // Clients send 103 right behind 101; should it arrive first, apply it after the login.
        s.pendingPlayerData = msg.player;
        return;
      }
      return this.drop(ws, s, serverMessage(ServerMessageCode.UserNotLoggedIn, null));
    }
    return this.handle(ws, s, s.player, msg, packet);
  }

  /** Text frames are control JSON from the bridge. */
  private onControl(ws: WebSocket, s: SocketState, text: string): void {
    let control: unknown;
    try {
      control = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof control === "object" && control !== null && (control as { t?: unknown }).t === "encrypted") {
      s.encrypted = true;
      this.persist(ws, s);
    }
  }

  private async onGone(ws: WebSocket): Promise<void> {
    const s = this.sockets().get(ws);
    if (s && !s.closed) {
      this.forget(ws, s);
      await this.afterLeave(s.player, true);
    }
    try {
      ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }

  // -------------------------------------------------------------------------------------------
  // Room login (§7.4)

  private async login(ws: WebSocket, s: SocketState, tokenBytes: Uint8Array): Promise<void> {
    const config = this.config();
    let user: SessionUser | null = null;
    try {
      user = await directory(this.env).redeem(tokenToHex(tokenBytes), config.id);
    } catch (e) {
      console.error("room: directory.redeem failed", e);
    }
    if (s.closed || !this.sockets().has(ws)) {
      // The client went away while the directory answered.
      if (user) await this.directoryLeft(user.userId);
      return;
    }
    if (!user) return this.drop(ws, s, serverMessage(ServerMessageCode.UserNotLoggedIn, null));

    const refuse = async (code: ServerMessageCode) => {
      await this.drop(ws, s, serverMessage(code, user.dialect));
      await this.directoryLeft(user.userId);
    };
    // GoS refuses guests in ranked/tournament rooms with code 4 (builds ≥ 428 have 16, but the
    // room itself answers 4); a client of another game does not belong here either.
    if (!mayEnter(config, user)) return refuse(ServerMessageCode.UserNotLoggedIn);
    if (!ROOM_DIALECTS[config.game].includes(user.dialect)) return refuse(ServerMessageCode.UserNotLoggedIn);

    // A second login of the same account kicks the first (GoS kicks the earlier session).
    for (const [other, os] of this.sockets()) {
      if (other !== ws && os.player?.userId === user.userId && !os.closed) {
        await this.drop(other, os, serverMessage(ServerMessageCode.AccountAlreadyLoggedIn, os.player.dialect), false);
      }
    }
    if (this.playerCount() >= config.capacity) return refuse(ServerMessageCode.RoomFull);

    // The login server stored this block with the same codec; a bad one is a bug there.
    const decodedData = decodePlayerData(user.playerData);
    if (!decodedData.ok) return refuse(ServerMessageCode.SyntaxError);
    const playerData = decodedData.value;
    const family = familyOf(user.dialect);
    this.lastJoin = Math.max(Date.now(), this.lastJoin + 1, this.maxJoinedAt() + 1);
    const player: PlayerState = {
      userId: user.userId,
      userName: user.userName,
      guest: user.guest,
      adminLevel: user.adminLevel,
      dialect: user.dialect,
      build: user.build,
      playerData,
      deaf: false,
      listed: family !== "bungie",
      joinedAt: this.lastJoin,
    };
    s.player = player;
    this.persist(ws, s);
    this.invalidate();

    // The bridge sends 202s and drops silent clients itself, so the room can sleep.
    send(ws, JSON.stringify({ t: "keepalive", ...keepaliveFor(user.dialect) }));
    send(ws, roomLoginSuccessful(player.userId, config.capacity));
    send(ws, serverMessage(ServerMessageCode.LoginSuccessful, player.dialect));

    if (family === "bungie") {
      // Bungie: MOTD now, lists after the client's first set_player_data.
      this.sendJoinMessages(ws, config);
      await this.reportCounts();
      await this.ensureRoomList(ws, s);
    } else {
      this.broadcast(playerListPacket(player, Verb.Add));
      this.sendFullUpdate(ws);
      await this.reportCounts();
      await this.ensureRoomList(ws, s);
      this.sendJoinMessages(ws, config);
    }
    const pending = s.pendingPlayerData;
    if (pending && !s.closed) {
      delete s.pendingPlayerData;
      this.onPlayerData(ws, s, player, pending);
    }
  }

  private sendJoinMessages(ws: WebSocket, config: RoomConfig): void {
    for (const line of config.joinMessages.flatMap((m) => m.split("\n"))) {
      if (line.length > 0) send(ws, blueMessage(line));
    }
  }

  /**
   * 1 (all players, add) and 2 (all games, add), split so no packet passes 8096 bytes. An empty
   * list is not sent at all, as GoS does (send_full_room_update_to_client).
   */
  private sendFullUpdate(ws: WebSocket): void {
    const now = Date.now();
    const roster = this.roster();
    if (roster.length > 0) {
      for (const p of encodePlayerList(roster.map(([, player]) => playerEntry(player, Verb.Add)))) send(ws, p);
    }
    const games = this.games.list();
    if (games.length > 0) {
      for (const p of encodeGameList(games.map((g) => gameEntry(g, Verb.Add, now)))) send(ws, p);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Main loop (§8)

  /** `packet` is the raw packet `msg` was decoded from. */
  private async handle(
    ws: WebSocket,
    s: SocketState,
    player: PlayerState,
    msg: Message,
    packet: Uint8Array,
  ): Promise<void> {
    switch (msg.type) {
      case MessageType.RoomBroadcast:
      case MessageType.DirectedData:
        return this.onChat(ws, player, msg);
      case MessageType.SetPlayerData:
        return this.onPlayerData(ws, s, player, msg.player);
      case MessageType.SetPlayerMode:
        // The codec already refused modes other than 0 and 1 (GoS and Bungie drop the client).
        player.deaf = msg.mode === 1;
        this.persist(ws, s);
        this.listenerCache = null;
        return;
      case MessageType.CreateGame:
        return this.onCreateGame(s, player, msg.port, msg.order, msg.gameData);
      case MessageType.RemoveGame:
        return this.removeGameOf(player.userId, true);
      case MessageType.StartGame:
        return this.onStartGame(player, msg.gameTime);
      case MessageType.GamePlayerList: {
        const game = this.games.byHost(player.userId);
        // Only the host's list counts (GoS).
        if (game) {
          game.players = msg.playerIds.slice(0, MAX_GAME_PLAYERS);
          this.games.save(game);
        }
        return;
      }
      case MessageType.GameScore: {
        // Kept as the client sent it (the standings after the game id), for the results pipeline.
        const report = packet.slice(HEADER_SIZE + 4);
        this.games.storeScore(msg.gameId, player.userId, this.games.byHost(player.userId), report, Date.now());
        return;
      }
      case MessageType.RequestFullUpdate:
        if (!player.deaf) this.sendFullUpdate(ws);
        return;
      case MessageType.Logout:
        // Bungie answers "logged out" and removes the player; A1S closes; GoS ignores it (§7.7).
        if (familyOf(player.dialect) === "bungie") {
          return this.drop(ws, s, serverMessage(ServerMessageCode.LogoutSuccessful, player.dialect));
        }
        if (player.dialect === "marathon") return this.drop(ws, s, null);
        return;
      case MessageType.PlayerInfoQuery:
        return this.onPlayerInfo(ws, player, msg.userId);
      case MessageType.GameSearchQuery:
        return this.reply(ws, player, EMPTY_GAME_SEARCH_RESULT);
      case MessageType.PlayerSearchQuery:
        return this.reply(ws, player, EMPTY_PLAYER_SEARCH_RESULT);
      case MessageType.BuddyQuery:
        return this.reply(ws, player, EMPTY_BUDDY_QUERY_RESULT);
      case MessageType.OrderQuery:
        return this.reply(ws, player, EMPTY_ORDER_QUERY_RESULT);
      case MessageType.UpdateBuddy:
        return this.reply(ws, player, EMPTY_BUDDY_LIST);
      case MessageType.RoomLogin:
        // Already logged in on this connection.
        return this.drop(ws, s, serverMessage(ServerMessageCode.UserAlreadyLoggedIn, player.dialect));
      case MessageType.Keepalive:
      case MessageType.ResetGame:
      case MessageType.UpdatePlayerInformation:
      case MessageType.RecordingStreamHeader:
      case MessageType.RecordingStreamCommand:
      case MessageType.RecordingStreamEnd:
        return;
      default:
        // Login-server messages (100, 106, 108, 109, 115) and 203 have no place in a room.
        return this.drop(ws, s, serverMessage(ServerMessageCode.SyntaxError, player.dialect));
    }
  }

  private onChat(ws: WebSocket, player: PlayerState, msg: RoomBroadcastMessage | DirectedDataMessage): void {
    const command = parseDotCommand(msg.text);
    if (command) {
      const lines = runDotCommand(command.name, {
        games: this.games.list(),
        nickOf: (id) => {
          const host = this.findPlayer(id);
          return host ? nickOf(host[1]) : String(id);
        },
        now: Date.now(),
      });
      for (const line of lines) this.reply(ws, player, blueMessage(line));
      return;
    }
    // Never relay a forged sender: id and name are the ones the room vouches for (GoS).
    const packet = relayedChat(msg, player.userId, nickOf(player));
    if (msg.type === MessageType.RoomBroadcast) {
      this.broadcast(packet);
      return;
    }
    const target = this.findPlayer(msg.targetPlayerId);
    if (!target) {
      this.reply(ws, player, serverMessage(ServerMessageCode.PlayerNotInRoom, player.dialect));
      return;
    }
    this.reply(target[0], target[1], packet);
    if (msg.echo && msg.targetPlayerId !== player.userId) this.reply(ws, player, packet);
  }

  private onPlayerData(ws: WebSocket, s: SocketState, player: PlayerState, data: PlayerData): void {
    if (!player.listed) {
      // Bungie: the first set_player_data brings the newcomer into the lists (§7.4).
      player.playerData = data;
      player.listed = true;
      this.persist(ws, s);
      this.invalidate();
      this.broadcast(playerListPacket(player, Verb.Add), ws);
      this.sendFullUpdate(ws);
      send(ws, ownPlayerDataPacket(player));
      return;
    }
    // GoS takes only the in-game state and keeps the login-time data (no spoofing in the room);
    // Bungie and A1S store the whole block.
    player.playerData = player.dialect === "myth2" ? { ...player.playerData, state: data.state } : data;
    this.persist(ws, s);
    this.rosterCache = null;
    this.broadcast(playerListPacket(player, Verb.Change));
  }

  private async onCreateGame(s: SocketState, player: PlayerState, port: number, order: number, data: Uint8Array) {
    const now = Date.now();
    const existing = this.games.byHost(player.userId);
    if (existing) {
      // GoS updates only the game data; the address and port stay those of the first create.
      existing.data = data;
      existing.order = order;
      this.games.save(existing);
      this.broadcast(gameListPacket(existing, Verb.Change, now));
      return;
    }
    const host = parseIPv4(s.clientAddress) ?? 0;
    const game = this.games.create(player.userId, host, port, order, data, now);
    this.broadcast(gameListPacket(game, Verb.Add, now));
    await this.reportCounts();
  }

  private onStartGame(player: PlayerState, gameTime: number): void {
    const game = this.games.byHost(player.userId);
    // GoS drops a non-host that sends start_game; ignoring it harms no one.
    if (!game) return;
    const now = Date.now();
    game.startedAt = now;
    // Untimed (null) is stored as 0.
    game.timeLimit = startGameSeconds(gameTime, player.dialect) ?? 0;
    this.games.save(game);
    // A1S sends a change so elapsed/remaining time shows; harmless for Myth.
    this.broadcast(gameListPacket(game, Verb.Change, now));
  }

  private onPlayerInfo(ws: WebSocket, player: PlayerState, userId: number): void {
    const found = this.findPlayer(userId);
    if (!found) return; // GoS answers only for players in the same room
    const target = found[1];
    const data = target.playerData;
    this.reply(
      ws,
      player,
      playerInfoPacket({
        administrator: isAdmin(target),
        orderIndex: data.orderIndex,
        iconIndex: data.coatOfArms,
        primaryColor: data.primaryColor,
        secondaryColor: data.secondaryColor,
        login: target.guest ? "Guest" : String(target.userId),
        name: nickOf(target),
      }),
    );
  }

  private async removeGameOf(userId: number, report: boolean): Promise<void> {
    const game = this.games.remove(userId);
    if (!game) return;
    this.broadcast(gameListPacket(game, Verb.Delete, Date.now()));
    if (report) await this.reportCounts();
  }

  // -------------------------------------------------------------------------------------------
  // Leaving

  /**
   * Says a last word to one socket (if any), closes it and removes its player from the room.
   * `directoryLeft` false when the same user stays in this room on another socket.
   */
  private async drop(ws: WebSocket, s: SocketState, last: Uint8Array | null, directoryLeft = true): Promise<void> {
    if (s.closed) return;
    this.forget(ws, s);
    if (last) send(ws, last);
    try {
      ws.close(1000, "closed by room");
    } catch {
      // already gone
    }
    await this.afterLeave(s.player, directoryLeft);
  }

  /** Marks the socket closed (in its attachment too) and drops it from every cache. */
  private forget(ws: WebSocket, s: SocketState): void {
    s.closed = true;
    this.persist(ws, s);
    this.sockets().delete(ws);
    this.invalidate();
  }

  private async afterLeave(player: PlayerState | undefined, notifyDirectory: boolean): Promise<void> {
    if (!player) return;
    await this.removeGameOf(player.userId, false);
    if (player.listed) this.broadcast(playerListPacket(player, Verb.Delete));
    if (notifyDirectory) await this.directoryLeft(player.userId);
    await this.reportCounts();
  }

  private async directoryLeft(userId: number): Promise<void> {
    try {
      await directory(this.env).left(userId, this.config().id);
    } catch (e) {
      console.error("room: directory.left failed", e);
    }
  }

  private async reportCounts(): Promise<void> {
    try {
      await directory(this.env).reportRoom(this.config().id, this.playerCount(), this.games.count);
    } catch (e) {
      console.error("room: directory.reportRoom failed", e);
    }
  }

  // -------------------------------------------------------------------------------------------
  // RPC

  /** Ends a user's session here: 3 with `code` if given, else 21 with `reason`; then close. */
  async kick(userId: number, reason: string, code?: number): Promise<number> {
    let kicked = 0;
    for (const [ws, s] of [...this.sockets()]) {
      const player = s.player;
      if (!player || player.userId !== userId || s.closed) continue;
      const last =
        code === undefined
          ? blammed(reason)
          : serverMessage(code as ServerMessageCode, player.dialect, reason || undefined);
      await this.drop(ws, s, last);
      kicked++;
    }
    return kicked;
  }

  /** Re-sends room_list (0) to every logged-in client, built for each kind of client. */
  async roomListChanged(): Promise<void> {
    await this.sendRoomLists([...this.sockets()]);
  }

  private async sendRoomLists(targets: [WebSocket, SocketState][]): Promise<void> {
    let counts: Record<number, { players: number; games: number }> = {};
    try {
      counts = await directory(this.env).roomCounts();
    } catch (e) {
      console.error("room: directory.roomCounts failed", e);
    }
    const config: EdgeConfig = loadConfig(this.env);
    const built = new Map<string, Uint8Array[]>();
    for (const [ws, s] of targets) {
      const player = s.player;
      if (!player || player.deaf || s.closed) continue;
      const key = `${player.dialect}|${player.guest}|${s.localAddress}`;
      let packets = built.get(key);
      if (!packets) {
        packets = roomListPackets(config, counts, {
          dialect: player.dialect,
          guest: player.guest,
          localAddress: s.localAddress,
        });
        built.set(key, packets);
      }
      for (const p of packets) send(ws, p);
      this.hasRoomList.add(ws);
    }
  }

  /** After a login: the directory re-sends lists only when counts changed; the newcomer needs one anyway. */
  private async ensureRoomList(ws: WebSocket, s: SocketState): Promise<void> {
    if (!this.hasRoomList.has(ws)) await this.sendRoomLists([[ws, s]]);
  }

  /** For /status.json and the admin room view. */
  async status(): Promise<RoomStatus> {
    const now = Date.now();
    const players = [...this.sockets().values()]
      .flatMap((s) => (s.player ? [s.player] : []))
      .sort((a, b) => a.joinedAt - b.joinedAt)
      .map((p) => ({ userId: p.userId, nick: nickOf(p), inGame: (stateOf(p) & 1) === 1, guest: p.guest }));
    const games = this.games.list().map((g: Game) => {
      const s = summarizeGame(g.data);
      return {
        name: s.name,
        map: s.map,
        players: s.players,
        maxPlayers: s.maxPlayers,
        elapsedSeconds: elapsedSeconds(g, now),
      };
    });
    return { players, games, instanceStartedAt: this.instanceStartedAt };
  }

  // -------------------------------------------------------------------------------------------
  // State and caches

  private rememberConfig(room: RoomConfig): void {
    this.roomConfig = room;
    this.ctx.storage.sql.exec(
      "INSERT INTO meta (k, v) VALUES ('config', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
      JSON.stringify(room),
    );
  }

  private config(): RoomConfig {
    if (this.roomConfig) return this.roomConfig;
    const row = this.ctx.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'config'").toArray()[0];
    if (!row) throw new Error("room has no config: it was never reached through /tunnel/room/:id");
    const stored = JSON.parse(row.v) as RoomConfig;
    // Prefer the live config for this id (capacity or messages may have changed since).
    let live: RoomConfig | undefined;
    try {
      live = roomById(loadConfig(this.env), stored.id);
    } catch {
      live = undefined;
    }
    this.roomConfig = live ?? stored;
    return this.roomConfig;
  }

  private sockets(): Map<WebSocket, SocketState> {
    if (this.socketCache) return this.socketCache;
    const map = new Map<WebSocket, SocketState>();
    for (const ws of this.ctx.getWebSockets()) {
      const s = ws.deserializeAttachment() as SocketState | null;
      if (s && !s.closed) map.set(ws, s);
    }
    this.socketCache = map;
    this.dropOrphanGames(map);
    return map;
  }

  /** After an eviction, games whose host socket is gone must not linger. */
  private dropOrphanGames(map: Map<WebSocket, SocketState>): void {
    const hosts = new Set<number>();
    for (const s of map.values()) if (s.player) hosts.add(s.player.userId);
    const orphans = this.games.list().filter((g) => !hosts.has(g.hostId));
    if (orphans.length === 0) return;
    for (const g of orphans) {
      this.games.remove(g.hostId);
      this.broadcast(gameListPacket(g, Verb.Delete, Date.now()));
    }
    this.ctx.waitUntil(this.reportCounts());
  }

  private persist(ws: WebSocket, s: SocketState): void {
    try {
      ws.serializeAttachment(s);
    } catch (e) {
      console.error("room: serializeAttachment failed", e);
    }
  }

  private invalidate(): void {
    this.rosterCache = null;
    this.listenerCache = null;
  }

  /** Listed players in join order. */
  private roster(): [WebSocket, PlayerState][] {
    if (this.rosterCache) return this.rosterCache;
    const list: [WebSocket, PlayerState][] = [];
    for (const [ws, s] of this.sockets()) if (s.player?.listed) list.push([ws, s.player]);
    list.sort((a, b) => a[1].joinedAt - b[1].joinedAt);
    this.rosterCache = list;
    return list;
  }

  private listeners(): WebSocket[] {
    if (this.listenerCache) return this.listenerCache;
    this.listenerCache = this.roster()
      .filter(([, p]) => !p.deaf)
      .map(([ws]) => ws);
    return this.listenerCache;
  }

  private findPlayer(userId: number): [WebSocket, PlayerState] | undefined {
    for (const [ws, s] of this.sockets()) if (s.player?.userId === userId) return [ws, s.player];
    return undefined;
  }

  private playerCount(): number {
    let n = 0;
    for (const s of this.sockets().values()) if (s.player) n++;
    return n;
  }

  private maxJoinedAt(): number {
    let max = 0;
    for (const s of this.sockets().values()) if (s.player && s.player.joinedAt > max) max = s.player.joinedAt;
    return max;
  }

  /** The same bytes to every listening client (one encode per broadcast). */
  private broadcast(packet: Uint8Array, except?: WebSocket): void {
    for (const ws of this.listeners()) if (ws !== except) send(ws, packet);
  }

  /** Room traffic to one client; deaf clients get none (GoS queues nothing for them). */
  private reply(ws: WebSocket, player: PlayerState, packet: Uint8Array): void {
    if (!player.deaf) send(ws, packet);
  }
}

function send(ws: WebSocket, data: Uint8Array | string): void {
  try {
    ws.send(data);
  } catch {
    // The socket is closing; its close handler cleans up.
  }
}
