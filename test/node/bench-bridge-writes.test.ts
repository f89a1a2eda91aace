/**
 * The bridge coalesces the packets it writes to a client within one tick (a load-test fix,
 * docs/performance.md). What a client must still see: every packet of a burst, in order, with
 * nothing held back while the session stays open, and nothing lost when the edge closes
 * right after the burst.
 */
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { type Bridge, startBridge } from "../../bridge/server.ts";
import { encodePacket } from "../../protocol/header.ts";
import { PacketSplitter } from "../../protocol/splitter.ts";
import { decodeUpFrame, MuxFrameWriter } from "../../tunnel/mux.ts";

const TOKEN = "bench-bridge-token";
let http: Server;
let bridge: Bridge;
const tunnels: WebSocket[] = [];
const waiting: ((ws: WebSocket) => void)[] = [];

beforeAll(async () => {
  http = createServer((req, res) => {
    if (req.url !== "/tunnel/config") return void res.writeHead(404).end();
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ loginPort: 6321, tunnelVersions: [2], rooms: [] }));
  });
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (ws) => {
    const waiter = waiting.shift();
    if (waiter) waiter(ws);
    else tunnels.push(ws);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  bridge = await startBridge({
    edgeUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    bridgeToken: TOKEN,
    loginPort: 0,
    ephemeralPorts: true,
  });
});

afterAll(async () => {
  await bridge?.close();
  http?.closeAllConnections();
  await new Promise<void>((resolve) => http?.close(() => resolve()));
});

function nextTunnel(): Promise<WebSocket> {
  const ws = tunnels.shift();
  return ws ? Promise.resolve(ws) : new Promise((resolve) => waiting.push(resolve));
}

/** A plain (unencrypted) TCP client collecting whole packets. */
function client() {
  const socket = connect(bridge.loginPort, "127.0.0.1");
  const splitter = new PacketSplitter({ maxPacketSize: 8192 });
  const packets: number[] = [];
  let onPacket = () => {};
  socket.on("data", (chunk) => {
    const split = splitter.push(chunk);
    if (!split.ok) throw new Error(split.error.message);
    for (const p of split.value) packets.push(new DataView(p.buffer, p.byteOffset).getUint32(8));
    onPacket();
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  const count = (n: number) =>
    new Promise<void>((resolve) => {
      onPacket = () => packets.length >= n && resolve();
      onPacket();
    });
  return { socket, packets, closed, count };
}

/** Packet type 10 (message of the day) carrying a sequence number. */
function numbered(i: number): Uint8Array {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setUint32(0, i);
  return encodePacket(10, payload);
}

/** One edge → bridge frame. */
function frame(write: (w: MuxFrameWriter) => void): Uint8Array {
  const w = new MuxFrameWriter();
  write(w);
  return w.take();
}

it("delivers a burst in order while open, and a burst followed by close before the close", async () => {
  const c = client();
  // The client's connection opens the tunnel; its open record names its connection.
  const edge = await nextTunnel();
  const conn = await new Promise<number>((resolve) =>
    edge.once("message", (data) => {
      const records = decodeUpFrame(new Uint8Array(data as Buffer), 8192);
      if (!records.ok || records.value[0]?.kind !== "open") throw new Error("expected an open record");
      resolve(records.value[0].conn);
    }),
  );

  // One packet per frame, then a whole burst in one frame.
  for (let i = 0; i < 150; i++) edge.send(frame((w) => w.packetDown([conn], numbered(i))));
  edge.send(
    frame((w) => {
      for (let i = 150; i < 300; i++) w.packetDown([conn], numbered(i));
    }),
  );
  await c.count(300);
  expect(c.packets).toEqual(Array.from({ length: 300 }, (_, i) => i));

  edge.send(
    frame((w) => {
      for (let i = 300; i < 600; i++) w.packetDown([conn], numbered(i));
      w.closeDown(conn, 1000, "bye");
    }),
  );
  await c.closed;
  expect(c.packets).toEqual(Array.from({ length: 600 }, (_, i) => i));
});
