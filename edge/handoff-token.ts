/**
 * The handoff token (PROTOCOL.md §6.3): 32 bytes on the wire (messages 7 and 101), 64 hex
 * characters in Directory RPC and storage. One place converts between the two.
 */
export const TOKEN_BYTES = 32;

export function newToken(): string {
  return tokenToHex(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
}

export function tokenToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Throws on anything but 64 hex characters: the Directory only ever issues those. */
export function tokenFromHex(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error("directory token is not 64 hex characters");
  const out = new Uint8Array(TOKEN_BYTES);
  for (let i = 0; i < TOKEN_BYTES; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
