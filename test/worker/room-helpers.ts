/**
 * A scripted bridge for room tests: one tunnel WebSocket per player, opened through the real
 * Worker route, carrying whole plaintext packets. Tunnel v2 by default (a multiplexed socket
 * carrying this one connection, tunnel/mux.ts); `version: 1` opens an old bridge's socket.
 * Tokens come from the real Directory.
 */
import { env, SELF } from "cloudflare:test";
import { directoryStub, roomStub as roomStubOf } from "../../edge/objects.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import { encodePacket, HEADER_SIZE } from "../../protocol/header.ts";
import type { PlayerData } from "../../protocol/messages.ts";
import { PayloadReader } from "../../protocol/reader.ts";
import { type RoomInfo, readRoomInfo } from "../../protocol/structs/room-info.ts";
import { PayloadWriter } from "../../protocol/writer.ts";
import { forEachDownRecord, MuxFrameWriter } from "../../tunnel/mux.ts";
import { hex } from "../support/bytes.ts";

export interface Packet {
  type: number;
  payload: Uint8Array;
}

/** Safety net so a missing packet fails the test instead of hanging it; not an assertion on time. */
const WAIT_LIMIT_MS = 8000;

/**
 * One client's tunnel as the room's peer. Packets queue in arrival order for `next()`, except
 * room lists (0) after the socket's first one: the directory re-sends them at any moment after a
 * login (coalesced, up to ROOM_LIST_WINDOW_MS late), and a real client takes one at any time in
 * a room. Those are set aside in `laterRoomLists` for the tests that are about counts. The first
 * list stays in the queue, where the login sequence puts it (a newcomer gets one at once).
 */
export class TunnelClient {
  readonly packets: Packet[] = [];
  readonly texts: unknown[] = [];
  /** Room lists after the first, oldest first. */
  readonly laterRoomLists: Packet[] = [];
  closed = false;
  private firstRoomListSeen = false;
  private waiters: (() => void)[] = [];

  /** v2 frames received (each may carry several packets). */
  frames = 0;

