/**
 * What the Worker and the Durable Objects say to each other (docs/architecture.md, "Edge RPC
 * contracts"). Both import these types from here; neither imports the other.
 */
import type { Dialect } from "../protocol/dialect.ts";

/** A logged-in player as the login flow hands it to the rooms. */
export interface SessionUser {
  userId: number;
  userName: string;
  guest: boolean;
  adminLevel: number;
  dialect: Dialect;
  encrypted: boolean;
  build: number;
  appVersion: number;
  /** Encoded player-data block (§4.2: 38 bytes + nick + team). */
  playerData: Uint8Array;
  /** "ipv4:port" as seen by the bridge. */
  clientAddress: string;
}

/** Directory.login's argument: registered users bring their id, guests get one. */
export type LoginRequest = Omit<SessionUser, "userId"> & { userId?: number };

/** Directory.enterRoom's answer when a ban in force covers the player: code 14 with this text. */
export interface LoginRefused {
  refused: string;
}

/** Directory.login's answer. With `refused` no session was made (token "" and userId 0): a ban covers the player. */
export interface LoginGrant {
  /** The handoff token, 64 hex characters (edge/handoff-token.ts converts). */
  token: string;
  userId: number;
  /** The rooms' counts, for the room list that follows (saves a round trip). */
  counts?: Record<number, RoomCounts>;
  /** Set when a ban in force covers the account, the address or the guest name: its text (code 14). */
  refused?: string;
}

export interface RoomCounts {
  players: number;
  games: number;
}

export type RoomCountsById = Readonly<Record<number, RoomCounts | undefined>>;

export interface RoomStatusPlayer {
  userId: number;
  nick: string;
  inGame: boolean;
  guest: boolean;
  /** 24-bit RGB (GoS's rgb_color_to_int). */
  primaryColor: number;
  secondaryColor: number;
  /** Login name (guests: the name they gave). */
  userName: string;
  /** Away: Aleph One's state bit0; Myth's deaf mode (it hears no room traffic). */
  away: boolean;
  coatOfArms: number;
  /** Client family and build (protocol/dialect.ts), for staff. */
  dialect: string;
  build: number;
  /** "ipv4:port" as the bridge saw it: staff only, never on a public page. */
  address: string;
}

export interface RoomStatusGame {
  name: string;
  map: string;
  /** Scoring (§4.8). */
  scoring: number;
  hostUserId: number;
  players: number;
  maxPlayers: number;
  /** 0 while the game has not started. */
  elapsedSeconds: number;
}

/** Room.status(): for /status.json and the admin room view. */
export interface RoomStatus {
  players: RoomStatusPlayer[];
  games: RoomStatusGame[];
  /** When the room object's current instance started (epoch ms): it moves after hibernation. */
  instanceStartedAt: number;
}

/** Guests get ids from int.max / 2 upward; registered ids stay below (GoS login_server.d). */
export const FIRST_GUEST_ID = 1073741823;
export const LAST_GUEST_ID = 0x7fffffff;

/** Directory.onlinePlayers(): one row per logged-in player (for `.who` and GET /admin/online). */
export interface OnlinePlayer {
  userId: number;
  userName: string;
  nick: string;
  guest: boolean;
  adminLevel: number;
  dialect: Dialect;
  build: number;
  appVersion: number;
  /** "ipv4:port" as the bridge saw it at login. */
  clientAddress: string;
  /** null while between the login server and a room. */
  roomId: number | null;
  /** When the player passed the login server (epoch ms). */
  since: number | null;
}

/** Directory.locate / searchPlayers: an online player and the room it is in. */
export interface LocatedPlayer {
  userId: number;
  /** Configured room id (Room object name). */
  roomId: number;
  /** room_info.room_id the client sees (what 14/15/16 carry). */
  wireRoomId: number;
  guest: boolean;
  adminLevel: number;
  /** Encoded player-data block as the login server stored it (§4.2). */
  playerData: Uint8Array;
}

/** Room.socialNotice: a fresh buddy list (19) and/or order member list (20) for one user. */
export interface SocialNotice {
  /** Every buddy of the user with its online state, oldest first. */
  buddies?: { playerId: number; online: boolean }[];
  orderMembers?: { playerId: number; online: boolean }[];
}

/** ChatLimiter.lease (durable-objects/chat-limiter.ts): lines of an address's all-rooms chat budget. */
export interface ChatLease {
  /** Lines the room may relay for this address now (0..want). */
  readonly granted: number;
  /** When granted is 0: how long before asking again is worth it. */
  readonly retryAfterMs: number;
}
