import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_INBOUND_PACKET_SIZE, encodePacket } from "../../protocol/header.ts";
import { PacketSplitter } from "../../protocol/splitter.ts";
import { concat, hex } from "../support/bytes.ts";

const keepalive = hex("de ad 00 ca 00 00 00 08");
const serverMessage = hex("de ad 00 03 00 00 00 1c 00 00 00 08 55 73 65 72 20 6c 6f 67 67 65 64 20 69 6e 2e 00");
const passwordResponse = hex("de ad 00 6d 00 00 00 0b 70 77 00");

/** Pushes every chunk and returns all packets, failing the test on an error. */
function splitAll(splitter: PacketSplitter, chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    const r = splitter.push(chunk);
    if (!r.ok) throw new Error(`unexpected split error: ${r.error.message}`);
    out.push(...r.value);
  }
  return out;
}

describe("PacketSplitter", () => {
  it("splits several packets coalesced into one chunk", () => {
    const s = new PacketSplitter();
    const r = s.push(concat(keepalive, serverMessage, passwordResponse));
    expect(r).toEqual({ ok: true, value: [keepalive, serverMessage, passwordResponse] });
    expect(s.buffered).toBe(0);
  });

  it("reassembles a packet fragmented over chunks, including a split header", () => {
    const s = new PacketSplitter();
    expect(s.push(serverMessage.subarray(0, 3))).toEqual({ ok: true, value: [] });
    expect(s.push(serverMessage.subarray(3, 10))).toEqual({ ok: true, value: [] });
    expect(s.buffered).toBe(10);
    expect(s.push(concat(serverMessage.subarray(10), keepalive.subarray(0, 5)))).toEqual({
      ok: true,
      value: [serverMessage],
    });
    expect(s.push(keepalive.subarray(5))).toEqual({ ok: true, value: [keepalive] });
  });

  it("handles a stream delivered one byte at a time", () => {
    const stream = concat(passwordResponse, keepalive, serverMessage);
    const s = new PacketSplitter();
    const chunks = Array.from(stream, (b) => Uint8Array.of(b));
    expect(splitAll(s, chunks)).toEqual([passwordResponse, keepalive, serverMessage]);
  });

  it("returns copies that do not alias the caller's chunk", () => {
    const chunk = concat(keepalive, keepalive);
    const r = new PacketSplitter().push(chunk);
    chunk.fill(0);
    expect(r).toEqual({ ok: true, value: [keepalive, keepalive] });
  });

  it("accepts a packet of exactly the limit and refuses one byte more as soon as the header arrives", () => {
    const atLimit = encodePacket(200, new Uint8Array(100 - 8));
    expect(new PacketSplitter({ maxPacketSize: 100 }).push(atLimit)).toEqual({ ok: true, value: [atLimit] });

    const s = new PacketSplitter({ maxPacketSize: 100 });
    // Only the header of a 101-byte packet: it fails before buffering any payload.
    const r = s.push(hex("de ad 00 c8 00 00 00 65"));
    expect(r).toMatchObject({ ok: false, error: { kind: "bad-length" } });
    expect(s.failed).toBe(true);
  });

  it("refuses the default limit + 1 and a huge announced length", () => {
    const over = DEFAULT_MAX_INBOUND_PACKET_SIZE + 1;
    const header = hex("de ad 00 c8 00 00 00 00");
    new DataView(header.buffer).setInt32(4, over);
    expect(new PacketSplitter().push(header)).toMatchObject({ ok: false, error: { kind: "bad-length" } });
    expect(new PacketSplitter().push(hex("de ad 00 c8 7f ff ff ff"))).toMatchObject({
      ok: false,
      error: { kind: "bad-length" },
    });
    expect(new PacketSplitter().push(hex("de ad 00 c8 ff ff ff ff"))).toMatchObject({
      ok: false,
      error: { kind: "bad-length" },
    });
  });

  it("refuses a length shorter than the header", () => {
    expect(new PacketSplitter().push(hex("de ad 00 ca 00 00 00 07"))).toMatchObject({
      ok: false,
      error: { kind: "bad-length" },
    });
  });

  it("fails on a bad identifier, also after good packets, and stays failed", () => {
    const s = new PacketSplitter();
    const r = s.push(concat(keepalive, hex("be ef 00 ca 00 00 00 08")));
    expect(r).toMatchObject({ ok: false, error: { kind: "bad-magic" } });
    expect(s.failed).toBe(true);
    // A perfectly good packet afterwards is still refused: the stream cannot be resynchronised.
    expect(s.push(keepalive)).toMatchObject({ ok: false, error: { kind: "bad-magic" } });
  });

  it("never buffers more than one incomplete packet", () => {
    const s = new PacketSplitter({ maxPacketSize: 64 });
    const big = encodePacket(200, new Uint8Array(56).fill(7));
    expect(splitAll(s, [big.subarray(0, 63)])).toEqual([]);
    expect(s.buffered).toBe(63);
    expect(splitAll(s, [concat(big.subarray(63), big.subarray(0, 4))])).toEqual([big]);
    expect(s.buffered).toBe(4);
  });

  it("rejects a configured limit below the header size", () => {
    expect(() => new PacketSplitter({ maxPacketSize: 7 })).toThrow(RangeError);
  });

  const packetArb = fc
    .record({
      type: fc.integer({ min: -32768, max: 32767 }),
      payload: fc.uint8Array({ maxLength: 300 }),
    })
    .map(({ type, payload }) => encodePacket(type, payload));

  it("yields exactly the packets of any concatenation, however it is cut", () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (packets, cuts) => {
        const stream = concat(...packets);
        const points = [...new Set(cuts.map((c) => c % (stream.byteLength + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const p of [...points, stream.byteLength]) {
          chunks.push(stream.subarray(prev, p));
          prev = p;
        }
        const s = new PacketSplitter();
        expect(splitAll(s, chunks)).toEqual(packets);
        expect(s.buffered).toBe(0);
      }),
    );
  });
});
