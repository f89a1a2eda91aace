import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import type { BridgeOptions } from "../../bridge/config.ts";
import { type Bridge, startBridge } from "../../bridge/server.ts";
import { createKeyPair, deriveSessionKey, SessionCipher } from "../../protocol/cipher.ts";
import { encodePacket } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { PacketSplitter } from "../../protocol/splitter.ts";
import { decodeUpFrame, MuxFrameWriter, type UpRecord } from "../../tunnel/mux.ts";

const TOKEN = "bridge-secret";
const ROOMS = [
  { id: 10, port: 6323, game: "myth2", name: "Unranked" },
  { id: 11, port: 6324, game: "myth2", name: "Ranked" },
];

/** A queue that hands values to whoever awaits next(), in order. */
class Inbox<T> {
  private readonly values: T[] = [];
  private readonly waiters: ((value: T) => void)[] = [];
  push(value: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(value);
    else this.values.push(value);
  }
  next(): Promise<T> {
    const value = this.values.shift();
    if (value !== undefined) return Promise.resolve(value);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  get size(): number {
    return this.values.length;
  }
}

type Frame = { binary: true; bytes: Uint8Array } | { binary: false; control: Record<string, unknown> };

/** One multiplexed tunnel socket at the edge's end (tunnel v2): it hands out a session per connection. */
class EdgeTunnel {
  readonly frames: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly sessions = new Map<number, EdgeSession>();
  constructor(
    readonly ws: WebSocket,
    readonly request: IncomingMessage,
    private readonly onSession: (session: EdgeSession) => void,
  ) {
    ws.on("message", (data, isBinary) => {
      if (!isBinary) throw new Error("the bridge sent a text frame on a v2 tunnel");
      const bytes = new Uint8Array(data as Buffer);
      this.frames.push(bytes.byteLength);
      const records = decodeUpFrame(bytes, 1 << 20);
      if (!records.ok) throw new Error(records.error.message);
      for (const record of records.value) this.onRecord(record);
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })));
    void this.closed.then((c) => {
      for (const session of this.sessions.values()) session.ended(c);
    });
  }
  private onRecord(record: UpRecord): void {
    if (record.kind === "open") {
      const session = new EdgeSession(this, record.conn, record.client, record.local);
      this.sessions.set(record.conn, session);
      this.onSession(session);
      return;
    }
    const session = this.sessions.get(record.conn);
    if (!session) throw new Error(`record for unknown connection ${record.conn}`);
    if (record.kind === "packet") session.frames.push({ binary: true, bytes: record.packet.slice() });
    else if (record.kind === "close") session.ended({ code: record.code, reason: record.reason });
    else session.frames.push({ binary: false, control: { t: record.kind } });
  }
  header(name: string): string | undefined {
    const value = this.request.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
  /** Sends one edge → bridge frame. */
  sendFrame(frame: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => this.ws.send(frame, (error) => (error ? reject(error) : resolve())));
  }
}

/** The edge's end of one client connection on a tunnel. */
class EdgeSession {
  readonly frames = new Inbox<Frame>();
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed = false;
  private resolveClosed: (c: { code: number; reason: string }) => void = () => {};
  constructor(
    readonly tunnel: EdgeTunnel,
    readonly conn: number,
    readonly clientAddress: string,
    readonly localAddress: string,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }
  ended(c: { code: number; reason: string }): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.resolveClosed(c);
  }
  get path(): string | undefined {
    return this.tunnel.request.url;
  }
  async nextPacket(): Promise<Uint8Array> {
    const frame = await this.frames.next();
    if (!frame.binary) throw new Error(`expected a packet, got control ${JSON.stringify(frame.control)}`);
    return frame.bytes;
  }
  send(bytes: Uint8Array): Promise<void> {
    return this.record((w) => w.packetDown([this.conn], bytes));
  }
  keepalive(intervalMs: number, timeoutMs: number): Promise<void> {
    return this.record((w) => w.keepalive(this.conn, intervalMs, timeoutMs));
  }
  /** The edge ends this session. */
  close(): Promise<void> {
    this.isClosed = true;
    return this.record((w) => w.closeDown(this.conn, 1000, "done"));
  }
  private record(write: (w: MuxFrameWriter) => void): Promise<void> {
    const w = new MuxFrameWriter();
    write(w);
    return this.tunnel.sendFrame(w.take());
  }
}

