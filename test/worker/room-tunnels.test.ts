/**
 * A room serves old and new bridges at once: v2 sockets carry several connections each (one
 * record per broadcast and bridge), v1 sockets one connection each (an old bridge during a
 * rollout).
 */
import { SELF } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { encodePacket } from "../../protocol/header.ts";
import { forEachDownRecord, MuxFrameWriter } from "../../tunnel/mux.ts";
import { chatBody, chatOf, directoryLogin, join, leaveAll, playerEntries, roomLoginPayload } from "./room-helpers.ts";

vi.setConfig({ testTimeout: 30_000 });

interface Got {
  conns: number[];
  type: number;
  payload: Uint8Array;
}

/** One v2 socket with several client connections on it, as one bridge has them. */
async function muxBridge(roomId: number, bridgeId: string) {
  const res = await SELF.fetch(`http://edge.test/tunnel/v2/room/${roomId}`, {
    headers: { Upgrade: "websocket", Authorization: "Bearer test-bridge", "X-Bridge-Id": bridgeId },
  });
  const ws = res.webSocket;
  if (!ws) throw new Error(`tunnel refused: ${res.status}`);
  ws.binaryType = "arraybuffer";
  ws.accept();
  const records: Got[] = [];
  let frames = 0;
  ws.addEventListener("message", (e) => {
    frames++;
    forEachDownRecord(new Uint8Array(e.data as ArrayBuffer), {
      packet: (conns, count, p) =>
        records.push({
          conns: Array.from({ length: count }, (_, i) => conns.getUint32(4 * i)),
          type: new DataView(p.buffer, p.byteOffset).getInt16(2),
          payload: p.slice(8),
        }),
      keepalive: () => {},
      close: () => {},
    });
  });
  const send = (write: (w: MuxFrameWriter) => void) => {
    const w = new MuxFrameWriter();
    write(w);
    ws.send(w.take());
  };
  return {
    ws,
    records,
    get frames() {
      return frames;
    },
    send,
    async until(check: () => boolean): Promise<void> {
      for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      if (!check()) throw new Error(`never happened; records ${JSON.stringify(records.map((r) => [r.conns, r.type]))}`);
    },
  };
}

it("a broadcast is one record per v2 bridge naming its recipients, and a plain frame to a v1 socket", async () => {
  const bridge = await muxBridge(1, "bridge-one-aaaa");
  // Each logs in from the address its room connection comes from (tokens are bound to it).
  const alice = await directoryLogin({ nick: "Alice", clientAddress: "203.0.113.7:700" });
  const bob = await directoryLogin({ nick: "Bob", clientAddress: "203.0.113.8:800" });
  bridge.send((w) => {
    w.open(7, "203.0.113.7:700", "127.0.0.1:6324");
    w.open(8, "203.0.113.8:800", "127.0.0.1:6324");
    w.packetUp(7, encodePacket(101, roomLoginPayload(alice.token, "alice")));
  });
  await bridge.until(() => bridge.records.some((r) => r.type === 0 && r.conns.includes(7)));
  bridge.send((w) => w.packetUp(8, encodePacket(101, roomLoginPayload(bob.token, "bob"))));
  await bridge.until(() => bridge.records.some((r) => r.type === 0 && r.conns.includes(8)));

  // An old bridge's player in the same room.
  const carol = await join(1, { nick: "Carol" }, "198.51.100.9:900", 1);
  await carol.client.types(5);
  await bridge.until(() =>
    bridge.records.some(
      (r) => r.type === 1 && playerEntries({ type: 1, payload: r.payload })[0]?.playerId === carol.userId,
    ),
  );

  const before = bridge.records.length;
  const frames = bridge.frames;
  bridge.send((w) => w.packetUp(7, encodePacket(200, chatBody(alice.userId, "Alice", "hello both bridges"))));
  await bridge.until(() => bridge.records.slice(before).some((r) => r.type === 200));
  const chats = bridge.records.slice(before).filter((r) => r.type === 200);
  // One record, one frame, both of this bridge's players as recipients.
  expect(chats).toHaveLength(1);
  expect(chats[0]?.conns.sort()).toEqual([7, 8]);
  expect(bridge.frames - frames).toBe(1);
  expect(chatOf({ type: 200, payload: chats[0]?.payload ?? new Uint8Array() }).text).toBe("hello both bridges");
  expect(chatOf(await carol.client.nextOfType(200)).text).toBe("hello both bridges");

  // The v1 player's chat reaches the v2 bridge as one record too.
  carol.client.send(200, chatBody(carol.userId, "Carol", "from the old bridge"));
  await bridge.until(() =>
    bridge.records.some(
      (r) => r.type === 200 && chatOf({ type: 200, payload: r.payload }).text === "from the old bridge",
    ),
  );

  // The v2 socket closing takes both its players out of the room.
  bridge.ws.close(1000, "bridge gone");
  const gone = new Set<number>();
  for (let i = 0; i < 2; i++) {
    const entry = playerEntries(await carol.client.nextOfType(1))[0];
    expect(entry?.verb).toBe(1);
    if (entry) gone.add(entry.playerId);
  }
  expect(gone).toEqual(new Set([alice.userId, bob.userId]));
  await leaveAll(1, carol.client);
});
