/**
 * Optional session encryption of MythDev/Magma Myth II clients (PROTOCOL.md §2): a toy
 * Diffie-Hellman over four 16-bit groups, then a keyed XOR scramble of each payload. It hides
 * nothing from a determined observer; it exists only because the clients insist on it.
 */
import { HEADER_SIZE } from "./header.ts";
import { fail, ok, type Result } from "./result.ts";

export const DH_PRIME = 32717;
export const DH_GENERATOR = 18334;
/** Both public and session keys: four 16-bit values, each little-endian (§2.1). */
export const SESSION_KEY_SIZE = 8;
/** r0 (4) + CHECK1 (8) + CHECK2 (8) + r1 (4): every encrypted payload is this much longer. */
export const CIPHER_OVERHEAD = 24;

const CHECK1 = Uint8Array.of(0x17, 0x22, 0xe8, 0x2d, 0x22, 0x35, 0x1c, 0xd6);
const CHECK2 = Uint8Array.of(0x28, 0x5c, 0x22, 0xea, 0x04, 0x52, 0x08, 0x2a);

/** Returns n random bytes. Injectable so tests can reproduce the §12.2 vectors. */
export type RandomSource = (n: number) => Uint8Array;

/**
 * CSPRNG bytes handed out from a pool refilled 4 KiB at a time. The bridge encrypts one packet
 * per delivery and each needs 8 random bytes: one getRandomValues call per packet cost about 9%
 * of the bridge's CPU in the load tests (docs/performance.md); the pool makes it one per 512.
 */
const RANDOM_POOL = new Uint8Array(4096);
let randomPoolAt = RANDOM_POOL.length;

export const cryptoRandom: RandomSource = (n) => {
  if (n > RANDOM_POOL.length) return crypto.getRandomValues(new Uint8Array(n));
  if (randomPoolAt + n > RANDOM_POOL.length) {
    crypto.getRandomValues(RANDOM_POOL);
    randomPoolAt = 0;
  }
  // A copy, and every pool byte is handed out once.
  const out = RANDOM_POOL.slice(randomPoolAt, randomPoolAt + n);
  randomPoolAt += n;
  return out;
};

export interface KeyPair {
  /** The four secret exponents. */
  readonly privateKey: readonly number[];
  /** Message 203 payload: g^x_i mod p for each i, little-endian. */
  readonly publicKey: Uint8Array;
}

/** base^exponent mod DH_PRIME; every intermediate product is < 2^31, exact in a double. */
function powMod(base: number, exponent: number): number {
  let result = 1;
  let b = base % DH_PRIME;
  let e = exponent;
  while (e > 0) {
    if (e & 1) result = (result * b) % DH_PRIME;
    b = (b * b) % DH_PRIME;
    e >>>= 1;
  }
  return result;
}

function packKey(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(SESSION_KEY_SIZE);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint16(2 * i, v, true);
  return out;
}

export function keyPairFromExponents(exponents: readonly number[]): KeyPair {
  if (exponents.length !== 4 || !exponents.every((x) => Number.isInteger(x) && x >= 0 && x < DH_PRIME)) {
    throw new RangeError("a key pair needs four integer exponents in [0, p)");
  }
  return { privateKey: [...exponents], publicKey: packKey(exponents.map((x) => powMod(DH_GENERATOR, x))) };
}

/**
 * A fresh key pair. Exponents are uniform in [1, p-2]: we skip 0 because GoS's power_mod
 * returns g (not 1) for it, so a 0 exponent would be the one value the peers disagree on.
 */
