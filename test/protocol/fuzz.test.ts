/**
 * Robustness of the message decoders against hostile bytes: whatever a client sends,
 * decodeMessage returns a Result (never throws), and what it returns is proportional to what
 * it was given, so a small packet cannot make the server build something large.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIALECTS, type Dialect } from "../../protocol/dialect.ts";
import { encodePacket, HEADER_SIZE } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { type Direction, decodeMessage } from "../../protocol/messages.ts";
import { hex } from "../support/bytes.ts";
import { ALEPH_ONE_LOGIN_VECTOR, MYTH_LOGIN_VECTOR } from "../support/vectors.ts";

const DIRECTIONS: readonly Direction[] = ["to-server", "to-client"];
const KNOWN_TYPES: readonly number[] = Object.values(MessageType);

/** Valid packets from PROTOCOL.md §12.2, the seeds for mutation. */
const SEEDS: readonly Uint8Array[] = [
  "de ad 00 ca 00 00 00 08",
  "de ad 00 03 00 00 00 1c 00 00 00 08 55 73 65 72 20 6c 6f 67 67 65 64 20 69 6e 2e 00",
  "de ad 00 06 00 00 00 1a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
  "de ad 00 0c 00 00 00 08",
  `de ad 00 07 00 00 00 30 00 00 04 d2 ff ff ff ff a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab
   ac ad ae af b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf`,
  `de ad 00 00 00 00 00 20 00 00 00 03 7f 00 00 01 18 b3 00 01 00 00 00 01 00 00 00 00
   00 00 00 00`,
  "de ad 00 09 00 00 00 10 00 00 04 d2 03 e7 00 00",
  `de ad 00 01 00 00 00 53 00 00 00 00 00 00 00 00 00 00 04 d2 00 00 00 00 ff ff 00 33
   ff ff 00 00 03 00 00 00 ff 00 00 00 00 00 00 00 00 00 00 00 ff 00 00 00 ff ff 08 84
   01 ac 00 00 00 00 00 00 00 00 00 00 00 00 41 6c 69 63 65 00 54 65 61 6d 20 41 00`,
  `de ad 00 c8 00 00 00 2c 00 00 00 24 ff 00 00 00 00 00 00 00 00 00 00 00 00 00 04 d2
   00 00 00 00 41 6c 69 63 65 00 68 65 6c 6c 6f 00`,
  `de ad 00 c9 00 00 00 34 00 00 16 2e 00 00 00 01 00 00 00 24 ff 00 00 00 00 00 00 00
   00 00 00 00 00 00 04 d2 00 00 00 00 41 6c 69 63 65 00 68 65 6c 6c 6f 00`,
  "de ad 00 0a 00 00 00 10 57 65 6c 63 6f 6d 65 00",
  "de ad 00 15 00 00 00 0f 4b 69 63 6b 65 64 00",
  `de ad 00 65 00 00 00 2e a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af b0 b1 b2 b3
   b4 b5 b6 b7 b8 b9 ba bb bc bd be bf 75 31 32 33 34 00`,
  "de ad 00 73 00 00 00 18 00 00 00 c9 00 00 08 84 00 00 00 00 00 00 01 ac",
  "de ad 00 72 00 00 00 14 00 00 07 08 00 00 00 00 00 00 00 00",
  "de ad 00 6b 00 00 00 0a 00 01",
  "de ad 00 6d 00 00 00 0b 70 77 00",
  "de ad 00 cb 00 00 00 10 34 28 6f 4f c0 74 0e 08",
]
  .map(hex)
  // Myth-layout and Aleph One login (100), verbatim from §12.2.
  .concat([MYTH_LOGIN_VECTOR, ALEPH_ONE_LOGIN_VECTOR]);

/** Roughly how much a decoded value holds: characters, bytes, array slots and numbers. */
function weight(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.length + value.reduce((n: number, v) => n + weight(v), 0);
  if (value !== null && typeof value === "object") {
    let n = 0;
    for (const v of Object.values(value)) n += weight(v);
    return n;
  }
  return typeof value === "number" || typeof value === "bigint" ? 1 : 0;
}

