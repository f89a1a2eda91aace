import type { MessageType } from "../message-types.ts";
import type { BuddyEntry, OrderMember } from "../structs/buddy.ts";
import type { ChatHeader } from "../structs/chat.ts";
import type { GameListEntry } from "../structs/game-aux.ts";
import type { PlayerListEntry, PlayerSearchEntry } from "../structs/player-aux.ts";
import type { PlayerData } from "../structs/player-data.ts";
import type { PlayerInfo } from "../structs/player-info.ts";
import type { RoomInfo } from "../structs/room-info.ts";
import type { PlayerStanding, TeamStanding } from "../structs/scores.ts";

type T = typeof MessageType;

// ---------------------------------------------------------------- server → client

export interface RoomListMessage {
  readonly type: T["RoomList"];
  readonly rooms: readonly RoomInfo[];
}
export interface PlayerListMessage {
  readonly type: T["PlayerList"];
  readonly players: readonly PlayerListEntry[];
}
export interface GameListMessage {
  readonly type: T["GameList"];
  readonly games: readonly GameListEntry[];
}
/**
 * Encoded Bungie style (code + C string) for every dialect but myth2, which gets GoS's
 * fixed 128-byte text field (text ≤ 127 characters). Decoding accepts both.
 */
export interface ServerMessageMessage {
  readonly type: T["ServerMessage"];
  readonly code: number;
  readonly text: string;
}
/** Obsolete. */
export interface UrlMessage {
  readonly type: T["Url"];
  readonly code: number;
  readonly message: string;
  readonly url: string;
}
/** Obsolete: data_chunk_identifier (flags, type, offset, length) + data. */
export interface DataChunkMessage {
  readonly type: T["DataChunk"];
  /** bit0 = last chunk. */
  readonly flags: number;
  readonly chunkType: number;
  readonly offset: number;
  readonly length: number;
  readonly data: Uint8Array;
}
export interface PasswordChallengeMessage {
  readonly type: T["PasswordChallenge"];
  readonly authenticationType: number;
  /** 16 bytes. */
  readonly salt: Uint8Array;
}
export interface UserSuccessfulLoginMessage {
  readonly type: T["UserSuccessfulLogin"];
  readonly userId: number;
  /** Order id, -1 if none; written twice as Bungie did. */
  readonly order: number;
  /** 32-byte handoff token. */
  readonly token: Uint8Array;
}
export interface SetPlayerDataFromMetaserverMessage extends PlayerListEntry {
  readonly type: T["SetPlayerDataFromMetaserver"];
}
export interface RoomLoginSuccessfulMessage {
  readonly type: T["RoomLoginSuccessful"];
  readonly userId: number;
  readonly maximumPlayersPerRoom: number;
}
export interface MessageOfTheDayMessage {
  readonly type: T["MessageOfTheDay"];
  readonly text: string;
}
/** Obsolete patch descriptor, kept opaque. */
export interface PatchMessage {
  readonly type: T["Patch"];
  readonly data: Uint8Array;
}
export interface SendVersionsMessage {
  readonly type: T["SendVersions"];
}
export interface GameListPrefMessage {
  readonly type: T["GameListPref"];
  readonly games: readonly GameListEntry[];
}
export interface PlayerSearchListMessage {
  readonly type: T["PlayerSearchList"];
  readonly results: readonly PlayerSearchEntry[];
}
export interface BuddyListMessage {
  readonly type: T["BuddyList"];
  readonly results: readonly PlayerSearchEntry[];
}
export interface OrderListMessage {
  readonly type: T["OrderList"];
  readonly results: readonly PlayerSearchEntry[];
}
export interface PlayerInfoMessage extends PlayerInfo {
  readonly type: T["PlayerInfo"];
}
/** 18 for Myth: obsolete update_info. */
export interface UpdateInfoMessage {
  readonly type: T["UpdateInfo"];
  readonly variant: "update-info";
  readonly size: number;
  readonly host: number;
  readonly port: number;
}
/** One remote hub (A1: 8 bytes, u16 id, IPv4, u16 port; no count, the length delimits). */
export interface RemoteHubEntry {
  readonly id: number;
  /** IPv4 as u32 (network order value). */
  readonly host: number;
  readonly port: number;
}
/** 18 for Aleph One: the remote hub list (answer to 122, §7.3). */
export interface RemoteHubListMessage {
  readonly type: T["UpdateInfo"];
  readonly variant: "remote-hub-list";
  readonly hubs: readonly RemoteHubEntry[];
}
export interface UpdatePlayerBuddyListMessage {
  readonly type: T["UpdatePlayerBuddyList"];
  /** Myth II clients expect 16 entries. */
  readonly buddies: readonly BuddyEntry[];
}
export interface UpdateOrderMemberListMessage {
  readonly type: T["UpdateOrderMemberList"];
  readonly members: readonly OrderMember[];
}
export interface BlammedMessage {
  readonly type: T["YouJustGotBlammedSucka"];
  readonly reason: string;
}
/** GoS host proxy pairing request (66 bytes). */
export interface ProxyClientJoinMessage {
  readonly type: T["ProxyClientJoin"];
  readonly port: number;
  /** Dotted IPv4, ≤ 47 characters. */
  readonly host: string;
  /** 16 bytes; GoS leaves them 0xFF. */
  readonly authToken: Uint8Array;
}

