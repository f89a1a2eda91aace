/**
 * What a room knows about each connection and its player. Only structured-cloneable fields:
 * the shell keeps a Connection where it survives hibernation and eviction.
 */
import type { Dialect } from "../../protocol/dialect.ts";
import type { PlayerData } from "../../protocol/messages.ts";

/** Names one client connection to the room, unique within the room. */
export type ConnId = string;

export interface Connection {
  readonly id: ConnId;
  /** "ipv4:port" of the player as seen by the bridge. */
  readonly clientAddress: string;
  /** "ipv4:port" the player connected to on the bridge. */
  readonly localAddress: string;
  /** The bridge finished the 203 key exchange on this connection. */
  encrypted: boolean;
  /** Set once room_login succeeded. */
  player?: PlayerState;
  /** A set_player_data that overtook its room_login; applied once the login is done. */
  pendingPlayerData?: PlayerData;
  /** The room already said goodbye to this connection (kicked, logged out, bad packet). */
  closed?: boolean;
}

/** A connection whose room_login succeeded. */
export type PlayerConnection = Connection & { player: PlayerState };

export interface PlayerState {
  readonly userId: number;
  readonly userName: string;
  readonly guest: boolean;
  readonly adminLevel: number;
  readonly dialect: Dialect;
  readonly build: number;
  /** Player data (§4.2: icon, state, colours, order, nick, team). */
  playerData: PlayerData;
  /** Deaf clients get no room traffic (§5.12). */
  deaf: boolean;
  /**
   * In the player list and receiving room traffic. Bungie-family clients get their lists only
   * after their first set_player_data (§7.4), so they join unlisted.
   */
  listed: boolean;
  /** Join order: lists show players in the order they arrived. */
  readonly joinedAt: number;
  /** User ids whose chat this player does not see (`.mute`; persisted per account). */
  muted?: number[];
  /** User ids that may not whisper this player (`.block`; persisted per account). */
  blocked?: number[];
  /** Set while away (`.afk [message]`), the message or "". */
  away?: string;
  /** Rating caste (§4.10) in ranked and tournament rooms, for registered players; absent: none. */
  caste?: number;
  /**
   * Host proxy setting (GoS `host_proxy_state`): "unknown" until a first game's port was probed
   * (then "off" if reachable, "on" if not) or `.proxy` set it; it sticks for the session.
   */
  hostProxy?: HostProxySetting;
}

export type HostProxySetting = "on" | "off" | "unknown";
