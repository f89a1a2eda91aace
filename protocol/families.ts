/**
 * Client families (PROTOCOL.md §7, §10): which order of messages and which house rules a
 * client expects. Dialects (dialect.ts) say how bytes are laid out; families say how a
 * conversation goes. Three families:
 *  - "gos":       Myth II 1.8 with session encryption, as Gate of Storms serves it;
 *  - "bungie":    older Myth II / MythDev, Myth TFL and Myth III, as Bungie's servers did;
 *  - "aleph-one": Aleph One, as the Aleph One metaserver (A1S) does.
 * Every rule that differs between them is declared here and nowhere else.
 */
import type { Dialect } from "./dialect.ts";
import type { LoginMessage } from "./messages/types.ts";

export type ClientFamily = "gos" | "bungie" | "aleph-one";

/** The game a client plays; rooms belong to one game. */
export type Game = "myth1" | "myth2" | "myth3" | "marathon";
export const GAMES: readonly Game[] = ["myth1", "myth2", "myth3", "marathon"];

export interface KeepalivePolicy {
  /** Send 202 to a client silent this long, and every interval after. */
  readonly intervalMs: number;
  /** Drop a client silent this long. */
  readonly timeoutMs: number;
}

export interface FamilyTraits {
  /** Keepalives in a room (§7.5). */
  readonly keepalive: KeepalivePolicy;
  /** server_message (3) layout: GoS's fixed 128-byte text field, or Bungie's code + C string. */
  readonly serverMessage: "gos-fixed" | "c-string";
  /**
   * On room join: listed at once and sent the lists, the MOTD last (GoS, A1S); or the MOTD
   * first and unlisted until the first set_player_data (Bungie, §7.4).
   */
  readonly listedOnJoin: boolean;
  /**
   * The newcomer receives its own player-list add before the full list (GoS). A1S leaves the
   * newcomer out of that broadcast; an Aleph One client that gets it logs "received
   * instruction to add item with same ID".
   */
  readonly seesOwnJoin: boolean;
  /** logout (105) in a room: GoS ignores it, Bungie answers code 9 and removes the player, A1S closes. */
  readonly roomLogout: "ignore" | "answer-and-close" | "close";
  /** set_player_data (103) in a room takes only the in-game state: GoS keeps the login-time data. */
  readonly roomPlayerDataStateOnly: boolean;
  /** A listed game's seconds_remaining before start_game: GoS 0, A1S -1. */
  readonly unstartedSecondsRemaining: number;
  /** Closes the login connection right after the room list (GoS) or lets the client close it. */
  readonly loginClosesAfterRoomList: boolean;
  /** "no order" in user_successful_login (7): GoS -1, Bungie 0. */
  readonly noOrder: number;
  /** room_info.host: 0 ("the metaserver's own address", GoS) or a real IPv4 the client can reach. */
  readonly roomHost: "zero" | "address";
}

export const FAMILY_TRAITS: Readonly<Record<ClientFamily, FamilyTraits>> = {
  gos: {
    // GoS: 202 every 3 minutes, read timeout 10 minutes (in-game clients are quiet for 3 min).
    keepalive: { intervalMs: 180_000, timeoutMs: 600_000 },
    serverMessage: "gos-fixed",
    listedOnJoin: true,
    seesOwnJoin: true,
    roomLogout: "ignore",
    roomPlayerDataStateOnly: true,
    unstartedSecondsRemaining: 0,
    loginClosesAfterRoomList: true,
    noOrder: -1,
    roomHost: "zero",
  },
  bungie: {
    // Bungie room daemon: ping after 15 s, drop after more than 3 unanswered pings.
    keepalive: { intervalMs: 15_000, timeoutMs: 60_000 },
    serverMessage: "c-string",
    listedOnJoin: false,
    seesOwnJoin: true,
    roomLogout: "answer-and-close",
    roomPlayerDataStateOnly: false,
    unstartedSecondsRemaining: 0,
    loginClosesAfterRoomList: false,
    noOrder: 0,
    roomHost: "address",
  },
  "aleph-one": {
    // A1S: probe after 10 s of silence, disconnect 10 s later.
    keepalive: { intervalMs: 10_000, timeoutMs: 20_000 },
    serverMessage: "c-string",
    listedOnJoin: true,
    seesOwnJoin: false,
    roomLogout: "close",
    roomPlayerDataStateOnly: false,
    unstartedSecondsRemaining: -1,
    loginClosesAfterRoomList: false,
    noOrder: 0,
    roomHost: "address",
  },
};

const FAMILY_OF_DIALECT: Readonly<Record<Dialect, ClientFamily>> = {
  myth2: "gos",
  "myth2-legacy": "bungie",
  myth1: "bungie",
  myth3: "bungie",
  marathon: "aleph-one",
};

export function familyOf(dialect: Dialect): ClientFamily {
  return FAMILY_OF_DIALECT[dialect];
}

export function familyTraits(dialect: Dialect): FamilyTraits {
  return FAMILY_TRAITS[familyOf(dialect)];
}

const GAME_OF_DIALECT: Readonly<Record<Dialect, Game>> = {
  myth2: "myth2",
  "myth2-legacy": "myth2",
  myth1: "myth1",
  myth3: "myth3",
  marathon: "marathon",
};

export function gameOf(dialect: Dialect): Game {
  return GAME_OF_DIALECT[dialect];
}

/** The dialects a room of this game accepts. */
export function dialectsOf(game: Game): Dialect[] {
  return (Object.keys(GAME_OF_DIALECT) as Dialect[]).filter((d) => GAME_OF_DIALECT[d] === game);
}

/** Bungie/MythDev application names, compared case-insensitively (§7.2). */
const BUNGIE_APPLICATIONS = new Set(["MYTH", "MYTH1", "MYTH2", "MYTH3"]);

/**
 * Who is logging in, from the login message and whether the bridge did the 203 exchange:
 * the dialect to speak and the family whose order to follow, or the server_message code that
 * refuses the application (1 on an encrypted connection, as GoS answers; 7 otherwise).
 */
export function loginClient(
  login: Pick<LoginMessage, "application" | "layout">,
  encrypted: boolean,
): { dialect: Dialect; family: ClientFamily } | { refuse: 1 | 7 } {
  const application = login.application.trim().toUpperCase();
  if (encrypted) {
    if (login.layout !== "myth") return { refuse: 1 };
    // GoS serves only Myth II ("MYTH2…", as sent); MythDev's server also allowed encryption
    // for the other Myth applications, so those take the Bungie path.
    if (login.application.startsWith("MYTH2")) return { dialect: "myth2", family: "gos" };
    const dialect = mythDialect(application);
    return dialect ? { dialect, family: "bungie" } : { refuse: 1 };
  }
  if (login.layout === "aleph-one" && application === "MARATHON") return { dialect: "marathon", family: "aleph-one" };
  if (login.layout !== "myth") return { refuse: 7 };
  const dialect = mythDialect(application);
  return dialect ? { dialect, family: "bungie" } : { refuse: 7 };
}

/** Bungie-path dialect of a Myth application name (MYTH2 unencrypted and MYTH are older Myth II). */
function mythDialect(application: string): Dialect | null {
  if (!BUNGIE_APPLICATIONS.has(application)) return null;
  if (application === "MYTH1") return "myth1";
  if (application === "MYTH3") return "myth3";
  return "myth2-legacy";
}
