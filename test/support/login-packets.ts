/**
 * A scripted bridge for login tests: client packets built byte by byte from PROTOCOL.md §5 (not
 * with the codec under test), server packets read the same way, over either tunnel: v1 (one
 * WebSocket per connection, /tunnel/login) or v2 (a multiplexed socket to the bridge's
 * LoginGateway, /tunnel/v2/login).
 */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { forEachDownRecord, MuxFrameWriter } from "../../tunnel/mux.ts";
import { concat } from "./bytes.ts";

// ------------------------------------------------------------------ packets, by hand

export function packet(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(8 + payload.byteLength);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xdead);
  v.setInt16(2, type);
  v.setInt32(4, out.byteLength);
  out.set(payload, 8);
  return out;
}

export const ascii = (s: string) => new TextEncoder().encode(s);

export function fixed(text: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(ascii(text).subarray(0, size - 1));
  return out;
}

/** §4.2: 38 bytes + nick + team. */
export function playerData(nick: string, team = "", gameVersion = 2180, build = 428): Uint8Array {
  const fixedPart = new Uint8Array(38);
  const v = new DataView(fixedPart.buffer);
  v.setInt8(0, 3); // coat of arms
  v.setUint16(4, 0xff00); // primary red
  v.setUint16(16, 0xff00); // secondary blue
  v.setInt16(22, gameVersion);
  v.setInt16(24, build);
  return concat(fixedPart, ascii(nick), new Uint8Array(1), ascii(team), new Uint8Array(1));
}

/** §5.2 Myth layout, 276 bytes. */
export function mythLogin(o: {
  application?: string;
  username: string;
  flags?: number;
  player?: Uint8Array;
}): Uint8Array {
  const player = o.player ?? playerData("Nick");
  const head = new Uint8Array(16);
  const v = new DataView(head.buffer);
  v.setInt16(0, 1); // metaserver version
  v.setInt16(2, 201); // windows modern
  v.setInt32(4, o.flags ?? 0);
  v.setInt32(8, 0);
  v.setInt16(12, 0);
  v.setInt16(14, player.byteLength);
  const padded = new Uint8Array(128);
  padded.set(player);
  return packet(
    100,
    concat(
      head,
      fixed(o.application ?? "MYTH2", 32),
      fixed("Jan  1 2020", 32),
      fixed("12:00:00", 32),
      fixed(o.username, 32),
      padded,
      new Uint8Array(4),
    ),
  );
}

/** §5.2 Aleph One layout: platform first, unpadded player data, no country code. */
export function alephLogin(username: string, nick = "Bob"): Uint8Array {
  const player = playerData(nick, "", 5000, 0);
  const head = new Uint8Array(16);
  const v = new DataView(head.buffer);
  v.setInt16(0, 4);
  v.setInt16(2, 0);
  v.setInt32(4, 1);
  v.setInt16(12, 1);
  v.setInt16(14, player.byteLength);
  return packet(
    100,
    concat(head, fixed("MARATHON", 32), fixed("Jan  1 2025", 32), fixed("12:00:00", 32), fixed(username, 32), player),
  );
}

export const mythPassword = (pw: string) => packet(109, concat(ascii(pw), new Uint8Array(1)));
export const alephPassword = (pw: string) => packet(109, fixed(pw, 16));

export function versionControl(platform: number, appVersion: number, patch: number, build: number): Uint8Array {
  const payload = new Uint8Array(16);
  const v = new DataView(payload.buffer);
  v.setInt32(0, platform);
  v.setInt32(4, appVersion);
  v.setInt32(8, patch);
  v.setInt32(12, build);
  return packet(115, payload);
}

export const logout = () => packet(102);

// ------------------------------------------------------------------ reading server packets

export interface Received {
  type: number;
  payload: Uint8Array;
  view: DataView;
}
export type Event = { kind: "packet"; packet: Received } | { kind: "close"; code: number; reason: string };

export function parse(data: ArrayBuffer): Received {
  const bytes = new Uint8Array(data);
  const v = new DataView(data);
  expect(v.getUint16(0)).toBe(0xdead);
  expect(v.getInt32(4)).toBe(bytes.byteLength); // one whole packet per frame
  expect(bytes.byteLength).toBeLessThanOrEqual(8096);
  const payload = bytes.slice(8);
  return { type: v.getInt16(2), payload, view: new DataView(payload.buffer) };
}

export function serverMessage(p: Received): { code: number; text: string } {
  expect(p.type).toBe(3);
  const end = p.payload.indexOf(0, 4);
  return { code: p.view.getInt32(0), text: new TextDecoder().decode(p.payload.subarray(4, end)) };
}

