/**
 * Text conventions shared by the Myth and Aleph One clients (PROTOCOL.md §1.3, §11).
 */

/**
 * Which client family's formatting codes to strip. Myth (as GoS strips them from user names):
 * '|' + one of p b i l r c s u. Aleph One's client: '|' + one of p b i l r c s. Both match the
 * letter case-insensitively and make a single left-to-right pass ("||bb" leaves "|b").
 */
export type FormattingFamily = "myth" | "aleph-one";

const FORMATTING_CODES: Readonly<Record<FormattingFamily, RegExp>> = {
  myth: /\|[pbilrcsu]/gi,
  "aleph-one": /\|[pbilrcs]/gi,
};

export function stripFormatting(text: string, family: FormattingFamily = "myth"): string {
  return text.replace(FORMATTING_CODES[family], "");
}

/**
 * The user name as GoS checks it at login: formatting codes removed first, then leading and
 * trailing whitespace (so "ABC   |p" and "ABC" are the same name). Empty ⇒ refuse the login.
 */
export function stripUserName(name: string): string {
  return stripFormatting(name, "myth").trim();
}

/**
 * The key a user name is looked up and compared by: stripped as GoS does, then lower-cased
 * (GoS's MySQL lookup compares case-insensitively, so "Alice" and "alice" are one account).
 * Inner whitespace is kept, as in GoS.
 */
export function normalizeUserName(name: string): string {
  return stripUserName(name).toLowerCase();
}

/** Field limits in characters, not counting the terminating NUL (PROTOCOL.md §11, BNG structs). */
export const TEXT_LIMITS = {
  /** metaserver_player_data / login user name field is 32 bytes. */
  userName: 31,
  /** Bungie's own account names were shorter. */
  bungieLoginName: 15,
  password: 15,
  gameName: 31,
  mapName: 63,
  /** Bungie struct constant; a room's MOTD could be 256. */
  motd: 127,
  roomMotd: 255,
  description: 431,
  /** Bungie 31; GoS allows 63 ("Build 343"). */
  orderName: 63,
} as const;

/** Binary blob limits in bytes. */
export const BLOB_LIMITS = {
  playerData: 128,
  gameData: 1024,
} as const;
