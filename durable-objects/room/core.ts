/**
 * The room's rules (PROTOCOL.md §7.4-§8) as plain code over plain state: connections, their
 * players, the games. It does no I/O of its own. What it decides goes out through a RoomOutbox
 * (packets, closes, what to persist) and what it must ask goes through RoomServices (the
 * directory, the configuration, the clock). The Durable Object shell (object.ts) supplies both
 * and owns sockets, storage and hibernation; tests supply recording fakes.
 *
 * Messages are handled by the table in handlers/index.ts: one module per area.
 */
import type { Rate } from "../../edge/abuse/bucket.ts";
import type { EdgeConfig, RoomConfig } from "../../edge/config.ts";
import type {
  ChatLease,
  LocatedPlayer,
  LoginRefused,
  RoomCountsById,
  RoomStatus,
  SessionUser,
  SocialNotice,
} from "../../edge/contracts.ts";
import type { GameStart, PlayerStats, ReportAnswer, ResultPlayer } from "../../edge/results/contracts.ts";
import type { Standings } from "../../edge/results/standings.ts";
import { type RoomListClient, roomListPackets } from "../../edge/room-list.ts";
import type { UpdateBuddyResult } from "../../edge/social/rules.ts";
import { dialectsOf, familyTraits } from "../../protocol/families.ts";
import {
  decodeMessage,
  encodeGameList,
  encodePlayerList,
  type GameListEntry,
  ServerMessageCode,
  Verb,
} from "../../protocol/messages.ts";
import type { DecodeErrorKind } from "../../protocol/result.ts";
import { rgbToInt } from "../../protocol/structs/rgb-color.ts";
import type { BridgeControl, EdgeControl } from "../../tunnel/control.ts";
import type { HostCheckMode, HostResult } from "../../tunnel/mux.ts";
import { ChatGuard } from "./chat-guard.ts";
import { type GameSearchQuery, searchGames } from "./game-search.ts";
import { elapsedSeconds, type FilmEnd, type Game, gameEntry, gameListPacket, summarizeGame } from "./games.ts";
import { filmOnGameEnd } from "./handlers/films.ts";
import { onHostResult } from "./handlers/host-proxy.ts";
import { handleBeforeLogin, handleMessage } from "./handlers/index.ts";
import { sendSocialNotice } from "./handlers/social.ts";
import { emptyModerationState, type RoomModeration, type RoomModerationState } from "./moderation.ts";
import { blammed, blueMessage, serverMessage } from "./packets.ts";
import { nickOf, ownPlayerDataPacket, playerEntry, playerListPacket, showsCastes, stateOf } from "./player.ts";
import type { Connection, ConnId, PlayerConnection, PlayerState } from "./state.ts";

/** Where the room's decisions go. Calls happen in order; the shell carries them out in that order. */
export interface RoomOutbox {
  send(to: ConnId, packet: Uint8Array): void;
  /** The same bytes to several connections (encoded once). */
  broadcast(to: readonly ConnId[], packet: Uint8Array): void;
  control(to: ConnId, frame: EdgeControl): void;
  /** Ends the connection after what was sent to it. */
  close(conn: ConnId): void;
  /** The connection's state changed: keep it where it survives hibernation. */
  saveConnection(conn: Connection): void;
  saveGame(game: Game): void;
  deleteGame(hostId: number): void;
  /** The room's moderation state (lock, gags) changed: keep it. */
  saveModeration(state: RoomModerationState): void;
  /** A packet that did not decode was refused (counted for /metrics); optional for test fakes. */
  protocolError?(kind: DecodeErrorKind): void;
  /**
   * Asks the connection's bridge to check the player's game port (tunnel/mux.ts host check);
   * false when that bridge cannot (a v1 tunnel, or a bridge without the host-proxy feature).
   */
  hostCheck(to: ConnId, port: number, mode: HostCheckMode): boolean;
  /** The connection's proxied game is gone: its bridge frees the port pair. */
  hostRelease(to: ConnId): void;
  /** A piece of a host's film, kept in order as it arrives (kind: the recording header, or one command). */
  filmChunk(hostId: number, kind: "header" | "command", bytes: Uint8Array): void;
  /** Drops what was kept of a host's film (cut, or restarted by a new header). */
  filmDiscard(hostId: number): void;
  /** The film is over: the shell writes the file (if any) and its row. */
  filmEnd(end: FilmEnd): void;
}