export function createKeyPair(random: RandomSource = cryptoRandom): KeyPair {
  const exponents: number[] = [];
  while (exponents.length < 4) {
    const bytes = random(2);
    // 15 random bits, rejection-sampled so every exponent is equally likely.
    const x = (((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)) & 0x7fff;
    if (x >= 1 && x <= DH_PRIME - 2) exponents.push(x);
  }
  return keyPairFromExponents(exponents);
}

/** k_i = (peer y_i)^x_i mod p, packed little-endian like the public key. */
export function deriveSessionKey(privateKey: readonly number[], peerPublicKey: Uint8Array): Result<Uint8Array> {
  if (peerPublicKey.byteLength !== SESSION_KEY_SIZE) {
    return fail(
      peerPublicKey.byteLength < SESSION_KEY_SIZE ? "truncated" : "trailing",
      `session key must be ${SESSION_KEY_SIZE} bytes, got ${peerPublicKey.byteLength}`,
    );
  }
  const view = new DataView(peerPublicKey.buffer, peerPublicKey.byteOffset, SESSION_KEY_SIZE);
  const values = [0, 1, 2, 3].map((i) => powMod(view.getUint16(2 * i, true), privateKey[i] ?? 0));
  return ok(packKey(values));
}

/**
 * §2.2 step 2, applied in place to b[at, at + n). Indices wrap modulo n; the loops run without
 * a modulo except at the wrapping ends (this runs once per delivered packet in the bridge).
 * Payloads are never shorter than CIPHER_OVERHEAD, so n ≥ 24.
 */
function scramble(b: Uint8Array, at: number, n: number): void {
  const end = at + n;
  for (let i = at; i < end - 2; i++) {
    b[i] = (b[i] as number) ^ (b[i + 1] as number);
    b[i + 2] = (b[i + 2] as number) ^ (b[i] as number);
  }
  // i = n-2: neighbours n-1 and 0; i = n-1: neighbours 0 and 1.
  b[end - 2] = (b[end - 2] as number) ^ (b[end - 1] as number);
  b[at] = (b[at] as number) ^ (b[end - 2] as number);
  b[end - 1] = (b[end - 1] as number) ^ (b[at] as number);
  b[at + 1] = (b[at + 1] as number) ^ (b[end - 1] as number);
  for (let i = end - 1; i >= at + 3; i--) {
    b[i] = (b[i] as number) ^ (b[i - 1] as number);
    b[i - 3] = (b[i - 3] as number) ^ (b[i] as number);
  }
  // i = 2: neighbours 1 and n-1; i = 1: 0 and n-2; i = 0: n-1 and n-3.
  b[at + 2] = (b[at + 2] as number) ^ (b[at + 1] as number);
  b[end - 1] = (b[end - 1] as number) ^ (b[at + 2] as number);
  b[at + 1] = (b[at + 1] as number) ^ (b[at] as number);
  b[end - 2] = (b[end - 2] as number) ^ (b[at + 1] as number);
  b[at] = (b[at] as number) ^ (b[end - 1] as number);
  b[end - 3] = (b[end - 3] as number) ^ (b[at] as number);
}

/** Exact inverse of `scramble`: the same steps in reverse order. */
function unscramble(b: Uint8Array, at: number, n: number): void {
  const end = at + n;
  // The second loop of scramble, undone from i = 0 up.
  b[end - 3] = (b[end - 3] as number) ^ (b[at] as number);
  b[at] = (b[at] as number) ^ (b[end - 1] as number);
  b[end - 2] = (b[end - 2] as number) ^ (b[at + 1] as number);
  b[at + 1] = (b[at + 1] as number) ^ (b[at] as number);
  b[end - 1] = (b[end - 1] as number) ^ (b[at + 2] as number);
  b[at + 2] = (b[at + 2] as number) ^ (b[at + 1] as number);
  for (let i = at + 3; i < end; i++) {
    b[i - 3] = (b[i - 3] as number) ^ (b[i] as number);
    b[i] = (b[i] as number) ^ (b[i - 1] as number);
  }
  // The first loop, undone from i = n-1 down.
  b[at + 1] = (b[at + 1] as number) ^ (b[end - 1] as number);
  b[end - 1] = (b[end - 1] as number) ^ (b[at] as number);
  b[at] = (b[at] as number) ^ (b[end - 2] as number);
  b[end - 2] = (b[end - 2] as number) ^ (b[end - 1] as number);
  for (let i = end - 3; i >= at; i--) {
    b[i + 2] = (b[i + 2] as number) ^ (b[i] as number);
    b[i] = (b[i] as number) ^ (b[i + 1] as number);
  }
}

function xorKey(b: Uint8Array, at: number, n: number, key: Uint8Array): void {
  for (let i = 0; i < n; i++) b[at + i] = (b[at + i] as number) ^ (key[i & 7] as number);
}

/** Writes r0, CHECK1, plain, CHECK2, r1 at b[at, at + plain + 24) and scrambles it: §2.2 before the key. */
function scrambleInto(b: Uint8Array, at: number, plain: Uint8Array, random: RandomSource): void {
  const n = plain.byteLength + CIPHER_OVERHEAD;
  const r = random(8);
  for (let i = 0; i < 4; i++) {
    b[at + i] = r[i] as number;
    b[at + n - 4 + i] = r[4 + i] as number;
  }
  for (let i = 0; i < 8; i++) {
    b[at + 4 + i] = CHECK1[i] as number;
    b[at + n - 12 + i] = CHECK2[i] as number;
  }
  b.set(plain, at + 12);
  scramble(b, at, n);
}

/** Writes the encrypted form of `plain` at b[at, at + plain + 24) (§2.2). */
function encryptInto(b: Uint8Array, at: number, key: Uint8Array, plain: Uint8Array, random: RandomSource): void {
  scrambleInto(b, at, plain, random);
  xorKey(b, at, plain.byteLength + CIPHER_OVERHEAD, key);
}

/** Sets the header's length field (bytes 4-7, big-endian) without a DataView (this runs per delivery). */
function setLength(b: Uint8Array, length: number): void {
  b[4] = (length >>> 24) & 0xff;
  b[5] = (length >>> 16) & 0xff;
  b[6] = (length >>> 8) & 0xff;
  b[7] = length & 0xff;
}

/** Where packets are allocated: a plain Uint8Array, or a caller's pool (the bridge passes Node's). */
export type Allocate = (size: number) => Uint8Array;
const newBytes: Allocate = (size) => new Uint8Array(size);

/**
 * A packet scrambled but not yet keyed: everything of §2.2 that does not depend on the session
 * key. The scramble is the costly part; XOR with each recipient's key is cheap. So a packet that
 * goes to many recipients is scrambled once (`scramblePacket`) and keyed per recipient
 * (`SessionCipher.keyScrambled`). Its random padding is then the same for every recipient of that
 * packet, which costs nothing that matters: the receiver ignores it, and this cipher protects
 * nothing anyway (see the top of this file).
 */
export interface ScrambledPacket {
  /** Header (length already +24) and the scrambled payload. */
  readonly bytes: Uint8Array;
}

export function scramblePacket(rawPacket: Uint8Array, random: RandomSource = cryptoRandom): ScrambledPacket {
  if (rawPacket.byteLength < HEADER_SIZE) throw new RangeError("a raw packet needs its 8-byte header");
  const bytes = new Uint8Array(rawPacket.byteLength + CIPHER_OVERHEAD);
  for (let i = 0; i < HEADER_SIZE; i++) bytes[i] = rawPacket[i] as number;
  setLength(bytes, bytes.byteLength);
  scrambleInto(bytes, HEADER_SIZE, rawPacket.subarray(HEADER_SIZE), random);
  return { bytes };
}

/** Undoes encryptInto on b[at, at + n) in place; false when the check bytes do not match. */
function decryptInPlace(b: Uint8Array, at: number, n: number, key: Uint8Array): boolean {
  xorKey(b, at, n, key);
  unscramble(b, at, n);
  for (let i = 0; i < 8; i++) {
    if (b[at + 4 + i] !== CHECK1[i] || b[at + n - 12 + i] !== CHECK2[i]) return false;
  }
  return true;
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== SESSION_KEY_SIZE) throw new RangeError(`session key must be ${SESSION_KEY_SIZE} bytes`);
}

