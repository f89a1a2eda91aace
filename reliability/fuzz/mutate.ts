/**
 * Mutations of real client packets (whole plaintext packets, header included), pure and seeded.
 * Most keep the packet well framed (the header's length matches the bytes), so the session goes
 * on and the edge's decoders see them; two break the stream itself (a lying length, raw
 * garbage) and can only end a session.
 */
import { HEADER_SIZE, PACKET_IDENTIFIER } from "../../protocol/header.ts";
import { isKnownMessageType } from "../../protocol/message-types.ts";
import type { Rng } from "../random.ts";

/**
 * How a mutant goes on the wire: "framed" through the session (encrypted when it is), or
 * "stream" written as raw bytes past the cipher and framing (it breaks the stream).
 */
export type Framing = "framed" | "stream";

export interface Mutant {
  readonly bytes: Uint8Array;
  /** The operator that made it (for the report and reproducers). */
  readonly op: MutationOp;
  readonly framing: Framing;
}

export const FRAMED_OPS = [
  "bit-flip",
  "truncate",
  "extend",
  "extreme-value",
  "retype",
  "splice",
  "fill",
  "wrong-state",
  "valid",
] as const;
export const STREAM_OPS = ["lying-length", "garbage"] as const;
export type MutationOp = (typeof FRAMED_OPS)[number] | (typeof STREAM_OPS)[number];

/**
 * How often each framed operator is drawn. Whole valid packets of another state almost always
 * end a room session (a login in a room is refused and closed), and a session costs the edge
 * a login and a join: they are drawn less, so that sessions last and the packets go further.
 */
const FRAMED_WEIGHTS: Readonly<Record<(typeof FRAMED_OPS)[number], number>> = {
  "bit-flip": 3,
  truncate: 2,
  extend: 1.5,
  "extreme-value": 3,
  retype: 0.5,
  splice: 1.5,
  fill: 2,
  "wrong-state": 0.5,
  valid: 2,
};
const WEIGHT_TOTAL = Object.values(FRAMED_WEIGHTS).reduce((a, b) => a + b, 0);

function drawFramedOp(rng: Rng): (typeof FRAMED_OPS)[number] {
  let r = rng.next() * WEIGHT_TOTAL;
  for (const op of FRAMED_OPS) {
    r -= FRAMED_WEIGHTS[op];
    if (r < 0) return op;
  }
  return "valid";
}

/** Values that break careless arithmetic, as 8-, 16- and 32-bit fields. */
const EXTREMES: readonly (readonly [width: 1 | 2 | 4, value: number])[] = [
  [1, 0],
  [1, 0x7f],
  [1, 0x80],
  [1, 0xff],
  [2, 0],
  [2, 0x7fff],
  [2, 0x8000],
  [2, 0xffff],
  [4, 0],
  [4, 1],
  [4, 0x7fffffff],
  [4, 0x80000000],
  [4, 0xffffffff],
  [4, 0x0000ffff],
];

/** Known message types a retype picks from most of the time (the rest: any int16). */
const TYPES = Array.from({ length: 0x10000 }, (_, i) => i).filter(isKnownMessageType);

/**
 * One mutant of `seed`. `others` are valid packets of other states (sent unchanged, as "valid
 * packets in the wrong state"). With `allowStream` false only framed operators are used.
 */
export function mutate(seed: Uint8Array, rng: Rng, others: readonly Uint8Array[], allowStream: boolean): Mutant {
  if (allowStream && rng.chance(0.1)) {
    const op = rng.pick(STREAM_OPS);
    return { op, framing: "stream", bytes: op === "garbage" ? garbage(seed, rng) : lyingLength(seed, rng) };
  }
  const op = drawFramedOp(rng);
  switch (op) {
    case "valid":
      return { op, framing: "framed", bytes: seed };
    case "wrong-state":
      return { op, framing: "framed", bytes: others.length ? rng.pick(others) : seed };
    default: {
      let bytes = apply(op, seed, rng);
      // A second or third operator now and then: real corruption rarely comes alone.
      while (rng.chance(0.25)) bytes = apply(rng.pick(["bit-flip", "truncate", "extend", "extreme-value"]), bytes, rng);
      return { op, framing: "framed", bytes };
    }
  }
}