  constructor(
    readonly ws: WebSocket,
    readonly version: 1 | 2 = 2,
    /** v2: this client's connection number on its socket. */
    readonly conn = 1,
  ) {
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string") {
        if (version === 2) throw new Error(`a text frame on a v2 tunnel: ${e.data}`);
        this.texts.push(JSON.parse(e.data));
      } else if (version === 1) this.onPacket(new Uint8Array(e.data as ArrayBuffer));
      else {
        this.frames++;
        const mine = (conn: number) => {
          if (conn !== this.conn)
            throw new Error(`a record for connection ${conn} on connection ${this.conn}'s socket`);
        };
        const result = forEachDownRecord(new Uint8Array(e.data as ArrayBuffer), {
          packet: (conns, count, packet) => {
            for (let i = 0; i < count; i++) mine(conns.getUint32(4 * i));
            this.onPacket(packet.slice());
          },
          keepalive: (conn, intervalMs, timeoutMs) => {
            mine(conn);
            this.texts.push({ t: "keepalive", intervalMs, timeoutMs });
          },
          close: (conn) => {
            mine(conn);
            this.closed = true;
          },
        });
        if (!result.ok) throw new Error(`bad frame from the room: ${result.error.message}`);
      }
      this.wake();
    });
    ws.addEventListener("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  private onPacket(bytes: Uint8Array): void {
    const type = new DataView(bytes.buffer, bytes.byteOffset).getInt16(2);
    const packet = { type, payload: bytes.slice(HEADER_SIZE) };
    if (type !== 0 || !this.firstRoomListSeen) this.packets.push(packet);
    else this.laterRoomLists.push(packet);
    if (type === 0) this.firstRoomListSeen = true;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async until(ready: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (!ready()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what} (texts ${JSON.stringify(this.texts)}, closed ${this.closed})`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** The next packet received (in order). */
  async next(): Promise<Packet> {
    await this.until(() => this.packets.length > 0, "a packet");
    return this.packets.shift() as Packet;
  }

  /** The next `n` packet types. */
  async types(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await this.next()).type);
    return out;
  }

  /** Skips packets until one of `type` arrives; returns it. */
  async nextOfType(type: number): Promise<Packet> {
    for (;;) {
      const p = await this.next();
      if (p.type === type) return p;
    }
  }

  /**
   * Waits until the latest room list set aside after login passes `check` (a client shows the
   * last list it got) and returns its rooms.
   */
  async laterRoomListWhere(check: (rooms: RoomInfo[]) => boolean, what = "a room list"): Promise<RoomInfo[]> {
    let rooms: RoomInfo[] = [];
    await this.until(() => {
      const last = this.laterRoomLists[this.laterRoomLists.length - 1];
      if (!last) return false;
      rooms = roomListOf(last);
      return check(rooms);
    }, what);
    return rooms;
  }

  /** Waits until more than `count` room lists were set aside; returns the latest. */
  async laterRoomListAfter(count: number): Promise<Packet> {
    await this.until(() => this.laterRoomLists.length > count, `room list #${count + 1} after login`);
    return this.laterRoomLists[this.laterRoomLists.length - 1] as Packet;
  }

  async waitClosed(): Promise<void> {
    await this.until(() => this.closed, "the room to close the tunnel");
  }

  send(type: number, payload: Uint8Array = new Uint8Array(0)): void {
    this.sendRaw(encodePacket(type, payload));
  }

  /** Bytes as one packet frame (v1) or as one record (v2): broken ones break the frame. */
  sendRaw(bytes: Uint8Array): void {
    if (this.version === 1) {
      this.ws.send(bytes);
      return;
    }
    this.record((w) => w.packetUp(this.conn, bytes));
  }

  /** v2: records as a bridge writes them. */
  record(write: (w: MuxFrameWriter) => void): void {
    const w = new MuxFrameWriter();
    write(w);
    this.ws.send(w.take());
  }

  /** The bridge finished the 203 exchange for this client. */
  encrypted(): void {
    if (this.version === 1) this.ws.send(JSON.stringify({ t: "encrypted" }));
    else this.record((w) => w.encrypted(this.conn));
  }

  /** The client leaves: v2 tells the room, then (one connection per socket here) the socket goes too. */
  close(): void {
    if (this.version === 2 && !this.closed) this.record((w) => w.closeUp(this.conn, 1000, "test done"));
    this.ws.close(1000, "test done");
  }
}

let nextBridge = 0;

export async function openTunnel(
  roomId: number | string,
  clientAddress = "198.51.100.7:40000",
  version: 1 | 2 = 2,
): Promise<TunnelClient> {
  const local = "127.0.0.1:6323";
  const headers: Record<string, string> = { Upgrade: "websocket", Authorization: "Bearer test-bridge" };
  if (version === 1) Object.assign(headers, { "X-Client-Address": clientAddress, "X-Local-Address": local });
  else headers["X-Bridge-Id"] = `test-bridge-${++nextBridge}`;
  const path = version === 1 ? `/tunnel/room/${roomId}` : `/tunnel/v2/room/${roomId}`;
  const res = await SELF.fetch(`http://edge.test${path}`, { headers });
  if (res.status !== 101 || !res.webSocket) throw new Error(`tunnel refused: ${res.status}`);
  const ws = res.webSocket;
  ws.binaryType = "arraybuffer";
  ws.accept();
  const client = new TunnelClient(ws, version);
  if (version === 2) client.record((w) => w.open(client.conn, clientAddress, local));
  return client;
}

export function playerData(nick: string, team = "Team", state = 0): Uint8Array {
  return new PayloadWriter(80)
    .i8(3) // coat of arms
    .i8(0)
    .i16(state)
    .u16(0xff00)
    .u16(0)
    .u16(0)
    .u16(0) // primary: red
    .u16(0)
    .u16(0)
    .u16(0xff00)
    .u16(0) // secondary: blue
    .i16(-1) // order
    .i16(2180)
    .i16(428)
    .pad(12)
    .cString(nick)
    .cString(team)
    .finish();
}

