/**
 * The fuzzer's own parts, pure: its seeds are packets the edge accepts, its mutants are
 * reproducible from the seed, and each operator does what its name says to the framing.
 */
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../protocol/dialect.ts";
import { HEADER_SIZE, PACKET_IDENTIFIER } from "../../protocol/header.ts";
import { decodeMessage } from "../../protocol/messages.ts";
import { corpusFor, FUZZ_STATES } from "../../reliability/fuzz/corpus.ts";
import { mutate } from "../../reliability/fuzz/mutate.ts";
import { serverDialect } from "../../reliability/fuzz/session.ts";
import { Rng } from "../../reliability/random.ts";

const context = (dialect: (typeof DIALECTS)[number]) => ({
  dialect,
  nick: "fuzzer",
  userId: 7,
  otherId: 3,
  token: new Uint8Array(32).fill(1),
  roomIds: [0, 1],
});

const headerOf = (p: Uint8Array) => {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return { magic: v.getUint16(0), length: v.getInt32(4) };
};

describe("fuzz corpus", () => {
  it.each(DIALECTS)("%s: every seed of every state decodes as the edge decodes it", (dialect) => {
    const corpus = corpusFor(context(dialect));
    for (const state of FUZZ_STATES) {
      expect(corpus[state].length, state).toBeGreaterThan(0);
      for (const packet of corpus[state]) {
        const decoded = decodeMessage(packet, serverDialect(dialect, state), "to-server");
        expect(decoded.ok, `${state}: ${decoded.ok ? "" : decoded.error.message}`).toBe(true);
      }
    }
  });
});

describe("mutate", () => {
  const seeds = corpusFor(context("myth2"))["in-room"];
  const run = (seed: number, n: number, allowStream: boolean) => {
    const rng = new Rng(seed);
    return Array.from({ length: n }, () => mutate(rng.pick(seeds), rng, seeds, allowStream));
  };

  it("gives the same mutants for the same seed, and others for another", () => {
    const hex = (ms: ReturnType<typeof run>) => ms.map((m) => Buffer.from(m.bytes).toString("hex")).join();
    expect(hex(run(42, 200, true))).toBe(hex(run(42, 200, true)));
    expect(hex(run(42, 200, true))).not.toBe(hex(run(43, 200, true)));
  });

  it("keeps framed mutants well framed, and only stream mutants break the framing", () => {
    const mutants = run(7, 5000, true);
    const framed = mutants.filter((m) => m.framing === "framed");
    const stream = mutants.filter((m) => m.framing === "stream");
    expect(framed.length).toBeGreaterThan(4000);
    expect(stream.length).toBeGreaterThan(100);
    for (const m of framed) {
      const h = headerOf(m.bytes);
      expect(h.magic).toBe(PACKET_IDENTIFIER);
      expect(h.length).toBe(m.bytes.length);
      expect(m.bytes.length).toBeGreaterThanOrEqual(HEADER_SIZE);
    }
    for (const m of stream) {
      // Random garbage may be shorter than a header: then it is no packet at all.
      if (m.bytes.length < HEADER_SIZE) continue;
      const h = headerOf(m.bytes);
      if (m.op === "lying-length") expect(h.length).not.toBe(m.bytes.length);
      else expect(h.magic === PACKET_IDENTIFIER && h.length === m.bytes.length).toBe(false);
    }
    expect(run(7, 2000, false).every((m) => m.framing === "framed")).toBe(true);
  });

  it("uses every operator, and most mutants still decode (sessions go on)", () => {
    const mutants = run(9, 5000, true);
    const ops = new Set(mutants.map((m) => m.op));
    expect([...ops].sort()).toEqual(
      [
        "bit-flip",
        "extend",
        "extreme-value",
        "fill",
        "garbage",
        "lying-length",
        "retype",
        "splice",
        "truncate",
        "valid",
        "wrong-state",
      ].sort(),
    );
    const decodable = mutants.filter((m) => m.framing === "framed" && decodeMessage(m.bytes, "myth2", "to-server").ok);
    expect(decodable.length / mutants.length).toBeGreaterThan(0.3);
    expect(decodable.length / mutants.length).toBeLessThan(0.95);
  });
});