/** What the room asks of the rest of the edge. Failures are the shell's to log; they never throw here. */
export interface RoomServices {
  /**
   * Directory.enterRoom: the user a handoff token stands for, a ban's refusal, or null (also for
   * another address than the login's).
   */
  redeem(token: Uint8Array, clientAddress: string): Promise<SessionUser | LoginRefused | null>;
  /** Directory.left: the user's connection to this room ended. */
  left(userId: number): Promise<void>;
  /** Directory.reportRoom: this room's counts. */
  reportCounts(players: number, games: number): Promise<void>;
  roomCounts(): Promise<RoomCountsById>;
  edgeConfig(): EdgeConfig;
  /** ChatLimiter.lease: up to `want` lines of the address's chat budget across all rooms. */
  chatLease(address: string, want: number, rate: Rate): Promise<ChatLease>;
  /** D1: is any of these names (normalised) a registered player's login name or nick? */
  guestNameTaken(names: readonly string[]): Promise<boolean>;
  now(): number;
  /** Bans, the audit log, announcements, who is online (moderation.ts). */
  readonly moderation: RoomModeration;
  social: SocialServices;
  /** Ranked play (the Results object and D1); see RoomResults. */
  readonly results: RoomResults;
}

/** Buddies, orders and searches (D1 and the directory; edge/social/, handlers/social.ts). */
export interface SocialServices {
  /** The user's buddy ids, oldest first. */
  buddies(userId: number): Promise<number[]>;
  updateBuddy(userId: number, buddyId: number, add: boolean, limit: number): Promise<UpdateBuddyResult>;
  /** The user's live order and its member ids, or null. */
  orderOf(userId: number): Promise<{ orderId: number; members: number[] } | null>;
  /** Both at once (one D1 round trip): what a room join needs. */
  standing(userId: number): Promise<{ buddies: number[]; order: { orderId: number; members: number[] } | null }>;
  /** Directory.locate: which of these users are online, and where. */
  locate(userIds: number[]): Promise<LocatedPlayer[]>;
  /** Directory.searchPlayers over the rooms of this room's game. */
  searchPlayers(query: string): Promise<LocatedPlayer[]>;
  /** Open games matching the query in the other rooms of this room's game. */
  searchOtherRooms(query: GameSearchQuery): Promise<GameListEntry[]>;
}

/**
 * What the room tells the Results object and asks of D1 about games, ratings and profiles.
 * Writes are durable when the promise resolves.
 */
export interface RoomResults {
  gameStarted(start: GameStart): Promise<void>;
  gamePlayers(hostId: number, players: readonly ResultPlayer[]): Promise<void>;
  /** A checked score report; the answer says whether it was stored. */
  report(hostId: number, reporterId: number, standings: Standings): Promise<ReportAnswer>;
  /** The host's game left the room (removed, or the host dropped). */
  gameGone(hostId: number): Promise<void>;
  /** The account's overall caste (dagger until rated). */
  casteOf(userId: number): Promise<number>;
  /** Stats and profile strings for player_info; null when they cannot be read. */
  playerStats(userId: number): Promise<PlayerStats | null>;
  updateProfile(
    userId: number,
    profile: { city: string; state: string; country: string; quote: string },
  ): Promise<void>;
}

export class RoomCore {
  private readonly connections = new Map<ConnId, Connection>();
  private readonly games = new Map<number, Game>();
  /** Cache: listed players in join order. */
  private rosterCache: PlayerConnection[] | null = null;
  /** Cache: connections that receive room traffic (listed, not deaf). */
  private listenerCache: ConnId[] | null = null;
  /** Cache: by user id, the connections that muted that user (`.mute`). */
  private muteIndex: Map<number, Set<ConnId>> | null = null;
  /** Connections that have been sent a room list since this instance started. */
  private readonly hasRoomList = new Set<ConnId>();
  private lastJoin = 0;
  /** When each connection's recent social queries came (SOCIAL_QUERIES_PER_MINUTE; memory only: a budget, not state). */
  private readonly socialQueries = new Map<ConnId, number[]>();
  /** seconds_remaining of an unstarted game: the same for every family of one game. */
  readonly unstartedSecondsRemaining: number;
  /** Chat and request_full_update budgets (chat-guard.ts). */
  readonly chatGuard = new ChatGuard(
    () => this.services.edgeConfig().chat,
    (address, want, rate) => this.services.chatLease(address, want, rate),
  );

