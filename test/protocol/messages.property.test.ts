import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIALECTS, type Dialect } from "../../protocol/dialect.ts";
import { HEADER_SIZE, MAX_OUTBOUND_PACKET_SIZE } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import {
  type Direction,
  decodeMessage,
  decodePayload,
  encodeGameList,
  encodeMessage,
  encodePlayerList,
  encodePlayerSearchList,
  encodeRoomList,
  type Message,
} from "../../protocol/messages.ts";
import { gameEntry, messageArb, playerEntry, roomInfo } from "./messages.arbitraries.ts";

const ALL_TYPES = Object.values(MessageType);

function directionsOf(type: number): Direction[] {
  if (type < 100) return ["to-client"];
  if (type >= 200 && type <= 203) return ["to-client", "to-server"];
  return ["to-server"];
}

/** What decoding gives back: the chat header also carries the length it was sent with. */
function expectedAfterRoundTrip(msg: Message): Message {
  if (msg.type !== 200 && msg.type !== 201) return msg;
  // Mac Roman is one byte per character.
  return { ...msg, header: { ...msg.header, length: 24 + msg.senderName.length + 1 + msg.text.length + 1 } };
}

/** Payload lengths that a fixed layout requires exactly. */
const FIXED_SIZE: Partial<Record<number, number>> = {
  6: 18,
  7: 40,
  9: 8,
  22: 66,
  106: 2,
  114: 12,
  115: 16,
  120: 8,
  121: 4,
  203: 8,
  206: 4,
};

/** Messages without a payload. */
const EMPTY_TYPES = new Set<number>([12, 102, 105, 110, 113, 118, 119, 202]);

describe("encode → decode is the identity", () => {
  for (const dialect of DIALECTS) {
    for (const type of ALL_TYPES) {
      it(`type ${type}, ${dialect}`, () => {
        fc.assert(
          fc.property(messageArb(type, dialect), (msg) => {
            const packet = encodeMessage(msg, dialect);
            expect(packet.byteLength).toBeLessThanOrEqual(MAX_OUTBOUND_PACKET_SIZE);
            for (const direction of directionsOf(type)) {
              expect(decodeMessage(packet, dialect, direction)).toEqual({
                ok: true,
                value: expectedAfterRoundTrip(msg),
              });
            }
          }),
          { numRuns: 25 },
        );
      });
    }
  }
});

