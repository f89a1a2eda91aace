/**
 * IPv4 addresses as the protocol carries them: a u32 in network order (room_info.host, game
 * aux host). The protocol has no IPv6.
 */

/** "a.b.c.d" (optionally ":port") → u32 as a number, or null. */
export function parseIPv4(address: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::\d{1,5})?$/.exec(address.trim());
  if (!m) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** u32 → "a.b.c.d". */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join(".");
}