/**
 * Encrypts one payload (§2.2). `random` supplies 8 bytes: the first 4 are r0, the last 4 r1,
 * copied as given (GoS writes its random ints little-endian; the receiver ignores them).
 */
export function encryptPayload(key: Uint8Array, plain: Uint8Array, random: RandomSource = cryptoRandom): Uint8Array {
  checkKey(key);
  const b = new Uint8Array(plain.byteLength + CIPHER_OVERHEAD);
  encryptInto(b, 0, key, plain, random);
  return b;
}

/** Decrypts one payload; a wrong key or tampered bytes give "bad-checksum", never a throw. */
export function decryptPayload(key: Uint8Array, cipher: Uint8Array): Result<Uint8Array> {
  checkKey(key);
  const n = cipher.byteLength;
  if (n < CIPHER_OVERHEAD) return fail("truncated", `encrypted payload of ${n} bytes is under ${CIPHER_OVERHEAD}`);
  const b = cipher.slice();
  if (!decryptInPlace(b, 0, n, key)) return fail("bad-checksum", "session cipher check bytes do not match");
  return ok(b.slice(12, n - 12));
}

/**
 * The cipher for one connection once both 203 keys are exchanged. Works on whole raw packets
 * as the splitter yields them: the header stays in clear, only its length is rewritten.
 */
