/**
 * Password hashing: PBKDF2-SHA256 via WebCrypto with a random 16-byte salt per account.
 * The parameters are stored per row so they can be raised later without breaking old hashes.
 */

export const PASSWORD_ALGORITHM = "pbkdf2-sha256";
/** Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations: never exceed it. */
export const MAX_PBKDF2_ITERATIONS = 100_000;
export const PASSWORD_ITERATIONS = 100_000;
export const SALT_BYTES = 16;
const HASH_BITS = 256;

export interface PasswordHash {
  readonly algorithm: string;
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

export async function hashPassword(
  password: Uint8Array,
  options: { iterations?: number; salt?: Uint8Array } = {},
): Promise<PasswordHash> {
  const iterations = options.iterations ?? PASSWORD_ITERATIONS;
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { algorithm: PASSWORD_ALGORITHM, iterations, salt, hash: await pbkdf2(password, salt, iterations) };
}

/** Recomputes the hash with the stored parameters and compares in constant time. */
export async function verifyPassword(password: Uint8Array, stored: PasswordHash): Promise<boolean> {
  if (stored.algorithm !== PASSWORD_ALGORITHM) return false;
  if (stored.iterations < 1 || stored.iterations > MAX_PBKDF2_ITERATIONS) return false;
  const candidate = await pbkdf2(password, stored.salt, stored.iterations);
  return timingSafeEqual(candidate, stored.hash);
}

async function pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be 1..${MAX_PBKDF2_ITERATIONS}`);
  }
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

/** Constant-time comparison of equal-length byte strings (false, early, if lengths differ). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Compares a presented secret with the expected one without leaking length or content
 * through timing: both are hashed first, so the byte comparison always has 32 bytes.
 */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(presented)),
    crypto.subtle.digest("SHA-256", enc.encode(expected)),
  ]);
  return timingSafeEqual(new Uint8Array(a), new Uint8Array(b));
}