/** A real HTTP + WebSocket server playing the edge: /tunnel/config and the v2 tunnel upgrades. */
class FakeEdge {
  readonly sessions = new Inbox<EdgeSession>();
  readonly tunnels = new Inbox<EdgeTunnel>();
  /** Upgrade requests seen, accepted or not. */
  readonly upgrades = new Inbox<IncomingMessage>();
  refusedUpgrades = 0;
  token = TOKEN;
  /** When set, upgrades wait for this before completing (to test queueing before `open`). */
  holdUpgrades: Promise<void> | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private constructor(readonly http: HttpServer) {
    http.on("request", (req, res) => {
      if (req.url !== "/tunnel/config") return void res.writeHead(404).end();
      if (req.headers.authorization !== `Bearer ${this.token}`) return void res.writeHead(401).end();
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ loginPort: 6321, tunnelVersions: [1, 2], rooms: ROOMS }));
    });
    http.on("upgrade", (req, socket, head) => void this.upgrade(req, socket, head));
  }
  static async start(): Promise<FakeEdge> {
    const http = createHttpServer();
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    return new FakeEdge(http);
  }
  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }
  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.upgrades.push(req);
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.refusedUpgrades++;
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    await this.holdUpgrades;
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      this.tunnels.push(new EdgeTunnel(ws, req, (session) => this.sessions.push(session))),
    );
  }
  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** A legacy client over real TCP; optionally does the §2 key exchange. */
class LegacyClient {
  readonly packets = new Inbox<Uint8Array>();
  /** Raw packets as they were on the wire (before decryption). */
  readonly wire = new Inbox<Uint8Array>();
  readonly closed: Promise<void>;
  private readonly splitter = new PacketSplitter({ maxPacketSize: 1 << 20 });
  cipher: SessionCipher | undefined;
  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk) => {
      const split = this.splitter.push(chunk);
      if (!split.ok) throw new Error(split.error.message);
      for (const raw of split.value) {
        this.wire.push(raw);
        if (!this.cipher) {
          this.packets.push(raw);
          continue;
        }
        const plain = this.cipher.decryptPacket(raw);
        if (!plain.ok) throw new Error(plain.error.message);
        this.packets.push(plain.value);
      }
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => socket.on("close", () => resolve()));
  }
  static connect(port: number): Promise<LegacyClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("error", reject);
      socket.once("connect", () => resolve(new LegacyClient(socket)));
    });
  }
  send(raw: Uint8Array): Promise<void> {
    const bytes = this.cipher ? this.cipher.encryptPacket(raw) : raw;
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }
  writeRaw(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }
  /** §2.1: send our key unprompted, take the server's, switch to encrypted. */
  async negotiate(): Promise<void> {
    const keys = createKeyPair();
    await this.writeRaw(encodePacket(MessageType.SessionKey, keys.publicKey));
    const reply = await this.packets.next();
    await this.wire.next(); // the same packet, as it was on the wire
    expect(typeOf(reply)).toBe(MessageType.SessionKey);
    const key = deriveSessionKey(keys.privateKey, reply.subarray(8));
    if (!key.ok) throw new Error(key.error.message);
    this.cipher = new SessionCipher(key.value);
  }
}

const typeOf = (raw: Uint8Array) => new DataView(raw.buffer, raw.byteOffset).getInt16(2);
const lengthOf = (raw: Uint8Array) => new DataView(raw.buffer, raw.byteOffset).getInt32(4);
const text = (s: string) => new TextEncoder().encode(s);

