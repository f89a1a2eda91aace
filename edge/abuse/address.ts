/** The address part of "ipv4:port": what per-address limits and their events name. */
export function addressOf(clientAddress: string): string {
  return clientAddress.split(":")[0] || "unknown";
}
