/** Message type numbers (PROTOCOL.md §3). S→C from 0, C→S from 100, both ways from 200. */
export const MessageType = {
  // server → client
  RoomList: 0,
  PlayerList: 1,
  GameList: 2,
  ServerMessage: 3,
  Url: 4,
  DataChunk: 5,
  PasswordChallenge: 6,
  UserSuccessfulLogin: 7,
  SetPlayerDataFromMetaserver: 8,
  RoomLoginSuccessful: 9,
  MessageOfTheDay: 10,
  Patch: 11,
  SendVersions: 12,
  GameListPref: 13,
  PlayerSearchList: 14,
  BuddyList: 15,
  OrderList: 16,
  PlayerInfo: 17,
  /** Myth: update_info (obsolete). Aleph One: remote hub list. */
  UpdateInfo: 18,
  UpdatePlayerBuddyList: 19,
  UpdateOrderMemberList: 20,
  YouJustGotBlammedSucka: 21,
  ProxyClientJoin: 22,
  // client → server
  Login: 100,
  RoomLogin: 101,
  Logout: 102,
  SetPlayerData: 103,
  CreateGame: 104,
  RemoveGame: 105,
  ChangeRoom: 106,
  SetPlayerMode: 107,
  DataChunkReply: 108,
  PasswordResponse: 109,
  RequestFullUpdate: 110,
  GamePlayerList: 111,
  GameScore: 112,
  ResetGame: 113,
  StartGame: 114,
  VersionControl: 115,
  GameSearchQuery: 116,
  PlayerSearchQuery: 117,
  BuddyQuery: 118,
  OrderQuery: 119,
  UpdateBuddy: 120,
  PlayerInfoQuery: 121,
  /** Myth: update_player_information. Aleph One: remote hub list request. */
  UpdatePlayerInformation: 122,
  // both directions
  RoomBroadcast: 200,
  DirectedData: 201,
  Keepalive: 202,
  SessionKey: 203,
  RecordingStreamHeader: 204,
  RecordingStreamCommand: 205,
  RecordingStreamEnd: 206,
} as const;

export type MessageTypeNumber = (typeof MessageType)[keyof typeof MessageType];

const KNOWN = new Set<number>(Object.values(MessageType));
export const isKnownMessageType = (type: number): type is MessageTypeNumber => KNOWN.has(type);