  constructor(
    /** Replaced as a whole when an admin changes the room live (object.ts `configure`). */
    public config: RoomConfig,
    connections: Iterable<Connection>,
    games: Iterable<Game>,
    readonly out: RoomOutbox,
    readonly services: RoomServices,
    /** Lock and gags as the shell stored them. */
    readonly moderation: RoomModerationState = emptyModerationState(),
  ) {
    for (const c of connections) if (!c.closed) this.connections.set(c.id, c);
    for (const g of games) this.games.set(g.hostId, g);
    this.unstartedSecondsRemaining = familyTraits(dialectsOf(config.game)[0] ?? "myth2").unstartedSecondsRemaining;
  }

  // ------------------------------------------------------------------ entry points (the shell calls these)

  /** A new connection from the bridge; nothing is sent until its room_login. */
  open(conn: Connection): void {
    this.connections.set(conn.id, conn);
    this.out.saveConnection(conn);
  }

  /**
   * One whole raw packet from a connection. Returns a promise only when the handler awaits
   * something (the directory): chat and most messages are handled synchronously.
   */
  receive(id: ConnId, packet: Uint8Array): void | Promise<void> {
    const conn = this.connections.get(id);
    if (!conn || conn.closed) return;
    // Before room_login the family is unknown; the layouts a room accepts then do not depend on it.
    const decoded = decodeMessage(packet, conn.player?.dialect ?? "myth2", "to-server");
    if (!decoded.ok) {
      this.out.protocolError?.(decoded.error.kind);
      return this.drop(conn, serverMessage(ServerMessageCode.SyntaxError, conn.player?.dialect ?? null));
    }
    if (!conn.player) return handleBeforeLogin(this, conn, decoded.value);
    return handleMessage(this, conn as PlayerConnection, decoded.value, packet);
  }

  /** A control frame from the bridge for this connection. */
  control(id: ConnId, frame: BridgeControl): void {
    const conn = this.connections.get(id);
    if (!conn || conn.closed) return;
    if (frame.t === "encrypted") {
      conn.encrypted = true;
      this.out.saveConnection(conn);
    }
  }

  /** The bridge answered a host check for this connection. */
  hostResult(id: ConnId, result: HostResult): void | Promise<void> {
    const conn = this.connections.get(id);
    if (!conn || conn.closed || !conn.player) {
      // The host went meanwhile; its bridge freed the pair when the connection closed.
      return;
    }
    return onHostResult(this, conn as PlayerConnection, result);
  }

  /** The connection closed from the other side. */
  async gone(id: ConnId): Promise<void> {
    const conn = this.connections.get(id);
    if (!conn || conn.closed) return;
    this.forget(conn);
    await this.afterLeave(conn.player, true);
  }

  /** A bug while handling one client's packet ends that client only. */
  async failed(id: ConnId): Promise<void> {
    const conn = this.connections.get(id);
    if (conn && !conn.closed)
      await this.drop(conn, serverMessage(ServerMessageCode.SyntaxError, conn.player?.dialect ?? null));
  }

  /** Ends a user's session here: 3 with `code` if given, else 21 with `reason`; then close. */
  async kick(userId: number, reason: string, code?: ServerMessageCode): Promise<number> {
    let kicked = 0;
    for (const conn of [...this.connections.values()]) {
      const player = conn.player;
      if (!player || player.userId !== userId || conn.closed) continue;
      const last = code === undefined ? blammed(reason) : serverMessage(code, player.dialect, reason || undefined);
      await this.drop(conn, last);
      kicked++;
    }
    return kicked;
  }

  /** A blue-bar line to everyone listening in the room (`.message`, admin room messages, announcements). */
  roomMessage(text: string): void {
    this.broadcast(blueMessage(text));
  }

  /**
   * New castes from a caste pass (Results): players here in ranked and tournament rooms show
   * them in the next player list entry the room sends, and get their own 8.
   */
  castesChanged(changes: readonly { userId: number; caste: number }[]): void {
    if (!showsCastes(this.config)) return;
    const listed: PlayerState[] = [];
    for (const { userId, caste } of changes) {
      const found = this.findPlayer(userId);
      if (!found || found.player.guest || found.player.caste === caste) continue;
      found.player.caste = caste;
      this.save(found);
      if (found.player.listed) listed.push(found.player);
      this.reply(found, ownPlayerDataPacket(found.player));
    }
    // One player list of changes for everyone (a game's players change together).
    if (listed.length > 0) {
      for (const p of encodePlayerList(listed.map((player) => playerEntry(player, Verb.Change)))) this.broadcast(p);
    }
  }