export function roomInfos(p: Received) {
  expect(p.type).toBe(0);
  expect(p.payload.byteLength % 24).toBe(0);
  const rooms = [];
  for (let at = 0; at < p.payload.byteLength; at += 24) {
    rooms.push({
      roomId: p.view.getInt16(at),
      host: p.view.getUint32(at + 4),
      port: p.view.getUint16(at + 8),
      roomType: p.view.getInt16(at + 12),
      flags: p.view.getUint16(at + 14),
    });
  }
  return rooms;
}

export const TUNNEL_HEADERS = {
  Upgrade: "websocket",
  Authorization: "Bearer test-bridge",
  "X-Client-Address": "127.0.0.1:5000",
  "X-Local-Address": "127.0.0.1:6321",
};

export class Conn {
  private events: Event[] = [];
  private waiter: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (e) => this.push({ kind: "packet", packet: parse(e.data as ArrayBuffer) }));
    ws.addEventListener("close", (e) => this.push({ kind: "close", code: e.code, reason: e.reason }));
  }

  private push(e: Event) {
    this.events.push(e);
    this.waiter?.();
  }

  send(...packets: Uint8Array[]): this {
    for (const p of packets) this.ws.send(p);
    return this;
  }

  encrypted(): this {
    this.ws.send(JSON.stringify({ t: "encrypted" }));
    return this;
  }

  async next(): Promise<Event> {
    while (this.events.length === 0) await new Promise<void>((r) => (this.waiter = r));
    this.waiter = null;
    return this.events.shift() as Event;
  }

  /** The next event must be a packet of this type. */
  async expect(type: number): Promise<Received> {
    const e = await this.next();
    if (e.kind !== "packet") throw new Error(`expected packet ${type}, connection closed (${e.reason})`);
    expect(e.packet.type).toBe(type);
    return e.packet;
  }

  async expectClose(): Promise<{ code: number; reason: string }> {
    const e = await this.next();
    if (e.kind !== "close") throw new Error(`expected close, got packet ${e.packet.type}`);
    return e;
  }

  /** A refusal: server_message with this code, then close. */
  async expectRefusal(code: number): Promise<void> {
    expect(serverMessage(await this.expect(3)).code).toBe(code);
    await this.expectClose();
  }
}

/** A login connection on its own v2 socket (one connection per socket, as a fresh bridge has). */
export class MuxConn {
  private events: Event[] = [];
  private waiter: (() => void) | null = null;
  readonly conn = 1;

  constructor(
    readonly ws: WebSocket,
    client = "127.0.0.1:5000",
  ) {
    ws.accept();
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (e) => {
      const result = forEachDownRecord(new Uint8Array(e.data as ArrayBuffer), {
        packet: (_conns, _count, p) => this.push({ kind: "packet", packet: parse(p.slice().buffer) }),
        keepalive: () => {},
        close: (_conn, code, reason) => this.push({ kind: "close", code, reason }),
      });
      if (!result.ok) throw new Error(result.error.message);
    });
    ws.addEventListener("close", (e) => this.push({ kind: "close", code: e.code, reason: e.reason }));
    this.record((w) => w.open(this.conn, client, "127.0.0.1:6321"));
  }

  private push(e: Event) {
    this.events.push(e);
    this.waiter?.();
  }

  record(write: (w: MuxFrameWriter) => void): void {
    const w = new MuxFrameWriter();
    write(w);
    this.ws.send(w.take());
  }

  send(...packets: Uint8Array[]): this {
    this.record((w) => {
      for (const p of packets) w.packetUp(this.conn, p);
    });
    return this;
  }

  encrypted(): this {
    this.record((w) => w.encrypted(this.conn));
    return this;
  }

  async next(): Promise<Event> {
    while (this.events.length === 0) await new Promise<void>((r) => (this.waiter = r));
    this.waiter = null;
    return this.events.shift() as Event;
  }

  async expect(type: number): Promise<Received> {
    const e = await this.next();
    if (e.kind !== "packet") throw new Error(`expected packet ${type}, connection closed (${e.reason})`);
    expect(e.packet.type).toBe(type);
    return e.packet;
  }

  async expectClose(): Promise<{ code: number; reason: string }> {
    const e = await this.next();
    if (e.kind !== "close") throw new Error(`expected close, got packet ${e.packet.type}`);
    return e;
  }

  async expectRefusal(code: number): Promise<void> {
    expect(serverMessage(await this.expect(3)).code).toBe(code);
    await this.expectClose();
  }
}

let bridges = 0;

/** A v2 login socket as a new bridge opens it. */
export async function connectMux(bridgeId = `login-bridge-${++bridges}`): Promise<WebSocket> {
  const res = await SELF.fetch("http://edge/tunnel/v2/login", {
    headers: { Upgrade: "websocket", Authorization: "Bearer test-bridge", "X-Bridge-Id": bridgeId },
  });
  expect(res.status).toBe(101);
  if (!res.webSocket) throw new Error("no WebSocket in the response");
  return res.webSocket;
}