export interface LoginOptions {
  userId?: number;
  guest?: boolean;
  adminLevel?: number;
  dialect?: Dialect;
  nick?: string;
  /** Where the login came from; a room redeems the token only from the same address. */
  clientAddress?: string;
}

let nextUserId = 1000;

/** Logs a user in at the Directory (as the login server would) and returns the token bytes. */
export async function directoryLogin(
  o: LoginOptions = {},
): Promise<{ token: Uint8Array; userId: number; nick: string }> {
  const guest = o.guest ?? false;
  const nick = o.nick ?? `p${nextUserId}`;
  const dir = directoryStub(env);
  const { token, userId } = await dir.login({
    ...(guest ? {} : { userId: o.userId ?? nextUserId++ }),
    userName: nick.toLowerCase(),
    guest,
    adminLevel: o.adminLevel ?? 0,
    dialect: o.dialect ?? "myth2",
    encrypted: (o.dialect ?? "myth2") === "myth2",
    build: 428,
    appVersion: 2180,
    playerData: playerData(nick),
    clientAddress: o.clientAddress ?? "198.51.100.7:40000",
  });
  return { token: hex(token), userId, nick };
}

export function roomLoginPayload(token: Uint8Array, name = "user"): Uint8Array {
  return new PayloadWriter(48).bytes(token).cString(name).finish();
}

/** Opens a tunnel, sends room_login and returns the client (nothing consumed). */
export async function join(
  roomId: number,
  o: LoginOptions = {},
  clientAddress?: string,
  version: 1 | 2 = 2,
): Promise<{ client: TunnelClient; userId: number; nick: string }> {
  const { token, userId, nick } = await directoryLogin({ ...(clientAddress ? { clientAddress } : {}), ...o });
  const client = await openTunnel(roomId, clientAddress, version);
  client.send(101, roomLoginPayload(token, nick));
  return { client, userId, nick };
}

// --- decoding what the room sends -------------------------------------------------------------

export function serverMessageCode(p: Packet): number {
  return new DataView(p.payload.buffer, p.payload.byteOffset).getInt32(0);
}

/** The room_info entries of a room_list (0) packet. */
export function roomListOf(p: Packet): RoomInfo[] {
  const r = new PayloadReader(p.payload);
  const rooms: RoomInfo[] = [];
  while (r.remaining > 0) rooms.push(readRoomInfo(r));
  return rooms;
}

/** The player and game counts a room list shows for one wire room id. */
export function countsIn(rooms: readonly RoomInfo[], wireId: number): { players: number; games: number } | undefined {
  const room = rooms.find((r) => r.roomId === wireId);
  return room && { players: room.playerCount, games: room.gameCount };
}

export interface PlayerEntry {
  verb: number;
  flags: number;
  playerId: number;
  caste: number;
  nick: string;
  state: number;
}

export function playerEntries(p: Packet): PlayerEntry[] {
  const r = new PayloadReader(p.payload);
  const out: PlayerEntry[] = [];
  while (r.remaining > 0) {
    const verb = r.u16();
    const flags = r.u16();
    r.i32();
    const playerId = r.u32();
    r.i32();
    const caste = r.i16();
    const length = r.i16();
    r.skip(4);
    const data = new PayloadReader(r.bytesOf(length));
    data.skip(2);
    const state = data.i16();
    data.skip(34);
    out.push({ verb, flags, playerId, caste, nick: data.cString("nick"), state });
  }
  return out;
}

export interface GameEntry {
  gameId: number;
  host: number;
  port: number;
  verb: number;
  secondsRemaining: number;
  creatorId: number;
  data: Uint8Array;
}