function apply(op: Exclude<MutationOp, "valid" | "wrong-state" | "lying-length" | "garbage">, p: Uint8Array, rng: Rng) {
  const payload = p.subarray(HEADER_SIZE);
  switch (op) {
    case "bit-flip": {
      const out = p.slice();
      // Mostly in the payload; now and then in the type field (bytes 2–3).
      const flips = rng.between(1, 8);
      for (let i = 0; i < flips; i++) {
        const at = payload.length > 0 && rng.chance(0.9) ? HEADER_SIZE + rng.int(payload.length) : 2 + rng.int(2);
        out[at] = (out[at] as number) ^ (1 << rng.int(8));
      }
      return out;
    }
    case "truncate":
      return framed(p, payload.subarray(0, payload.length === 0 ? 0 : rng.int(payload.length)));
    case "extend": {
      const extra = rng.chance(0.2) ? rng.between(256, 4000) : rng.between(1, 64);
      const tail = rng.chance(0.5) ? rng.bytes(extra) : new Uint8Array(extra).fill(rng.pick([0, 0x20, 0xff]));
      return framed(p, concat(payload, tail));
    }
    case "extreme-value": {
      const out = p.slice();
      const [width, value] = rng.pick(EXTREMES);
      if (payload.length < width) return out;
      const at = HEADER_SIZE + rng.int(payload.length - width + 1);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      if (width === 1) view.setUint8(at, value);
      else if (width === 2) view.setUint16(at, value);
      else view.setUint32(at, value);
      return out;
    }
    case "retype": {
      const out = p.slice();
      const type = rng.chance(0.8) ? rng.pick(TYPES) : rng.int(0x10000);
      new DataView(out.buffer, out.byteOffset).setUint16(2, type);
      return out;
    }
    case "splice": {
      // Insert random bytes, or repeat a slice of the payload, in the middle.
      const at = rng.int(payload.length + 1);
      const piece =
        rng.chance(0.5) || payload.length === 0
          ? rng.bytes(rng.between(1, 32))
          : payload.subarray(rng.int(payload.length), payload.length);
      return framed(p, concat(payload.subarray(0, at), piece, payload.subarray(at)));
    }
    case "fill": {
      // A run of one byte over part of the payload: strings lose their NUL, counts become huge.
      const out = p.slice();
      if (payload.length === 0) return out;
      const from = HEADER_SIZE + rng.int(payload.length);
      const to = Math.min(out.length, from + rng.between(1, 64));
      out.fill(rng.pick([0x00, 0x01, 0x7f, 0x80, 0xff, 0x41]), from, to);
      return out;
    }
  }
}

/** A header whose length says more or less than the bytes that follow. */
function lyingLength(p: Uint8Array, rng: Rng): Uint8Array {
  const out = p.slice();
  const real = out.length;
  const lie = rng.pick([0, 1, HEADER_SIZE - 1, real + rng.between(1, 5000), 0x7fffffff, -1, 0x10000]);
  new DataView(out.buffer, out.byteOffset).setInt32(4, lie === real ? real + 1 : lie);
  return out;
}

/** Bytes that are not a packet at all, or a bad identifier on a real one. */
function garbage(p: Uint8Array, rng: Rng): Uint8Array {
  if (rng.chance(0.5)) return rng.bytes(rng.between(1, 512));
  const out = p.slice();
  new DataView(out.buffer, out.byteOffset).setUint16(0, PACKET_IDENTIFIER ^ (1 + rng.int(0xffff)));
  return out;
}

/** The header of `p` (type kept) over a new payload, with the length fixed up. */
function framed(p: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  out.set(p.subarray(0, HEADER_SIZE));
  out.set(payload, HEADER_SIZE);
  new DataView(out.buffer).setInt32(4, out.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
