/** The v2 tunnel contract (tunnel/mux.ts): records both ways, bounds, and open order. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodePacket } from "../../protocol/header.ts";
import { decodeUpFrame, forEachDownRecord, MuxFrameWriter, type UpRecord } from "../../tunnel/mux.ts";
import { MAX_EARLY_RECORDS, OpenOrder } from "../../tunnel/open-order.ts";

const packet = (type: number, bytes: number[]) => encodePacket(type, new Uint8Array(bytes));

describe("bridge → edge records", () => {
  it("round-trip in order: open, encrypted, packets, close", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant("packet" as const),
              conn: fc.nat(),
              packet: fc.uint8Array({ maxLength: 300 }).map((p) => packet(200, [...p])),
            }),
            fc.record({
              kind: fc.constant("open" as const),
              conn: fc.nat(),
              client: fc.constantFrom("203.0.113.9:5000", "127.0.0.1:1"),
              local: fc.constantFrom("127.0.0.1:6321", ""),
            }),
            fc.record({ kind: fc.constant("encrypted" as const), conn: fc.nat() }),
            fc.record({
              kind: fc.constant("close" as const),
              conn: fc.nat(),
              code: fc.constantFrom(1000, 1002, 4000),
              reason: fc.constantFrom("client closed", ""),
            }),
            fc.record({
              kind: fc.constant("host-result" as const),
              conn: fc.nat(),
              mode: fc.constantFrom("probe" as const, "auto" as const, "proxy" as const),
              probe: fc.constantFrom(
                "reachable" as const,
                "refused" as const,
                "timeout" as const,
                "unreachable" as const,
                "skipped" as const,
              ),
              port: fc.integer({ min: 0, max: 65535 }),
              proxy: fc.constantFrom("", "192.0.2.1:61000"),
            }),
          ),
          { maxLength: 20 },
        ),
        (records: UpRecord[]) => {
          const w = new MuxFrameWriter();
          for (const r of records) {
            if (r.kind === "packet") w.packetUp(r.conn, r.packet);
            else if (r.kind === "open") w.open(r.conn, r.client, r.local);
            else if (r.kind === "encrypted") w.encrypted(r.conn);
            else if (r.kind === "host-result") w.hostResult(r.conn, r);
            else w.closeUp(r.conn, r.code, r.reason);
          }
          expect(decodeUpFrame(w.take(), 8192)).toEqual({ ok: true, value: records });
        },
      ),
    );
  });

  it("a broken frame fails as a whole with a typed error", () => {
    const w = new MuxFrameWriter();
    w.packetUp(1, packet(200, [1, 2, 3]));
    const frame = w.take();
    for (const broken of [
      frame.subarray(0, frame.byteLength - 1),
      new Uint8Array([9, 0, 0, 0, 1]),
      frame.subarray(0, 3),
    ]) {
      const result = decodeUpFrame(broken, 8192);
      expect(result.ok).toBe(false);
    }
    const big = new MuxFrameWriter();
    big.packetUp(1, encodePacket(200, new Uint8Array(9000)));
    const tooBig = decodeUpFrame(big.take(), 8192);
    expect(tooBig.ok === false && tooBig.error.kind).toBe("bad-length");
  });
});

describe("edge → bridge records", () => {
  it("a packet to many recipients, a keepalive and a close, in order", () => {
    const w = new MuxFrameWriter();
    const chat = packet(200, [7, 7]);
    w.packetDown([3, 5, 8], chat);
    w.keepalive(5, 10_000, 20_000);
    w.keepalive(5, 1, 2); // out of bounds: ignored
    w.closeDown(8, 1000, "closed by room");
    const seen: unknown[] = [];
    const result = forEachDownRecord(w.take(), {
      packet: (conns, count, p) =>
        seen.push(["packet", Array.from({ length: count }, (_, i) => conns.getUint32(4 * i)), [...p]]),
      keepalive: (conn, interval, timeout) => seen.push(["keepalive", conn, interval, timeout]),
      close: (conn, code, reason) => seen.push(["close", conn, code, reason]),
    });
    expect(result).toEqual({ ok: true, value: 4 });
    expect(seen).toEqual([
      ["packet", [3, 5, 8], [...chat]],
      ["keepalive", 5, 10_000, 20_000],
      ["close", 8, 1000, "closed by room"],
    ]);
  });

  it("host check and release reach a bridge that handles them; a bridge without them skips them", () => {
    const w = new MuxFrameWriter();
    w.hostCheck(4, 2345, "auto");
    w.hostCheck(5, 4226, "probe");
    w.hostRelease(4);
    const frame = w.take();
    const seen: unknown[] = [];
    const base = { packet() {}, keepalive() {}, close() {} };
    const result = forEachDownRecord(frame, {
      ...base,
      hostCheck: (conn, port, mode) => seen.push(["check", conn, port, mode]),
      hostRelease: (conn) => seen.push(["release", conn]),
    });
    expect(result).toEqual({ ok: true, value: 3 });
    expect(seen).toEqual([
      ["check", 4, 2345, "auto"],
      ["check", 5, 4226, "probe"],
      ["release", 4],
    ]);
    expect(forEachDownRecord(frame, base)).toEqual({ ok: true, value: 3 });
    // A cut check record, or an unknown mode, is a broken frame.
    expect(forEachDownRecord(frame.subarray(0, 5), base).ok).toBe(false);
    const badMode = frame.slice(0, 8);
    badMode[7] = 9;
    expect(forEachDownRecord(badMode, base).ok).toBe(false);
  });

  it("refuses a record without recipients or with a packet past the frame", () => {
    const none = new Uint8Array([0, 0, 0]);
    expect(forEachDownRecord(none, { packet() {}, keepalive() {}, close() {} }).ok).toBe(false);
    const w = new MuxFrameWriter();
    w.packetDown([1], packet(200, [1, 2, 3, 4]));
    const frame = w.take();
    expect(
      forEachDownRecord(frame.subarray(0, frame.byteLength - 2), { packet() {}, keepalive() {}, close() {} }).ok,
    ).toBe(false);
  });
});

describe("open order", () => {
  const opened = new Set<number>();
  const isOpen = (conn: number) => opened.has(conn);

  it("holds records that overtook their open, and drops records of connections that have gone", () => {
    const order = new OpenOrder();
    const p = (conn: number): UpRecord => ({ kind: "packet", conn, packet: packet(101, []) });
    const open = (conn: number): UpRecord => ({ kind: "open", conn, client: "", local: "" });
    expect(order.accept(p(2), isOpen)).toEqual([]);
    expect(order.accept(p(2), isOpen)).toEqual([]);
    expect(order.accept(open(2), isOpen)).toEqual([open(2), p(2), p(2)]);
    opened.add(2);
    expect(order.accept(p(2), isOpen)).toEqual([p(2)]);
    // 1 was numbered before the highest open and is not open: it came and went.
    expect(order.accept(p(1), isOpen)).toEqual([]);
    for (let i = 0; i < MAX_EARLY_RECORDS + 5; i++) order.accept(p(9), isOpen);
    expect(order.dropped).toBe(5);
  });
});
