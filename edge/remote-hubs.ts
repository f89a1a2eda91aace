/**
 * Aleph One remote hubs (§7.3): an operator's list of other hubs a gatherer may announce its
 * game through. A1 asks on the login port with 122 (its network protocol version as text) and
 * gets 18 with the hubs of that exact version; none configured ⇒ an empty list (A1S without
 * hubs does the same).
 */
import { z } from "zod";
import { parseIPv4 } from "../protocol/ipv4.ts";
import type { RemoteHubEntry } from "../protocol/messages.ts";

export interface RemoteHub {
  readonly id: number;
  /** Dotted IPv4 (the wire carries only IPv4). */
  readonly host: string;
  readonly port: number;
  /** The A1 network protocol version the hub speaks, compared as text with the client's. */
  readonly protocolVersion: string;
}

/** At most this many hubs: the list goes out in one packet. */
export const MAX_REMOTE_HUBS = 256;

const HubSchema = z
  .object({
    id: z.number().int().min(0).max(0xffff),
    host: z.string().refine((h) => parseIPv4(h) !== null && !h.includes(":"), "must be a dotted IPv4 address"),
    port: z.number().int().min(1).max(0xffff),
    // Operators write 1 or "1"; the client sends a string.
    protocolVersion: z.union([z.string().min(1).max(63), z.number().int().min(0)]).transform(String),
  })
  .strict();

const HubListSchema = z.array(HubSchema).max(MAX_REMOTE_HUBS);

/** Parses the A1_REMOTE_HUBS JSON; throws Error with a message naming the bad entry. */
export function parseRemoteHubs(json: string): RemoteHub[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = HubListSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(issue ? `entry ${issue.path.join(".")}: ${issue.message}` : "is invalid");
  }
  const ids = new Set<number>();
  for (const hub of parsed.data) {
    if (ids.has(hub.id)) throw new Error(`hub id ${hub.id} appears twice`);
    ids.add(hub.id);
  }
  return parsed.data;
}

/** The entries of message 18 for a client speaking `protocolVersion` (exact match, as A1S). */
export function hubsFor(hubs: readonly RemoteHub[], protocolVersion: string): RemoteHubEntry[] {
  return hubs
    .filter((h) => h.protocolVersion === protocolVersion)
    .map((h) => ({ id: h.id, host: parseIPv4(h.host) as number, port: h.port }));
}
