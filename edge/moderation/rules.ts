/**
 * The pure half of moderation (no D1): who acted, what a ban covers, how a ban reads. The room
 * core imports this file only; bans.ts and audit.ts keep the rows in D1.
 */
import { parseIPv4 } from "../../protocol/ipv4.ts";
import { normalizeUserName } from "../../protocol/text.ts";

/** Who acted: an account ("user:<id>"), the admin token, or the server itself. */
export const ADMIN_TOKEN_ACTOR = "admin-token";
export const SYSTEM_ACTOR = "system";
export const userActor = (userId: number): string => `user:${userId}`;

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  reason?: string | null;
  roomId?: number | null;
  /** The actor's client address ("ipv4" or "ipv4:port"), when known. */
  actorAddress?: string | null;
  detail?: Record<string, unknown>;
}

export type BanKind = "account" | "address" | "guest";

export interface Ban {
  id: number;
  kind: BanKind;
  userId: number | null;
  /** Address bans: what the admin gave ("a.b.c.d" or "a.b.c.d/n"). */
  address: string | null;
  guestName: string | null;
  reason: string;
  createdBy: string;
  createdAt: number;
  /** Epoch ms; null ⇒ permanent. */
  expiresAt: number | null;
  liftedBy: string | null;
  liftedAt: number | null;
}

export type NewBan =
  | { kind: "account"; userId: number; reason: string; expiresAt: number | null }
  | { kind: "address"; address: string; reason: string; expiresAt: number | null }
  | { kind: "guest"; guestName: string; reason: string; expiresAt: number | null };

/** An IPv4 address or CIDR range as inclusive u32 bounds, or null when it is neither. */
export function parseAddressRange(text: string): { first: number; last: number; canonical: string } | null {
  const m = /^([0-9.]+)(?:\/(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const base = parseIPv4(m[1] as string);
  const bits = m[2] === undefined ? 32 : Number(m[2]);
  if (base === null || bits > 32) return null;
  const size = 2 ** (32 - bits);
  const first = Math.floor(base / size) * size;
  const last = first + size - 1;
  const dotted = [24, 16, 8, 0].map((s) => (first >>> s) & 0xff).join(".");
  return { first, last, canonical: bits === 32 ? dotted : `${dotted}/${bits}` };
}

/** The u32 of a client address "ipv4:port" (or bare "ipv4"); null when it is not IPv4. */
export function addressValue(clientAddress: string): number | null {
  return parseIPv4(clientAddress);
}

/** Does the ban cover this player? */
export function banCovers(
  ban: Pick<Ban, "kind" | "userId" | "address" | "guestName">,
  who: { userId: number | null; guest: boolean; userName: string; clientAddress: string },
): boolean {
  switch (ban.kind) {
    case "account":
      return !who.guest && who.userId !== null && ban.userId === who.userId;
    case "guest":
      return who.guest && ban.guestName === normalizeUserName(who.userName);
    case "address": {
      const range = ban.address ? parseAddressRange(ban.address) : null;
      const value = addressValue(who.clientAddress);
      return range !== null && value !== null && value >= range.first && value <= range.last;
    }
  }
}

export function isActive(ban: Pick<Ban, "liftedAt" | "expiresAt">, now: number): boolean {
  return ban.liftedAt === null && (ban.expiresAt === null || ban.expiresAt > now);
}

/** What a banned player reads (code 14's text, room kicks): the reason and the expiry, in UTC. */
export function banText(ban: Pick<Ban, "reason" | "expiresAt">): string {
  const until = ban.expiresAt === null ? "permanently" : `until ${formatUtc(ban.expiresAt)}`;
  return `Banned ${until}${ban.reason ? `: ${ban.reason}` : "."}`;
}

/** "2026-12-02 03:04 UTC". */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
