/**
 * Password schemes offered in password_challenge (6) and answered in password_response (109),
 * PROTOCOL.md §6.1.
 */
import { decodeMacRoman, encodeMacRoman } from "./macroman.ts";

export const PasswordType = {
  /** The password bytes, NUL-terminated. GoS always offers this (the session is already DH-encrypted). */
  Plaintext: 0,
  /** Bungie `_simple_encryption`; algorithm known from the Aleph One client. */
  BraindeadSimple: 1,
  /** Enum value only: no implementation of it is known. */
  Md5: 2,
  /** Enum value only ("another mystery" in the Aleph One client). */
  RoomServer: 3,
  /** Aleph One: the client sends the first 16 bytes of an HTTPS login response. */
  Https: 4,
} as const;
export type PasswordType = (typeof PasswordType)[keyof typeof PasswordType];

export const SALT_SIZE = 16;
export const AUTHENTICATION_TOKEN_SIZE = 32;
/** Size of the transformed password the braindead-simple scheme sends. */
export const BRAINDEAD_KEY_SIZE = 16;

/**
 * How the Aleph One client fills the 16-byte password buffer after the terminator: with NULs
 * (strncpy, since 2016) or with 0x23 '#' (2007–2016). The server cannot tell which a client
 * uses, so a verifier should try both.
 */
export type BraindeadFill = "nul" | "hash";

/**
 * The "braindead simple" transform (type 1): P = password in 16 bytes, K = P XOR salt, then a
 * running XOR, then K[i] = low byte of NOT(K[i] * K[i-1]). A 16-character password fills the
 * buffer with no terminator. Bytes are treated as unsigned; the result is the same as with
 * the client's signed chars because only the low 8 bits of each step are kept.
 */
export function braindeadSimple(password: string, salt: Uint8Array, fill: BraindeadFill): Uint8Array {
  const k = new Uint8Array(BRAINDEAD_KEY_SIZE).fill(fill === "hash" ? 0x23 : 0);
  const encoded = encodeMacRoman(password).subarray(0, BRAINDEAD_KEY_SIZE);
  k.set(encoded);
  if (encoded.byteLength < BRAINDEAD_KEY_SIZE) k[encoded.byteLength] = 0;
  for (let i = 0; i < BRAINDEAD_KEY_SIZE; i++) k[i] = (k[i] as number) ^ (salt[i] ?? 0);
  for (let i = 1; i < BRAINDEAD_KEY_SIZE; i++) k[i] = (k[i] as number) ^ (k[i - 1] as number);
  for (let i = 1; i < BRAINDEAD_KEY_SIZE; i++) k[i] = ~((k[i] as number) * (k[i - 1] as number)) & 0xff;
  return k;
}

/** The password_response (109) payload for type 0: the Mac Roman password and its NUL. */
export function plaintextPasswordBytes(password: string): Uint8Array {
  const encoded = encodeMacRoman(password);
  const out = new Uint8Array(encoded.byteLength + 1);
  out.set(encoded);
  return out;
}

/**
 * Reads a type-0 password from a password_response (109) payload: the text up to the first
 * NUL, or to the end when there is none (GoS reads it this way). Never fails.
 */
export function readPlaintextPassword(payload: Uint8Array): string {
  const nul = payload.indexOf(0);
  return decodeMacRoman(nul < 0 ? payload : payload.subarray(0, nul));
}
