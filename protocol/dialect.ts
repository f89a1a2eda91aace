/**
 * Client dialects (PROTOCOL.md §10): the wire layouts that differ between clients, modelled
 * here and nowhere else, so a codec asks the dialect instead of testing application names.
 * The order of a conversation (login, room join, logout) is the family's: families.ts.
 */
export type Dialect = "myth2" | "myth2-legacy" | "myth1" | "myth3" | "marathon";

export const DIALECTS: readonly Dialect[] = ["myth2", "myth2-legacy", "myth1", "myth3", "marathon"];

export interface DialectTraits {
  /** Application string the client sends in login (100). */
  readonly application: string;
  /** Login (100) layout: Myth's fixed 276 bytes, or Aleph One's unpadded player data. */
  readonly loginLayout: "myth" | "aleph-one";
  /** start_game (114) time unit: seconds (Myth) or ticks at 30/s (Aleph One). */
  readonly startGameUnit: "seconds" | "ticks";
  /** game_score (112) player records: Bungie's fixed 16 or Myth II 1.8's variable count. */
  readonly scorePlayers: "fixed16" | "variable";
  /** Message 18/122: Myth's update_info/player information, or A1's remote hub list. */
  readonly remoteHubs: boolean;
  /** Typical session-encryption use (the bridge decides per connection from the first packet). */
  readonly encrypted: boolean;
}

export const DIALECT_TRAITS: Readonly<Record<Dialect, DialectTraits>> = {
  myth2: {
    application: "MYTH2",
    loginLayout: "myth",
    startGameUnit: "seconds",
    scorePlayers: "variable",
    remoteHubs: false,
    encrypted: true,
  },
  "myth2-legacy": {
    application: "MYTH2",
    loginLayout: "myth",
    startGameUnit: "seconds",
    scorePlayers: "fixed16",
    remoteHubs: false,
    encrypted: false,
  },
  myth1: {
    application: "MYTH1",
    loginLayout: "myth",
    startGameUnit: "seconds",
    scorePlayers: "fixed16",
    remoteHubs: false,
    encrypted: false,
  },
  myth3: {
    application: "MYTH3",
    loginLayout: "myth",
    startGameUnit: "seconds",
    scorePlayers: "fixed16",
    remoteHubs: false,
    encrypted: false,
  },
  marathon: {
    application: "MARATHON",
    loginLayout: "aleph-one",
    startGameUnit: "ticks",
    scorePlayers: "fixed16",
    remoteHubs: true,
    encrypted: false,
  },
};