  /** Re-sends room_list (0) to every logged-in client, built for each kind of client. */
  roomListChanged(): Promise<void> {
    return this.sendRoomLists([...this.connections.values()]);
  }

  /** Counts one social query (116-120) of the connection; false when it is over its minute's budget. */
  allowSocialQuery(conn: PlayerConnection): boolean {
    const now = this.services.now();
    const budget = this.services.edgeConfig().socialQueriesPerMinute;
    const recent = (this.socialQueries.get(conn.id) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= budget) {
      this.socialQueries.set(conn.id, recent);
      return false;
    }
    recent.push(now);
    this.socialQueries.set(conn.id, recent);
    return true;
  }

  /** The directory's online notice for one user here: a fresh 19 and/or 20 (handlers/social.ts). */
  socialNotice(userId: number, notice: SocialNotice): void {
    const found = this.findPlayer(userId);
    if (found && !found.closed) sendSocialNotice(this, found, notice);
  }

  /** This room's open games matching a game search (another room of the game asks). */
  searchGames(query: GameSearchQuery, limit?: number): GameListEntry[] {
    const now = this.services.now();
    return searchGames(this.games.values(), query, limit).map((g) =>
      gameEntry(g, Verb.Add, now, this.unstartedSecondsRemaining),
    );
  }

  /** After an eviction, games whose host is gone must not linger. */
  async dropOrphanGames(): Promise<void> {
    const hosts = new Set<number>();
    for (const c of this.connections.values()) if (c.player) hosts.add(c.player.userId);
    const orphans = [...this.games.values()].filter((g) => !hosts.has(g.hostId));
    if (orphans.length === 0) return;
    for (const g of orphans) this.removeGame(g);
    await this.reportCounts();
  }

  status(): RoomStatus {
    const now = this.services.now();
    const players = this.players()
      .sort((a, b) => a.joinedAt - b.joinedAt)
      .map((p) => ({
        userId: p.userId,
        nick: nickOf(p),
        inGame: (stateOf(p) & 1) === 1,
        guest: p.guest,
        primaryColor: rgbToInt(p.playerData.primaryColor),
        secondaryColor: rgbToInt(p.playerData.secondaryColor),
        userName: p.userName,
        away: p.dialect === "marathon" ? (stateOf(p) & 1) === 1 : p.deaf,
        coatOfArms: p.playerData.coatOfArms,
        dialect: p.dialect,
        build: p.build,
        address: this.findPlayer(p.userId)?.clientAddress ?? "",
      }));
    const games = this.gameList().map((g) => {
      const s = summarizeGame(g);
      return {
        name: s.name,
        map: s.map,
        scoring: s.scoring,
        hostUserId: g.hostId,
        players: s.players,
        maxPlayers: s.maxPlayers,
        elapsedSeconds: elapsedSeconds(g, now),
      };
    });
    return { players, games, instanceStartedAt: 0 };
  }

  // ------------------------------------------------------------------ what handlers use

  /** Room traffic to one client; deaf clients get none (GoS queues nothing for them). */
  reply(conn: PlayerConnection, packet: Uint8Array): void {
    if (!conn.player.deaf) this.out.send(conn.id, packet);
  }

  /** A blue-bar line to one client, deaf or not (staff messages, gag notices). */
  say(conn: Connection, text: string): void {
    this.out.send(conn.id, blueMessage(text));
  }

  /** A blue-bar line to each of a user's connections here; how many got it. */
  sayToUser(userId: number, text: string): number {
    let told = 0;
    for (const conn of this.connections.values()) {
      if (conn.closed || conn.player?.userId !== userId) continue;
      this.say(conn, text);
      told++;
    }
    return told;
  }

  /** The same bytes to every listening client (one encode per broadcast). */
  broadcast(packet: Uint8Array, except?: ConnId): void {
    const to = except === undefined ? this.listeners() : this.listeners().filter((id) => id !== except);
    if (to.length > 0) this.out.broadcast(to, packet);
  }

  /**
   * Says a last word to one connection (if any), closes it and removes its player from the
   * room. `directoryLeft` false when the same user stays in this room on another connection.
   */
  async drop(conn: Connection, last: Uint8Array | null, directoryLeft = true): Promise<void> {
    if (conn.closed) return;
    this.forget(conn);
    if (last) this.out.send(conn.id, last);
    this.out.close(conn.id);
    await this.afterLeave(conn.player, directoryLeft);
  }