/** Waits (without a deadline of its own) until a condition the bridge exposes holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

let edge: FakeEdge;
let bridge: Bridge | undefined;
const clients: LegacyClient[] = [];

async function setup(options: Partial<BridgeOptions> = {}): Promise<Bridge> {
  edge = await FakeEdge.start();
  bridge = await startBridge({ edgeUrl: edge.url, bridgeToken: TOKEN, ephemeralPorts: true, ...options });
  return bridge;
}

async function client(port = bridge?.loginPort ?? 0): Promise<LegacyClient> {
  const c = await LegacyClient.connect(port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await bridge?.close();
  bridge = undefined;
  await edge?.close();
});

describe("bridge tunnel", () => {
  it("listens on the login port and one port per room from the edge's config", async () => {
    const b = await setup();
    expect([...b.roomPorts.keys()]).toEqual([10, 11]);
    expect(b.loginPort).toBeGreaterThan(0);
    expect(new Set([b.loginPort, ...b.roomPorts.values()]).size).toBe(3);
    expect(b.edgeConfig.rooms.map((r) => r.name)).toEqual(["Unranked", "Ranked"]);
  });

  it("forwards a plaintext packet whole and re-frames the edge's reply", async () => {
    const b = await setup();
    const c = await client();
    const session = await edge.sessions.next();
    expect(session.path).toBe("/tunnel/v2/login");
    expect(session.tunnel.header("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(session.tunnel.header("x-bridge-id")).toBe(b.id);
    expect(session.clientAddress).toBe(`127.0.0.1:${c.socket.localPort}`);
    expect(session.localAddress).toBe(`127.0.0.1:${b.loginPort}`);

    const login = encodePacket(MessageType.Login, text("hello login"));
    await c.send(login);
    expect(await session.nextPacket()).toEqual(login);

    const reply = encodePacket(MessageType.UserSuccessfulLogin, text("welcome"));
    await session.send(reply);
    expect(await c.packets.next()).toEqual(reply);
    expect(b.stats()).toMatchObject({ connections: 1, bytesIn: login.byteLength, bytesOut: reply.byteLength });
  });

  it("tunnels a room port to /tunnel/v2/room/<id>", async () => {
    const b = await setup();
    const port = b.roomPorts.get(11) ?? 0;
    await client(port);
    const session = await edge.sessions.next();
    expect(session.path).toBe("/tunnel/v2/room/11");
    expect(session.localAddress).toBe(`127.0.0.1:${port}`);
    expect(b.stats().perPort).toEqual({ [port]: 1 });
  });

  it("runs an encrypted session: the edge sees the control frame first, then plaintext", async () => {
    await setup();
    const c = await client();
    await c.negotiate();
    const session = await edge.sessions.next();
    expect(await session.frames.next()).toEqual({ binary: false, control: { t: "encrypted" } });

    const login = encodePacket(MessageType.Login, text("secret name"));
    await c.send(login);
    const atEdge = await session.nextPacket();
    expect(atEdge).toEqual(login);
    expect(lengthOf(atEdge)).toBe(atEdge.byteLength);

    const reply = encodePacket(MessageType.RoomList, text("rooms"));
    await session.send(reply);
    const onWire = await c.wire.next();
    expect(lengthOf(onWire)).toBe(reply.byteLength + 24); // encrypted on the wire, length rewritten
    expect(onWire.subarray(8)).not.toEqual(reply.subarray(8));
    expect(await c.packets.next()).toEqual(reply);
  });

  it("splits coalesced packets and joins fragmented ones", async () => {
    const b = await setup();
    const c = await client();
    const session = await edge.sessions.next();
    const packets = [1, 2, 3].map((n) => encodePacket(MessageType.RoomBroadcast, text(`chat ${n}`)));
    await c.writeRaw(Buffer.concat(packets));
    for (const p of packets) expect(await session.nextPacket()).toEqual(p);

    const big = encodePacket(MessageType.RoomBroadcast, new Uint8Array(3000).fill(7));
    const sent = b.stats().bytesIn;
    // Three writes, each waited for at the bridge, so the packet really arrives in pieces.
    for (const [from, to] of [
      [0, 3],
      [3, 1500],
      [1500, big.byteLength],
    ] as const) {
      await c.writeRaw(big.subarray(from, to));
      await until(() => b.stats().bytesIn === sent + to);
    }
    expect(await session.nextPacket()).toEqual(big);
  });

  it("queues packets that arrive before the tunnel is open, in order", async () => {
    const b = await setup();
    let release = () => {};
    edge.holdUpgrades = new Promise((resolve) => {
      release = resolve;
    });
    const c = await client();
    await edge.upgrades.next();
    const packets = [1, 2, 3].map((n) => encodePacket(MessageType.RoomBroadcast, text(`early ${n}`)));
    for (const p of packets) await c.send(p);
    await until(() => b.stats().bytesIn === packets.reduce((n, p) => n + p.byteLength, 0));
    release();
    const session = await edge.sessions.next();
    for (const p of packets) expect(await session.nextPacket()).toEqual(p);
  });

  it("closes only the connection that sent garbage", async () => {
    const b = await setup();
    const bad = await client();
    const badSession = await edge.sessions.next();
    const good = await client();
    const goodSession = await edge.sessions.next();

    await bad.writeRaw(text("GET / HTTP/1.1\r\n\r\n"));
    await bad.closed;
    expect((await badSession.closed).code).toBe(1002);

    const chat = encodePacket(MessageType.RoomBroadcast, text("still here"));
    await good.send(chat);
    expect(await goodSession.nextPacket()).toEqual(chat);
    await goodSession.send(chat);
    expect(await good.packets.next()).toEqual(chat);
    expect(b.stats()).toMatchObject({ protocolErrors: 1, connections: 1 });
  });

  it("closes a connection whose header announces an oversize packet", async () => {
    const b = await setup({ maxPacketSize: 1024 });
    const c = await client();
    const session = await edge.sessions.next();
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint16(0, 0xdead);
    new DataView(header.buffer).setInt32(4, 1025);
    await c.writeRaw(header);
    await c.closed;
    expect((await session.closed).code).toBe(1002);
    expect(b.stats().protocolErrors).toBe(1);
  });

  it("closes an encrypted connection on a bad checksum or a second session key", async () => {
    const b = await setup();
    const tampered = await client();
    await tampered.negotiate();
    const packet = tampered.cipher?.encryptPacket(encodePacket(MessageType.Login, text("x"))) ?? new Uint8Array();
    packet[20] = (packet[20] ?? 0) ^ 0xff;
    await tampered.writeRaw(packet);
    await tampered.closed;

    const rekey = await client();
    await rekey.send(encodePacket(MessageType.Keepalive, new Uint8Array()));
    await rekey.writeRaw(encodePacket(MessageType.SessionKey, new Uint8Array(8)));
    await rekey.closed;
    expect(b.stats().protocolErrors).toBe(2);
  });

  it("writes what the edge sent, then closes TCP when the edge closes the tunnel", async () => {
    await setup();
    const c = await client();
    const session = await edge.sessions.next();
    const message = encodePacket(MessageType.ServerMessage, text("bye"));
    await session.send(message);
    await session.close();
    expect(await c.packets.next()).toEqual(message);
    await c.closed;
  });

  it("closes the tunnel when the client closes TCP", async () => {
    const b = await setup();
    const c = await client();
    const session = await edge.sessions.next();
    c.socket.end();
    expect((await session.closed).code).toBe(1000);
    await until(() => b.stats().connections === 0);
  });

  it("refuses connections over the per-IP cap and admits again once one leaves", async () => {
    const b = await setup({ maxConnectionsPerIp: 2 });
    const first = await client();
    await client();
    await edge.sessions.next();
    await edge.sessions.next();
    const third = await client();
    await third.closed;
    expect(b.stats()).toMatchObject({ rejectedByIpCap: 1, connections: 2 });

    first.socket.end();
    await until(() => b.stats().connections === 1);
    await client();
    await edge.sessions.next();
    expect(b.stats().rejectedByIpCap).toBe(1);
  });

  it("closes the client when the edge refuses the token", async () => {
    await setup();
    edge.token = "rotated";
    const c = await client();
    await c.send(encodePacket(MessageType.Login, text("anyone")));
    await c.closed;
    expect(edge.refusedUpgrades).toBe(1);
    expect(edge.sessions.size).toBe(0);
  });

  it("does not start when the edge refuses its token for /tunnel/config", async () => {
    edge = await FakeEdge.start();
    await expect(startBridge({ edgeUrl: edge.url, bridgeToken: "wrong", ephemeralPorts: true })).rejects.toThrow(/401/);
  });

  it("drops a client that stops reading, and only that one", async () => {
    const b = await setup({ maxOutboundQueueBytes: 64 * 1024 });
    const slow = await client();
    slow.socket.pause();
    const session = await edge.sessions.next();
    const other = await client();
    const otherSession = await edge.sessions.next();
    const chunk = encodePacket(MessageType.PlayerList, new Uint8Array(8000));
    // Keep sending until the bridge gives up on the client (the edge's socket stops being OPEN).
    while (!session.isClosed) {
      await session.send(chunk).catch(() => {});
      await new Promise((resolve) => setImmediate(resolve)); // let the bridge read
    }
    expect((await session.closed).code).toBe(1008);
    slow.socket.resume(); // a paused socket never notices it was closed
    await slow.closed;
    expect(b.stats().droppedSlowClients).toBe(1);
    const chat = encodePacket(MessageType.RoomBroadcast, text("unaffected"));
    await otherSession.send(chat);
    expect(await other.packets.next()).toEqual(chat);
  });

  it("resets a client dropped as too slow: the backlog the kernel holds is not delivered after the drop", async () => {
    await setup({ maxOutboundQueueBytes: 64 * 1024 });
    const slow = await client();
    slow.socket.pause();
    const session = await edge.sessions.next();
    const chunk = encodePacket(MessageType.PlayerList, new Uint8Array(8000));
    let sent = 0;
    while (!session.isClosed) {
      await session.send(chunk).catch(() => {});
      sent += chunk.byteLength;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await session.closed).code).toBe(1008);
    // The kernel's send buffer towards the client holds far more than the bound (megabytes on
    // loopback); a plain close would still deliver all of it, then FIN, to a client that is
    // gone as far as the room is concerned. A reset ends it at once.
    expect(sent).toBeGreaterThan(512 * 1024);
    let after = 0;
    slow.socket.on("data", (c: Buffer) => {
      after += c.byteLength;
    });
    slow.socket.resume();
    await slow.closed;
    expect(after).toBeLessThan(sent / 2);
  });

  it("stops reading a client while its tunnel is backed up, then delivers everything in order", async () => {
    const b = await setup({ tunnelHighWaterMark: 16 * 1024 });
    const c = await client();
    const session = await edge.sessions.next();
    session.tunnel.ws.pause(); // the edge stops reading
    // Write until the bridge pauses this client (once the kernel buffers towards the edge are full).
    const sent: number[] = [];
    while (b.stats().tunnelPauses === 0) {
      const n = sent.length;
      sent.push(n);
      c.socket.write(encodePacket(MessageType.RoomBroadcast, new Uint8Array(8000).fill(n & 0xff)));
      if (c.socket.writableLength > 1 << 20) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    session.tunnel.ws.resume();
    let inOrder = 0;
    for (const n of sent) {
      const packet = await session.nextPacket();
      if (packet.byteLength === 8008 && packet[8] === (n & 0xff) && packet[8007] === (n & 0xff)) inOrder++;
    }
    expect(inOrder).toBe(sent.length);
  });

  it("drops an idle client", async () => {
    await setup({ idleTimeoutMs: 50 });
    const c = await client();
    const session = await edge.sessions.next();
    await c.closed;
    expect((await session.closed).code).toBe(4000);
  });

  it("takes over keepalives when the edge asks: pings a silent client, swallows its replies, drops it when silent", async () => {
    await setup();
    const c = await client(bridge?.roomPorts.get(10));
    await c.negotiate();
    const session = await edge.sessions.next();
    expect(await session.frames.next()).toEqual({ binary: false, control: { t: "encrypted" } });
    await session.keepalive(1000, 2500);

    // Silent for a second: the bridge pings (encrypted like everything else on this session).
    expect(typeOf(await c.packets.next())).toBe(MessageType.Keepalive);
    // The client's answer keeps it alive but never reaches the edge; real traffic still does.
    await c.send(encodePacket(MessageType.Keepalive, new Uint8Array()));
    const chat = encodePacket(MessageType.RoomBroadcast, text("still here"));
    await c.send(chat);
    expect(await session.nextPacket()).toEqual(chat);
    expect(session.frames.size).toBe(0);

    // Then silence past the timeout: dropped, and the edge learns why.
    await c.closed;
    expect((await session.closed).code).toBe(4001);
  });

  it("ignores text frames, out-of-bounds keepalives and records for unknown connections", async () => {
    await setup();
    const c = await client();
    const session = await edge.sessions.next();
    await session.tunnel.sendFrame("not part of v2");
    await session.keepalive(1, 2);
    const w = new MuxFrameWriter();
    w.closeDown(999999, 1000, "nobody");
    w.packetDown([999998], encodePacket(MessageType.RoomBroadcast, text("to nobody")));
    await session.tunnel.sendFrame(w.take());
    const login = encodePacket(MessageType.Login, text("after control"));
    await c.send(login);
    expect(await session.nextPacket()).toEqual(login);
    const reply = encodePacket(MessageType.ServerMessage, text("ok"));
    await session.send(reply);
    expect(await c.packets.next()).toEqual(reply);
  });

  it("stops reading a client that floods packets, then delivers everything once the bucket refills", async () => {
    const b = await setup({ maxPacketsPerSecond: 20, packetBurst: 5 });
    const flooder = await client();
    const floodSession = await edge.sessions.next();
    const calm = await client();
    const calmSession = await edge.sessions.next();

    // 30 packets in one write: 5 may pass at once, the debt of 25 pauses reading for ~1.25 s.
    const burst = Array.from({ length: 30 }, (_, n) => encodePacket(MessageType.RoomBroadcast, text(`flood ${n}`)));
    await flooder.writeRaw(Buffer.concat(burst));
    await flooder.send(encodePacket(MessageType.RoomBroadcast, text("after the flood")));
    // The other client is not held up by it.
    const hello = encodePacket(MessageType.RoomBroadcast, text("calm"));
    await calm.send(hello);
    expect(await calmSession.nextPacket()).toEqual(hello);

    for (const packet of burst) expect(await floodSession.nextPacket()).toEqual(packet);
    expect(await floodSession.nextPacket()).toEqual(encodePacket(MessageType.RoomBroadcast, text("after the flood")));
    expect(b.stats().rateLimited).toBeGreaterThanOrEqual(1);
    expect(b.stats().protocolErrors).toBe(0);
  });

  it("close() ends every session and stops listening", async () => {
    const b = await setup();
    const c = await client();
    const session = await edge.sessions.next();
    await b.close();
    await c.closed;
    expect((await session.closed).code).toBe(1001);
    await expect(LegacyClient.connect(b.loginPort)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("multiplexed tunnel (v2)", () => {
  it("carries every connection to one target on one socket, and a record with two recipients reaches both", async () => {
    const b = await setup();
    const port = b.roomPorts.get(10) ?? 0;
    const a = await client(port);
    const sa = await edge.sessions.next();
    const c = await client(port);
    const sc = await edge.sessions.next();
    expect(sa.tunnel).toBe(sc.tunnel);
    expect(sa.conn).not.toBe(sc.conn);
    expect(edge.tunnels.size).toBe(1);

    const broadcast = encodePacket(MessageType.RoomBroadcast, text("to both"));
    const w = new MuxFrameWriter();
    w.packetDown([sa.conn, sc.conn], broadcast);
    await sa.tunnel.sendFrame(w.take());
    expect(await a.packets.next()).toEqual(broadcast);
    expect(await c.packets.next()).toEqual(broadcast);
    expect(b.stats()).toMatchObject({ tunnelFramesIn: 1, tunnelsOpened: 1 });
  });

  it("sends what several clients write in one tick as one frame", async () => {
    const b = await setup();
    const port = b.roomPorts.get(10) ?? 0;
    const a = await client(port);
    const sa = await edge.sessions.next();
    const c = await client(port);
    const sc = await edge.sessions.next();
    const framesBefore = sa.tunnel.frames.length;
    // Both clients' packets reach the bridge in the same tick when written back to back.
    const pa = encodePacket(MessageType.RoomBroadcast, text("a"));
    const pc = encodePacket(MessageType.RoomBroadcast, text("c"));
    a.socket.write(Buffer.concat([pa, pa]));
    c.socket.write(pc);
    expect(await sa.nextPacket()).toEqual(pa);
    expect(await sa.nextPacket()).toEqual(pa);
    expect(await sc.nextPacket()).toEqual(pc);
    // At most one frame per client write here, and fewer frames than packets overall.
    expect(sa.tunnel.frames.length - framesBefore).toBeLessThanOrEqual(2);
    expect(b.stats().tunnelFramesOut).toBeLessThan(b.stats().tunnelBytesOut);
  });

  it("disconnects every client of a tunnel that dies, and opens a fresh tunnel for the next client", async () => {
    const b = await setup();
    const port = b.roomPorts.get(11) ?? 0;
    const a = await client(port);
    const sa = await edge.sessions.next();
    const c = await client(port);
    await edge.sessions.next();
    sa.tunnel.ws.terminate();
    await a.closed;
    await c.closed;
    await until(() => b.stats().connections === 0);
    await client(port);
    const fresh = await edge.sessions.next();
    expect(fresh.tunnel).not.toBe(sa.tunnel);
    expect(b.stats()).toMatchObject({ tunnelsOpened: 2, tunnelsLost: 1 });
  });

  it("refuses to start against an edge that does not speak tunnel v2", async () => {
    const old = createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ loginPort: 6321, rooms: ROOMS }));
    });
    await new Promise<void>((resolve) => old.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(old.address() as AddressInfo).port}`;
    await expect(startBridge({ edgeUrl: url, bridgeToken: TOKEN, ephemeralPorts: true })).rejects.toThrow(/tunnel v2/);
    await new Promise<void>((resolve) => old.close(() => resolve()));
  });
});

/** A server_message as a client reads it: code and text. */
function serverMessageOf(raw: Uint8Array): { code: number; text: string } {
  expect(typeOf(raw)).toBe(MessageType.ServerMessage);
  const view = new DataView(raw.buffer, raw.byteOffset);
  const bytes = raw.subarray(12);
  const end = bytes.indexOf(0);
  return { code: view.getInt32(8), text: new TextDecoder().decode(bytes.subarray(0, end < 0 ? undefined : end)) };
}