/** Decodes and checks the invariants every answer must keep. */
function checkDecode(packet: Uint8Array, dialect: Dialect, direction: Direction): void {
  let result: ReturnType<typeof decodeMessage>;
  try {
    result = decodeMessage(packet, dialect, direction);
  } catch (e) {
    throw new Error(
      `decodeMessage threw for ${dialect}/${direction} on ${Array.from(packet, (b) => b.toString(16).padStart(2, "0")).join(" ")}: ${e}`,
    );
  }
  if (result.ok) {
    expect(result.value.type).toBe(new DataView(packet.buffer, packet.byteOffset).getInt16(2));
    expect(weight(result.value)).toBeLessThanOrEqual(8 * packet.byteLength + 256);
  } else {
    expect(typeof result.error.kind).toBe("string");
    expect(typeof result.error.message).toBe("string");
  }
}

const dialectArb = fc.constantFrom(...DIALECTS);
const directionArb = fc.constantFrom(...DIRECTIONS);
const typeArb = fc.oneof(fc.constantFrom(...KNOWN_TYPES), fc.integer({ min: -32768, max: 32767 }));

/** A valid seed, retyped to any message type, then damaged in one of several ways. */
const mutatedArb = fc
  .record({
    seed: fc.constantFrom(...SEEDS),
    type: typeArb,
    edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    extra: fc.uint8Array({ maxLength: 64 }),
    keepLength: fc.boolean(),
  })
  .map(({ seed, type, edits, cut, extra, keepLength }) => {
    let payload = seed.slice(HEADER_SIZE);
    for (const { at, value } of edits) if (payload.length > 0) payload[at % payload.length] = value;
    if (cut !== undefined) payload = payload.subarray(0, cut % (payload.length + 1));
    const grown = new Uint8Array(payload.length + extra.length);
    grown.set(payload);
    grown.set(extra, payload.length);
    const packet = encodePacket(type, grown);
    // Sometimes leave the seed's original length in the header, disagreeing with the bytes.
    if (keepLength) packet.set(seed.subarray(4, 8), 4);
    return packet;
  });

describe("decodeMessage never throws", () => {
  it("starts from well-formed seeds", () => {
    for (const seed of SEEDS) expect(new DataView(seed.buffer).getInt32(4)).toBe(seed.byteLength);
  });

  it("accepts every §12.2 seed in at least one dialect and direction", () => {
    for (const seed of SEEDS) {
      const decoded = DIALECTS.flatMap((d) => DIRECTIONS.map((dir) => decodeMessage(seed, d, dir)));
      expect(decoded.some((r) => r.ok)).toBe(true);
    }
  });

  it("on every known type with empty, short and long payloads, in every dialect and direction", () => {
    const payloads = [0, 1, 2, 3, 4, 7, 8, 24, 40, 276, 1000, 8088].map((n) =>
      Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff),
    );
    const filled = [new Uint8Array(300), new Uint8Array(300).fill(0xff)];
    for (const type of KNOWN_TYPES) {
      for (const payload of [...payloads, ...filled]) {
        const packet = encodePacket(type, payload);
        for (const dialect of DIALECTS) for (const direction of DIRECTIONS) checkDecode(packet, dialect, direction);
      }
    }
  });

  it("on random bytes framed as any type", () => {
    fc.assert(
      fc.property(typeArb, fc.uint8Array({ maxLength: 700 }), dialectArb, directionArb, (type, payload, d, dir) =>
        checkDecode(encodePacket(type, payload), d, dir),
      ),
      { numRuns: 3000 },
    );
  });

  it("on mutated valid packets, retyped to every message type", () => {
    fc.assert(
      fc.property(mutatedArb, dialectArb, directionArb, (packet, d, dir) => checkDecode(packet, d, dir)),
      { numRuns: 5000 },
    );
  });

  it("on raw byte strings that are not even well-formed packets", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), dialectArb, directionArb, (bytes, d, dir) => {
        expect(() => decodeMessage(bytes, d, dir)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