  /** The connection's state changed: keep it. */
  save(conn: Connection): void {
    this.out.saveConnection(conn);
  }

  /** The lock or a gag changed: keep it. */
  saveModeration(): void {
    this.out.saveModeration(this.moderation);
  }

  /** Who is listed or listening changed (a join, `listed` or `deaf` flipped): rebuild the caches. */
  invalidate(): void {
    this.rosterCache = null;
    this.listenerCache = null;
    this.muteIndex = null;
  }

  /**
   * Chat to every listener except those who muted the sender. Without mutes of the sender this
   * is the plain broadcast (the cached listener list, its recipient groups cached by the shell).
   */
  broadcastChat(packet: Uint8Array, senderId: number): void {
    if (!this.muteIndex) {
      this.muteIndex = new Map();
      for (const c of this.roster()) {
        for (const muted of c.player.muted ?? []) {
          const set = this.muteIndex.get(muted) ?? new Set<ConnId>();
          set.add(c.id);
          this.muteIndex.set(muted, set);
        }
      }
    }
    const muters = this.muteIndex.get(senderId);
    if (!muters) {
      this.broadcast(packet);
      return;
    }
    const to = this.listeners().filter((id) => !muters.has(id));
    if (to.length > 0) this.out.broadcast(to, packet);
  }

  /** A join order later than every player's so far (and strictly increasing). */
  nextJoinOrder(): number {
    let max = 0;
    for (const c of this.connections.values()) if (c.player && c.player.joinedAt > max) max = c.player.joinedAt;
    this.lastJoin = Math.max(this.services.now(), this.lastJoin + 1, max + 1);
    return this.lastJoin;
  }

  isOpen(conn: Connection): boolean {
    return !conn.closed && this.connections.has(conn.id);
  }

  /** Other open connections of a user (a second login kicks the first). */
  otherConnectionsOf(userId: number, except: Connection): PlayerConnection[] {
    const out: PlayerConnection[] = [];
    for (const c of this.connections.values()) {
      if (c !== except && c.player?.userId === userId && !c.closed) out.push(c as PlayerConnection);
    }
    return out;
  }

  findPlayer(userId: number): PlayerConnection | undefined {
    for (const c of this.connections.values()) if (c.player?.userId === userId) return c as PlayerConnection;
    return undefined;
  }

  /** User ids of the logged-in players (the directory's reconciliation). */
  presentUserIds(): number[] {
    const ids: number[] = [];
    for (const c of this.connections.values()) if (c.player) ids.push(c.player.userId);
    return ids;
  }