describe("connection budgets (issue 10, finding 7)", () => {
  it("half-open per address: the next one is told why (plain or encrypted, as it spoke first), then closed", async () => {
    const b = await setup({ maxHalfOpenPerIp: 2 });
    await client();
    await client();
    await edge.sessions.next();
    await edge.sessions.next();
    const plain = await client();
    await plain.send(encodePacket(MessageType.Login, text("x")));
    expect(serverMessageOf(await plain.packets.next())).toEqual({
      code: 13,
      text: expect.stringContaining("Too many logins in progress from your address (2)"),
    });
    await plain.closed;
    const gos = await client();
    await gos.negotiate();
    // The message may share a TCP chunk with the key (the test client then queues it undecrypted): read it off the wire.
    const sealed = gos.cipher?.decryptPacket(await gos.wire.next());
    if (!sealed?.ok) throw new Error("the refusal was not encrypted with the session key");
    expect(serverMessageOf(sealed.value)).toMatchObject({ code: 13, text: expect.stringContaining("in progress") });
    await gos.closed;
    expect(b.stats()).toMatchObject({ rejectedHalfOpen: 2, connections: 2 });
    expect(edge.sessions.size).toBe(0);
  });

  it("a room login frees its half-open slot; the total per address and the global cap still hold", async () => {
    const b = await setup({ maxHalfOpenPerIp: 1, maxConnectionsPerIp: 2, maxConnections: 3 });
    const room = bridge?.roomPorts.get(10);
    await client(room);
    await (await edge.sessions.next()).keepalive(60_000, 120_000);
    await until(() => b.stats().connections === 1);
    // The player counts only towards the total: another half-open one fits.
    await client(room);
    await edge.sessions.next();
    const third = await client(room);
    await third.send(encodePacket(MessageType.Keepalive, new Uint8Array()));
    expect(serverMessageOf(await third.packets.next()).text).toContain("Too many connections from your address (2)");
    expect(b.stats()).toMatchObject({ rejectedByIpCap: 1 });
  });

  it("a room connection that never finishes room_login is told and closed at the deadline", async () => {
    const b = await setup({ roomLoginDeadlineMs: 200 });
    const c = await client(bridge?.roomPorts.get(10));
    const session = await edge.sessions.next();
    expect(serverMessageOf(await c.packets.next())).toEqual({ code: 4, text: "Room login not completed within 0 s." });
    await c.closed;
    expect((await session.closed).code).toBe(4000);
    expect(b.stats().roomLoginDeadline).toBe(1);
  });

  it("the idle timer counts whole packets: a byte at a time does not keep a client", async () => {
    const b = await setup({ idleTimeoutMs: 300 });
    const c = await client();
    const session = await edge.sessions.next();
    const packet = encodePacket(MessageType.Login, text("slowly"));
    // One byte every 100 ms: never a whole packet within the idle timeout.
    const drip = setInterval(() => void c.writeRaw(packet.subarray(0, 1)).catch(() => {}), 100);
    try {
      await c.closed;
    } finally {
      clearInterval(drip);
    }
    expect((await session.closed).code).toBe(4000);
    expect(b.stats().idleClosed).toBe(1);
  });
});