describe("bad payloads give typed errors, never exceptions", () => {
  const dialects: Dialect[] = ["myth2", "myth2-legacy", "marathon"];
  for (const dialect of dialects) {
    for (const type of ALL_TYPES) {
      it(`type ${type}, ${dialect}: truncated and extended`, () => {
        fc.assert(
          fc.property(
            messageArb(type, dialect),
            fc.nat(),
            fc.uint8Array({ minLength: 1, maxLength: 8 }),
            (msg, cut, extra) => {
              const payload = encodeMessage(msg, dialect).subarray(HEADER_SIZE);
              const [direction] = directionsOf(type) as [Direction];
              const truncated = payload.subarray(0, payload.byteLength === 0 ? 0 : cut % payload.byteLength);
              const extended = new Uint8Array([...payload, ...extra]);
              for (const bytes of [truncated, extended]) {
                const result = decodePayload(type, bytes, dialect, direction);
                if (!result.ok) expect(typeof result.error.message).toBe("string");
              }
              const fixed = FIXED_SIZE[type];
              if (fixed !== undefined) {
                expect(decodePayload(type, truncated, dialect, direction)).toMatchObject({
                  ok: false,
                  error: { kind: "truncated" },
                });
                expect(decodePayload(type, extended, dialect, direction)).toMatchObject({
                  ok: false,
                  error: { kind: "trailing" },
                });
              }
              if (EMPTY_TYPES.has(type)) {
                expect(decodePayload(type, extended, dialect, direction)).toMatchObject({
                  ok: false,
                  error: { kind: "trailing" },
                });
              }
            },
          ),
          { numRuns: 20 },
        );
      });
    }
  }

  it("random bytes under every type, direction and dialect", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_TYPES, 23, 99, 123, 207, -1),
        fc.constantFrom(...DIALECTS),
        fc.constantFrom<Direction>("to-client", "to-server"),
        fc.uint8Array({ maxLength: 400 }),
        (type, dialect, direction, payload) => {
          const result = decodePayload(type, payload, dialect, direction);
          expect(typeof result.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("login decodes in either layout and rejects the wrong size", () => {
    fc.assert(
      fc.property(messageArb(100, "myth2"), fc.integer({ min: 1, max: 275 }), (msg, cut) => {
        const payload = encodeMessage(msg, "myth2").subarray(HEADER_SIZE);
        const result = decodePayload(100, payload.subarray(0, cut), "myth2", "to-server");
        expect(result.ok).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});

describe("list splitters", () => {
  const flatten = <T>(packets: Uint8Array[], dialect: Dialect, pick: (m: Message) => readonly T[]): T[] =>
    packets.flatMap((p) => {
      expect(p.byteLength).toBeLessThanOrEqual(MAX_OUTBOUND_PACKET_SIZE);
      const decoded = decodeMessage(p, dialect, "to-client");
      if (!decoded.ok) throw new Error(decoded.error.message);
      return [...pick(decoded.value)];
    });

  it("player lists", () => {
    fc.assert(
      fc.property(fc.array(playerEntry, { maxLength: 300 }), (players) => {
        const packets = encodePlayerList(players, "myth2");
        expect(packets.every((p) => new DataView(p.buffer, p.byteOffset).getInt16(2) === 1)).toBe(true);
        expect(flatten(packets, "myth2", (m) => (m.type === 1 ? m.players : []))).toEqual(players);
      }),
      { numRuns: 30 },
    );
  });

  it("game lists (2 and 13)", () => {
    fc.assert(
      fc.property(fc.array(gameEntry(), { maxLength: 30 }), fc.constantFrom(2 as const, 13 as const), (games, type) => {
        const packets = encodeGameList(games, "myth2", type);
        const decoded = flatten(packets, "myth2", (m) => (m.type === type ? m.games : []));
        expect(decoded).toEqual(games);
      }),
      { numRuns: 30 },
    );
  });

  it("room lists", () => {
    fc.assert(
      fc.property(fc.array(roomInfo, { maxLength: 800 }), (rooms) => {
        const packets = encodeRoomList(rooms, "marathon");
        expect(flatten(packets, "marathon", (m) => (m.type === 0 ? m.rooms : []))).toEqual(rooms);
      }),
      { numRuns: 30 },
    );
  });

  it("player search lists", () => {
    fc.assert(
      fc.property(fc.array(playerEntry, { maxLength: 200 }), (entries) => {
        const results = entries.map((e, i) => ({ roomId: i, ...e }));
        const packets = encodePlayerSearchList(results, 15);
        expect(flatten(packets, "myth2", (m) => (m.type === 15 ? m.results : []))).toEqual(results);
      }),
      { numRuns: 20 },
    );
  });

  it("an empty list is one empty packet; a big list is several", () => {
    expect(encodePlayerList([], "myth2")).toEqual([Uint8Array.of(0xde, 0xad, 0, 1, 0, 0, 0, 8)]);
    expect(encodeRoomList([], "myth2")).toEqual([Uint8Array.of(0xde, 0xad, 0, 0, 0, 0, 0, 8)]);
    const games = fc.sample(gameEntry(0), 20).map((g) => ({ ...g, gameData: new Uint8Array(1000) }));
    const packets = encodeGameList(games, "myth2");
    // 7 entries of 1032 bytes fit under 8096 - 100; the 8th starts a new packet.
    expect(packets.map((p) => p.byteLength)).toEqual([8 + 7 * 1032, 8 + 7 * 1032, 8 + 6 * 1032]);
  });
});