  playerCount(): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.player) n++;
    return n;
  }

  nickOfUser(userId: number): string {
    const found = this.findPlayer(userId);
    return found ? nickOf(found.player) : String(userId);
  }

  sendJoinMessages(conn: Connection): void {
    for (const line of this.config.joinMessages.flatMap((m) => m.split("\n"))) {
      if (line.length > 0) this.out.send(conn.id, blueMessage(line));
    }
  }

  /**
   * 1 (all players, add) and 2 (all games, add), split so no packet passes 8096 bytes. An empty
   * list is not sent at all, as GoS does (send_full_room_update_to_client).
   */
  sendFullUpdate(conn: Connection): void {
    const now = this.services.now();
    const roster = this.roster();
    if (roster.length > 0) {
      for (const p of encodePlayerList(roster.map((c) => playerEntry(c.player, Verb.Add)))) this.out.send(conn.id, p);
    }
    const games = this.gameList();
    if (games.length > 0) {
      const entries = games.map((g) => gameEntry(g, Verb.Add, now, this.unstartedSecondsRemaining));
      for (const p of encodeGameList(entries)) this.out.send(conn.id, p);
    }
  }

  /** After a login: the directory re-sends lists only when counts changed; the newcomer needs one anyway. */
  async ensureRoomList(conn: Connection): Promise<void> {
    if (!this.hasRoomList.has(conn.id)) await this.sendRoomLists([conn]);
  }

  async reportCounts(): Promise<void> {
    await this.services.reportCounts(this.playerCount(), this.gameList().length);
  }

  // ------------------------------------------------------------------ games

  /** The games the room lists (a game whose host port is being checked waits). */
  gameList(): Game[] {
    return [...this.games.values()].filter((g) => g.proxy !== "checking");
  }

  gameOf(hostId: number): Game | undefined {
    return this.games.get(hostId);
  }

  addGame(game: Game): void {
    this.games.set(game.hostId, game);
    this.out.saveGame(game);
    if (game.proxy !== "checking") this.broadcastGame(game, Verb.Add);
  }

  /** A held-back game (its port was checked) goes on the lists. */
  listGame(game: Game): void {
    this.out.saveGame(game);
    this.broadcastGame(game, Verb.Add);
  }

  /** The game changed: store it; `announce` sends the change to the room. */
  updateGame(game: Game, announce: boolean): void {
    this.out.saveGame(game);
    if (announce && game.proxy !== "checking") this.broadcastGame(game, Verb.Change);
  }

  /** Removes a host's game, telling the room; `report` also updates the directory's counts. */
  async removeGameOf(hostId: number, report: boolean): Promise<void> {
    const game = this.games.get(hostId);
    if (!game) return;
    this.removeGame(game);
    if (report) await this.reportCounts();
  }

  // ------------------------------------------------------------------ internals

  private removeGame(game: Game): void {
    filmOnGameEnd(this, game);
    this.games.delete(game.hostId);
    this.out.deleteGame(game.hostId);
    if (game.proxy !== "checking") this.broadcastGame(game, Verb.Delete);
    // A started game's result may still come from the other players; no report at all: abandoned.
    if (game.startedAt !== null) void this.services.results.gameGone(game.hostId);
    // The port pair (or the pending check) belongs to the host's connection at its bridge.
    if (game.proxy !== undefined) {
      const host = this.findPlayer(game.hostId);
      if (host && !host.closed) this.out.hostRelease(host.id);
    }
  }

  private broadcastGame(game: Game, verb: Verb): void {
    this.broadcast(gameListPacket(game, verb, this.services.now(), this.unstartedSecondsRemaining));
  }

  /** Marks the connection closed (in storage too) and drops it from every cache. */
  private forget(conn: Connection): void {
    conn.closed = true;
    this.out.saveConnection(conn);
    this.connections.delete(conn.id);
    this.hasRoomList.delete(conn.id);
    this.chatGuard.left(conn.id, conn.player?.userId, this.services.now());
    this.socialQueries.delete(conn.id);
    this.invalidate();
  }

  private async afterLeave(player: PlayerState | undefined, notifyDirectory: boolean): Promise<void> {
    if (!player) return;
    await this.removeGameOf(player.userId, false);
    if (player.listed) this.broadcast(playerListPacket(player, Verb.Delete));
    if (notifyDirectory) await this.services.left(player.userId);
    await this.reportCounts();
  }

  /**
   * Sends each target its room list. Clients of one kind (dialect, guest, bridge address) see the
   * same list: it is encoded once and sent as one broadcast to all of them (one record per
   * bridge), which matters in join storms, when every occupied room re-sends lists each second.
   */
  private async sendRoomLists(targets: Connection[]): Promise<void> {
    const counts = await this.services.roomCounts();
    const config = this.services.edgeConfig();
    const byKind = new Map<string, { client: RoomListClient; ids: ConnId[] }>();
    for (const conn of targets) {
      const player = conn.player;
      if (!player || player.deaf || conn.closed) continue;
      const key = `${player.dialect}|${player.guest}|${conn.localAddress}`;
      let kind = byKind.get(key);
      if (!kind) {
        kind = { client: { dialect: player.dialect, guest: player.guest, localAddress: conn.localAddress }, ids: [] };
        byKind.set(key, kind);
      }
      kind.ids.push(conn.id);
      this.hasRoomList.add(conn.id);
    }
    for (const { client, ids } of byKind.values()) {
      for (const p of roomListPackets(config, counts, client)) this.out.broadcast(ids, p);
    }
  }

  private players(): PlayerState[] {
    const out: PlayerState[] = [];
    for (const c of this.connections.values()) if (c.player) out.push(c.player);
    return out;
  }

  /** Listed players in join order. */
  /** Listed players in join order. */
  roster(): PlayerConnection[] {
    if (this.rosterCache) return this.rosterCache;
    const list: PlayerConnection[] = [];
    for (const c of this.connections.values()) if (c.player?.listed) list.push(c as PlayerConnection);
    list.sort((a, b) => a.player.joinedAt - b.player.joinedAt);
    this.rosterCache = list;
    return list;
  }

  private listeners(): ConnId[] {
    if (this.listenerCache) return this.listenerCache;
    this.listenerCache = this.roster()
      .filter((c) => !c.player.deaf)
      .map((c) => c.id);
    return this.listenerCache;
  }
}