export function gameEntries(p: Packet): GameEntry[] {
  const r = new PayloadReader(p.payload);
  const out: GameEntry[] = [];
  while (r.remaining > 0) {
    const gameId = r.u32();
    const host = r.u32();
    const port = r.u16();
    const verb = r.i8();
    r.i8();
    const secondsRemaining = r.i32();
    const creatorId = r.u32();
    const size = r.i16();
    r.skip(10);
    out.push({ gameId, host, port, verb, secondsRemaining, creatorId, data: r.bytesOf(size) });
  }
  return out;
}

export interface Chat {
  target?: number;
  echo?: number;
  playerId: number;
  selectedPlayerId: number;
  name: string;
  text: string;
}

export function chatOf(p: Packet): Chat {
  const r = new PayloadReader(p.payload);
  const directed = p.type === 201 ? { target: r.u32(), echo: r.i32() } : {};
  r.skip(16);
  const playerId = r.u32();
  const selectedPlayerId = r.u32();
  return { ...directed, playerId, selectedPlayerId, name: r.cString("name"), text: r.cString("text") };
}

export function textOf(p: Packet): string {
  return new PayloadReader(p.payload).cString("text", 1024);
}

/** Chat body as a client sends it (length field 0, as the A1 client does). */
export function chatBody(senderId: number, name: string, text: string, selected = 0): Uint8Array {
  return new PayloadWriter(64)
    .i16(0)
    .u16(0)
    .u16(0xff00)
    .u16(0)
    .u16(0)
    .u16(0)
    .u16(0)
    .u16(0)
    .u32(senderId)
    .u32(selected)
    .cString(name)
    .cString(text)
    .finish();
}

export function directedBody(target: number, echo: boolean, senderId: number, name: string, text: string): Uint8Array {
  return new PayloadWriter(72)
    .u32(target)
    .i32(echo ? 1 : 0)
    .bytes(chatBody(senderId, name, text))
    .finish();
}

/** Game data: a 568-byte description with max players and player count, then name and map. */
export function gameData(name: string, map: string, maxPlayers = 8, players = 1): Uint8Array {
  const w = new PayloadWriter(640);
  w.pad(18)
    .i16(maxPlayers)
    .pad(566 - 20)
    .u8(players)
    .u8(0);
  return w.cString(name).cString(map).finish();
}

export function createGamePayload(port: number, data: Uint8Array): Uint8Array {
  return new PayloadWriter(data.byteLength + 4).u16(port).i16(0).bytes(data).finish();
}

export function roomStub(roomId: number) {
  return roomStubOf(env, roomId);
}

/**
 * Closes the clients and waits until the room and the directory both show the room empty, so
 * the next test starts from zero counts. (A late room-list fan-out may still reach the next
 * test's clients; TunnelClient sets those aside.)
 */
export async function leaveAll(roomId: number, ...clients: TunnelClient[]): Promise<void> {
  for (const c of clients) if (!c.closed) c.close();
  const dir = directoryStub(env);
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const status = await roomStub(roomId).status();
    const counts = await dir.roomCounts();
    if (status.players.length === 0 && (counts[roomId]?.players ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`room ${roomId} did not empty`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The connections the room keeps in its SQLite storage (what survives hibernation). */
export async function storedConnections(roomId: number): Promise<StoredConnection[]> {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(roomStub(roomId), (_room, state) =>
    state.storage.sql
      .exec<{ state: string }>("SELECT state FROM connections")
      .toArray()
      .map((row) => JSON.parse(row.state) as StoredConnection),
  );
}

export interface StoredConnection {
  id: string;
  clientAddress: string;
  encrypted: boolean;
  closed?: boolean;
  player?: { userId: number; deaf: boolean; listed: boolean; playerData: PlayerData };
}

/** Waits until some stored connection satisfies `check`. */
export async function untilStored(roomId: number, check: (s: StoredConnection) => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await storedConnections(roomId)).some(check)) {
    if (Date.now() > deadline) throw new Error("no stored connection matched");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