export class SessionCipher {
  private readonly key: Uint8Array;

  constructor(
    key: Uint8Array,
    private readonly random: RandomSource = cryptoRandom,
  ) {
    checkKey(key);
    this.key = key.slice();
  }

  /** A raw plaintext packet (header + payload) to the same packet encrypted, 24 bytes longer: one buffer, one copy. */
  encryptPacket(rawPacket: Uint8Array, allocate: Allocate = newBytes): Uint8Array {
    if (rawPacket.byteLength < HEADER_SIZE) throw new RangeError("a raw packet needs its 8-byte header");
    const out = allocate(rawPacket.byteLength + CIPHER_OVERHEAD);
    for (let i = 0; i < HEADER_SIZE; i++) out[i] = rawPacket[i] as number;
    setLength(out, out.byteLength);
    encryptInto(out, HEADER_SIZE, this.key, rawPacket.subarray(HEADER_SIZE), this.random);
    return out;
  }

  /** The encrypted packet for this session from a packet scrambled once for all its recipients. */
  keyScrambled(scrambled: ScrambledPacket, allocate: Allocate = newBytes): Uint8Array {
    const source = scrambled.bytes;
    const out = allocate(source.byteLength);
    out.set(source);
    xorKey(out, HEADER_SIZE, source.byteLength - HEADER_SIZE, this.key);
    return out;
  }

  decryptPacket(rawPacket: Uint8Array): Result<Uint8Array> {
    if (rawPacket.byteLength < HEADER_SIZE) return fail("truncated", "a raw packet needs its 8-byte header");
    const n = rawPacket.byteLength - HEADER_SIZE;
    if (n < CIPHER_OVERHEAD) return fail("truncated", `encrypted payload of ${n} bytes is under ${CIPHER_OVERHEAD}`);
    // Decrypt in a copy, then slide the payload down over r0 and CHECK1, behind the header.
    const b = rawPacket.slice();
    if (!decryptInPlace(b, HEADER_SIZE, n, this.key)) {
      return fail("bad-checksum", "session cipher check bytes do not match");
    }
    b.copyWithin(HEADER_SIZE, HEADER_SIZE + 12, HEADER_SIZE + n - 12);
    const length = rawPacket.byteLength - CIPHER_OVERHEAD;
    setLength(b, length);
    return ok(b.subarray(0, length));
  }
}