// ---------------------------------------------------------------- client → server

/**
 * login (100). Two layouts (§5.2): Myth's fixed 276 bytes, and Aleph One's (platform and
 * metaserver version swapped, unpadded player data, no country code). The decoder picks the
 * layout from the application field, not from the dialect.
 */
export interface LoginMessage {
  readonly type: T["Login"];
  readonly layout: "myth" | "aleph-one";
  readonly metaserverVersion: number;
  readonly platformType: number;
  readonly flags: number;
  readonly userId: number;
  readonly maxAuthentication: number;
  readonly application: string;
  readonly buildDate: string;
  readonly buildTime: string;
  readonly username: string;
  /** The valid player-data bytes (player_data_size of them, ≤ 128); see decodePlayerData. */
  readonly playerData: Uint8Array;
  /** Myth layout only (0 for Aleph One). */
  readonly countryCode: number;
}
export interface RoomLoginMessage {
  readonly type: T["RoomLogin"];
  /** 32-byte handoff token. */
  readonly token: Uint8Array;
  readonly userName: string;
}
export interface LogoutMessage {
  readonly type: T["Logout"];
}
export interface SetPlayerDataMessage {
  readonly type: T["SetPlayerData"];
  readonly player: PlayerData;
}
export interface CreateGameMessage {
  readonly type: T["CreateGame"];
  readonly port: number;
  /** Myth: order (non-zero ⇒ order game). Aleph One: remote hub id. */
  readonly order: number;
  /** Opaque game description, ≤ 1024 bytes. */
  readonly gameData: Uint8Array;
}
export interface RemoveGameMessage {
  readonly type: T["RemoveGame"];
}
export interface ChangeRoomMessage {
  readonly type: T["ChangeRoom"];
  readonly roomId: number;
}
export interface SetPlayerModeMessage {
  readonly type: T["SetPlayerMode"];
  /** 0 listening, 1 deaf. */
  readonly mode: 0 | 1;
  /** Aleph One only: the raw game session id bytes after the mode (possibly empty). */
  readonly sessionId?: Uint8Array;
}
/** Obsolete. */
export interface DataChunkReplyMessage {
  readonly type: T["DataChunkReply"];
  readonly data: Uint8Array;
}
export interface PasswordResponseMessage {
  readonly type: T["PasswordResponse"];
  /** Raw bytes (Myth: strlen+1 of the possibly transformed password; A1: exactly 16). */
  readonly password: Uint8Array;
}
export interface RequestFullUpdateMessage {
  readonly type: T["RequestFullUpdate"];
}
export interface GamePlayerListMessage {
  readonly type: T["GamePlayerList"];
  readonly gameId: number;
  readonly playerIds: readonly number[];
}
/**
 * game_score (112). Dialects with scorePlayers "fixed16" carry exactly 16 player records
 * (the encoder pads with zero records); myth2 carries a variable count ≥ numberOfPlayers.
 * `teams` always has 16 entries on the wire (padded on encode).
 */
