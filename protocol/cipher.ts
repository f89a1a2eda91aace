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

/** §2.2 step 2, applied in place. */
function scramble(b: Uint8Array): void {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    b[i] = (b[i] as number) ^ (b[(i + 1) % n] as number);
    b[(i + 2) % n] = (b[(i + 2) % n] as number) ^ (b[i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    b[i] = (b[i] as number) ^ (b[(i + n - 1) % n] as number);
    b[(i + n - 3) % n] = (b[(i + n - 3) % n] as number) ^ (b[i] as number);
  }
}

/** Exact inverse of `scramble`: the same steps in reverse order. */
function unscramble(b: Uint8Array): void {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    b[(i + n - 3) % n] = (b[(i + n - 3) % n] as number) ^ (b[i] as number);
    b[i] = (b[i] as number) ^ (b[(i + n - 1) % n] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    b[(i + 2) % n] = (b[(i + 2) % n] as number) ^ (b[i] as number);
    b[i] = (b[i] as number) ^ (b[(i + 1) % n] as number);
  }
}

function xorKey(b: Uint8Array, key: Uint8Array): void {
  for (let i = 0; i < b.length; i++) b[i] = (b[i] as number) ^ (key[i % SESSION_KEY_SIZE] as number);
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
  const n = plain.byteLength + CIPHER_OVERHEAD;
  const b = new Uint8Array(n);
  const r = random(8);
  b.set(r.subarray(0, 4), 0);
  b.set(CHECK1, 4);
  b.set(plain, 12);
  b.set(CHECK2, n - 12);
  b.set(r.subarray(4, 8), n - 4);
  scramble(b);
  xorKey(b, key);
  return b;
}

/** Decrypts one payload; a wrong key or tampered bytes give "bad-checksum", never a throw. */
export function decryptPayload(key: Uint8Array, cipher: Uint8Array): Result<Uint8Array> {
  checkKey(key);
  const n = cipher.byteLength;
  if (n < CIPHER_OVERHEAD) return fail("truncated", `encrypted payload of ${n} bytes is under ${CIPHER_OVERHEAD}`);
  const b = cipher.slice();
  xorKey(b, key);
  unscramble(b);
  for (let i = 0; i < 8; i++) {
    if (b[4 + i] !== CHECK1[i] || b[n - 12 + i] !== CHECK2[i]) {
      return fail("bad-checksum", "session cipher check bytes do not match");
    }
  }
  return ok(b.slice(12, n - 12));
}

function frame(rawPacket: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.byteLength);
  out.set(rawPacket.subarray(0, HEADER_SIZE));
  new DataView(out.buffer).setInt32(4, out.byteLength);
  out.set(payload, HEADER_SIZE);
  return out;
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

  /** A raw plaintext packet (header + payload) to the same packet encrypted; 24 bytes longer. */
  encryptPacket(rawPacket: Uint8Array): Uint8Array {
    if (rawPacket.byteLength < HEADER_SIZE) throw new RangeError("a raw packet needs its 8-byte header");
    return frame(rawPacket, encryptPayload(this.key, rawPacket.subarray(HEADER_SIZE), this.random));
  }

  decryptPacket(rawPacket: Uint8Array): Result<Uint8Array> {
    if (rawPacket.byteLength < HEADER_SIZE) return fail("truncated", "a raw packet needs its 8-byte header");
    const plain = decryptPayload(this.key, rawPacket.subarray(HEADER_SIZE));
    return plain.ok ? ok(frame(rawPacket, plain.value)) : plain;
  }
}
