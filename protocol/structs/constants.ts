/** server_message (3) codes (§9). */
export const ServerMessageCode = {
  SyntaxError: 0,
  LoginFailedGamesNotAllowed: 1,
  LoginFailedInvalidVersion: 2,
  LoginFailedBadUserOrPassword: 3,
  UserNotLoggedIn: 4,
  BadMetaserverVersion: 5,
  UserAlreadyLoggedIn: 6,
  UnknownGameType: 7,
  LoginSuccessful: 8,
  LogoutSuccessful: 9,
  PlayerNotInRoom: 10,
  GameAlreadyExists: 11,
  AccountAlreadyLoggedIn: 12,
  RoomFull: 13,
  MetaserverAccountLocked: 14,
  MetaserverNotSupported: 15,
  /** GoS only, Myth II build ≥ 428. */
  LoginFailedGuestsDisallowed: 16,
  /** GoS only, Myth II build ≥ 428. */
  LoginFailedGuestNameTaken: 17,
  /** DZ only; client support unknown. */
  RoomShutdown: 18,
} as const;
export type ServerMessageCode = (typeof ServerMessageCode)[keyof typeof ServerMessageCode];

/** Bungie's canonical texts; 16-18 had none, these are ours. */
export const SERVER_MESSAGE_TEXT: Readonly<Record<ServerMessageCode, string>> = {
  0: "Syntax error (unrecognized command).",
  1: "Login failed (Games not allowed at this time).",
  2: "Login failed (Invalid Game Version number).",
  3: "Login failed (Bad user or Password).",
  4: "User not logged in.",
  5: "Bad metaserver version.",
  6: "User already logged in!",
  7: "Unknown game type!",
  8: "User logged in.",
  9: "User logged out.",
  10: "Player not in a room!",
  11: "You already created a game!",
  12: "This account is already logged in!",
  13: "The desired room is full!",
  14: "Your account has been locked",
  15: "The game server for your product has been shutdown",
  16: "Guests are not allowed on this server.",
  17: "That guest name is already in use.",
  18: "The room has been shut down.",
};

/** login platform_type for Myth (GoS enum). */
export const PlatformType = {
  MacClassic: 100,
  MacModern: 101,
  WindowsClassic: 200,
  WindowsModern: 201,
  Linux: 300,
} as const;

/** login platform_type as Aleph One sends it. */
export const AlephOnePlatformType = { Macintosh: 0, Windows: 1, Other: 4 } as const;

/** login flags. */
export const LoginFlag = {
  /** Store the player data sent with this login. */
  ResetPlayerData: 0x1,
} as const;

/** set_player_mode (107) values. */
export const PlayerMode = { Listening: 0, Deaf: 1 } as const;
export type PlayerMode = (typeof PlayerMode)[keyof typeof PlayerMode];

/** url (4) codes (obsolete). */
export const UrlCode = { RequiresUrl: 0, RequestsUrl: 1, RequestUrlAtExit: 2 } as const;

/** game_search_query (116) preference values (Bungie). */
export const SearchPreference = { Required: 0, Despised: 1, DontCare: 2 } as const;