export interface GameScoreMessage {
  readonly type: T["GameScore"];
  readonly gameId: number;
  readonly gameEndedCode: number;
  readonly gameScoring: number;
  readonly gameVersion: number;
  readonly timeLimit: number;
  readonly actualTimeElapsed: number;
  readonly reportingPlayerId: number;
  readonly numberOfPlayers: number;
  readonly numberOfTeams: number;
  readonly teams: readonly TeamStanding[];
  readonly players: readonly PlayerStanding[];
}
export interface ResetGameMessage {
  readonly type: T["ResetGame"];
}
export interface StartGameMessage {
  readonly type: T["StartGame"];
  /** Raw: seconds for Myth, ticks (30/s, INT32_MIN = untimed) for Aleph One; see startGameSeconds. */
  readonly gameTime: number;
}
export interface VersionControlMessage {
  readonly type: T["VersionControl"];
  readonly platformType: number;
  readonly applicationVersion: number;
  readonly patchNumber: number;
  readonly build: number;
}
export interface GameSearchQueryMessage {
  readonly type: T["GameSearchQuery"];
  readonly gameType: number;
  readonly gameScoring: number;
  readonly veterans: number;
  readonly unitTrading: number;
  readonly teams: number;
  readonly alliances: number;
  readonly enemyVisibility: number;
  readonly gameName: string;
  readonly mapName: string;
}
export interface PlayerSearchQueryMessage {
  readonly type: T["PlayerSearchQuery"];
  readonly query: string;
}
export interface BuddyQueryMessage {
  readonly type: T["BuddyQuery"];
}
export interface OrderQueryMessage {
  readonly type: T["OrderQuery"];
}
export interface UpdateBuddyMessage {
  readonly type: T["UpdateBuddy"];
  readonly buddyId: number;
  readonly add: boolean;
}
export interface PlayerInfoQueryMessage {
  readonly type: T["PlayerInfoQuery"];
  readonly userId: number;
}
/** 122 for Myth: profile strings. */
export interface UpdatePlayerInformationMessage {
  readonly type: T["UpdatePlayerInformation"];
  readonly variant: "player-information";
  readonly city: string;
  readonly state: string;
  readonly country: string;
  readonly quote: string;
}
/** 122 for Aleph One: remote hub list request. */
export interface RemoteHubRequestMessage {
  readonly type: T["UpdatePlayerInformation"];
  readonly variant: "remote-hub-request";
  readonly protocolVersion: string;
}
/** Film header chunk (GoS / Myth II 1.8), opaque. */
export interface RecordingStreamHeaderMessage {
  readonly type: T["RecordingStreamHeader"];
  readonly data: Uint8Array;
}
/** One film command (≤ 2048 bytes), opaque. */
export interface RecordingStreamCommandMessage {
  readonly type: T["RecordingStreamCommand"];
  readonly command: Uint8Array;
}
export interface RecordingStreamEndMessage {
  readonly type: T["RecordingStreamEnd"];
  readonly endTime: number;
}

// ---------------------------------------------------------------- both directions

export interface RoomBroadcastMessage {
  readonly type: T["RoomBroadcast"];
  readonly header: ChatHeader;
  readonly senderName: string;
  readonly text: string;
}
export interface DirectedDataMessage {
  readonly type: T["DirectedData"];
  readonly targetPlayerId: number;
  readonly echo: boolean;
  readonly header: ChatHeader;
  readonly senderName: string;
  readonly text: string;
}
export interface KeepaliveMessage {
  readonly type: T["Keepalive"];
}
export interface SessionKeyMessage {
  readonly type: T["SessionKey"];
  /** 8 bytes. */
  readonly publicKey: Uint8Array;
}

export type ServerToClientMessage =
  | RoomListMessage
  | PlayerListMessage
  | GameListMessage
  | ServerMessageMessage
  | UrlMessage
  | DataChunkMessage
  | PasswordChallengeMessage
  | UserSuccessfulLoginMessage
  | SetPlayerDataFromMetaserverMessage
  | RoomLoginSuccessfulMessage
  | MessageOfTheDayMessage
  | PatchMessage
  | SendVersionsMessage
  | GameListPrefMessage
  | PlayerSearchListMessage
  | BuddyListMessage
  | OrderListMessage
  | PlayerInfoMessage
  | UpdateInfoMessage
  | RemoteHubListMessage
  | UpdatePlayerBuddyListMessage
  | UpdateOrderMemberListMessage
  | BlammedMessage
  | ProxyClientJoinMessage;

export type ClientToServerMessage =
  | LoginMessage
  | RoomLoginMessage
  | LogoutMessage
  | SetPlayerDataMessage
  | CreateGameMessage
  | RemoveGameMessage
  | ChangeRoomMessage
  | SetPlayerModeMessage
  | DataChunkReplyMessage
  | PasswordResponseMessage
  | RequestFullUpdateMessage
  | GamePlayerListMessage
  | GameScoreMessage
  | ResetGameMessage
  | StartGameMessage
  | VersionControlMessage
  | GameSearchQueryMessage
  | PlayerSearchQueryMessage
  | BuddyQueryMessage
  | OrderQueryMessage
  | UpdateBuddyMessage
  | PlayerInfoQueryMessage
  | UpdatePlayerInformationMessage
  | RemoteHubRequestMessage
  | RecordingStreamHeaderMessage
  | RecordingStreamCommandMessage
  | RecordingStreamEndMessage;

export type BothWaysMessage = RoomBroadcastMessage | DirectedDataMessage | KeepaliveMessage | SessionKeyMessage;

export type Message = ServerToClientMessage | ClientToServerMessage | BothWaysMessage;

/** The message with type number N (for 18 and 122, both variants). */
export type MessageOf<N extends Message["type"]> = Extract<Message, { type: N }>;

export type Direction = "to-server" | "to-client";
