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

/** Directory.login's answer. */
export interface LoginGrant {
  /** The handoff token, 64 hex characters (edge/handoff-token.ts converts). */
  token: string;
  userId: number;
  /** The rooms' counts, for the room list that follows (saves a round trip). */
  counts?: Record<number, RoomCounts>;
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
