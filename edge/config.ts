/**
 * Edge configuration: the rooms, login policy and limits, read from Worker vars. Shared by the
 * Worker and the Durable Objects; the one place that reads a var.
 *
 * Every var is a row of EDGE_VARS below (name, default, bounds, meaning): `npm start -- --help`
 * prints the table, `npm start` takes each var from wrangler.toml [vars], the environment or a
 * flag (scripts/start-config.ts), and loadConfig reads it through the row. Adding a var is one
 * row here plus the line in loadConfig that uses it.
 *
 * Policy: a var that is set but invalid is a ConfigError naming the var; nothing falls back
 * to a default silently.
 */
import { GAMES, type Game } from "../protocol/families.ts";
import { parseIPv4 } from "../protocol/ipv4.ts";
import { parseRemoteHubs, type RemoteHub } from "./remote-hubs.ts";

/** Chat budgets of a room (durable-objects/room/chat-guard.ts). Rates are per second. */
export interface ChatLimits {
  readonly lines: { readonly perSecond: number; readonly burst: number };
  readonly repeatCost: number;
  readonly muteAfter: number;
  readonly muteMs: number;
  readonly kickAfter: number;
  readonly strikeMemoryMs: number;
  readonly addressLines: { readonly perSecond: number; readonly burst: number };
  readonly whisperTarget: { readonly perSecond: number; readonly burst: number };
  readonly fullUpdates: { readonly perSecond: number; readonly burst: number };
  /** One address across all rooms (durable-objects/chat-limiter.ts), leased to rooms `lease` lines at a time. */
  readonly allRooms: { readonly perSecond: number; readonly burst: number };
  readonly lease: number;
}

export type { Game };
export type RoomType = "unranked" | "ranked" | "tournament";
export type FilmsPolicy = "supported" | "required";

export const ROOM_TYPES: readonly RoomType[] = ["unranked", "ranked", "tournament"];

export interface RoomConfig {
  /** Unique across all games: names the Room DO ("room:<id>") and the tunnel path. */
  readonly id: number;
  /** room_info.room_id the client sees (it picks the banner/name from it); default = id. */
  readonly wireId: number;
  readonly name: string;
  readonly game: Game;
  readonly type: RoomType;
  /** TCP port the bridge listens on for this room. */
  readonly port: number;
  readonly capacity: number;
  /** May guests enter? Default: only unranked rooms (GoS). */
  readonly guests: boolean;
  /** Blue-bar lines sent after joining (message 10, one per line). */
  readonly joinMessages: readonly string[];
  /** Recording stream support (Myth II 1.8 room flags bit0/bit1); absent ⇒ no films. */
  readonly films?: FilmsPolicy;
  /** Only staff may enter: the room's moderation lock (durable-objects/room/moderation.ts: .lock or PATCH), shown here by the room; not in ROOM_CONFIG. */
  readonly locked?: boolean;
}

/** What ROOM_CONFIG may contain: everything but id, game and type has a default. */
export interface RoomConfigInput {
  id: number;
  wireId?: number;
  name?: string;
  game: Game;
  type: RoomType;
  port?: number;
  capacity?: number;
  guests?: boolean;
  joinMessages?: string[];
  films?: FilmsPolicy;
}

export interface MinimumVersions {
  /** Myth II 1.8 (GoS): application version and build from version_control (115). */
  readonly myth2AppVersion: number;
  readonly myth2Build: number;
  /** Older Myth clients (Bungie/MythDev): patch level from version_control. */
  readonly legacyPatch: number;
}

export interface LoginConfig {
  /** The whole login, from the connection to the room list, must fit in this. */
  readonly timeoutMs: number;
  /** After the room list, how long Bungie/Aleph One clients may keep the connection open. */
  readonly lingerMs: number;
  /** Failed passwords per client address within the window before its logins are refused. */
  readonly maxFailures: number;
  readonly failureWindowMs: number;
  /** Per address: guest and account logins each refill at this rate into a bucket this deep. */
  readonly guestPerMinute: number;
  readonly guestBurst: number;
  readonly accountPerMinute: number;
  readonly accountBurst: number;
  /** Per account, whatever the address: free failures, then base · 2^n delays up to the cap. */
  readonly accountFreeFailures: number;
  readonly accountDelayMs: number;
  readonly accountMaxDelayMs: number;
  /** Password hashes at once in one isolate, and logins that may wait for a slot. */
  readonly hashConcurrency: number;
  readonly hashQueue: number;
}

export interface EdgeConfig {
  readonly loginPort: number;
  /** What a room may send on one bridge socket (durable-objects/room/outbound-meter.ts). */
  readonly tunnelOut: { readonly maxBytesPerSecond: number; readonly overSeconds: number };
  /** How long GET /status.json answers from its cache. */
  readonly statusCacheMs: number;
  /** Chat budgets of every room (durable-objects/room/chat-guard.ts). */
  readonly chat: ChatLimits;
  readonly login: LoginConfig;
  readonly allowGuests: boolean;
  readonly minimumVersions: MinimumVersions;
  readonly tokenGraceSeconds: number;
  /** A handoff token dies this long after it was issued, in a room or not. */
  readonly tokenMaxAgeSeconds: number;
  /** The directory reconciles presence with the rooms this often while anyone is in one. */
  readonly reconcileSeconds: number;
  readonly maxRoomCapacity: number;
  /** Dotted IPv4 to advertise as room host, or null to use the bridge's local address. */
  readonly roomHost: string | null;
  readonly rooms: readonly RoomConfig[];
  /** Per client connection: 116-120 allowed within a sliding minute (each may fan out to D1, rooms). */
  readonly socialQueriesPerMinute: number;
  readonly results: ResultsConfig;
  /** How long a web sign-in (dashboard) lasts (worker/web/session.ts). */
  readonly webSessionHours: number;
  /** The player web account's sign-up form (worker/routes/account/register.ts); off by default. */
  readonly selfRegistration: { readonly allowed: boolean; readonly perDay: number };
  /** Aleph One remote hubs offered on request (122 → 18); empty by default. */
  readonly remoteHubs: readonly RemoteHub[];
  readonly films: FilmLimits;
}

/** Ranked play (edge/results/). */
export interface ResultsConfig {
  readonly reportWindowMs: number;
  readonly recomputeMs: number;
  /** Rating points of uncertainty added per sqrt(day) of inactivity. */
  readonly inactivityTau: number;
}

/** Bounds on a host's recording stream (204–206) and how long films are kept. */
export interface FilmLimits {
  /** Header and commands of one film; past it the recording is cut (the game goes on). */
  readonly maxBytes: number;
  /** Sustained 205 commands per second; bursts of ten seconds' worth pass. */
  readonly maxCommandsPerSecond: number;
  /** Days a film is kept; 0 = forever. */
  readonly retentionDays: number;
}

interface VarSpec {
  /** What `npm start -- --help` and the docs say. */
  readonly help: string;
}
interface IntVar extends VarSpec {
  readonly kind: "int";
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
interface BoolVar extends VarSpec {
  readonly kind: "bool";
  readonly default: boolean;
}
interface TextVar extends VarSpec {
  readonly kind: "text";
  /** Shown as the default; "" means unset. */
  readonly default: string;
}
export type EdgeVarSpec = IntVar | BoolVar | TextVar;

/** Every Worker var, in the order `npm start -- --help` lists them. */
export const EDGE_VARS = {
  ROOM_CONFIG: {
    kind: "text",
    default: "",
    help: "JSON array of rooms (RoomConfigInput); empty: the built-in default set",
  },
  LOGIN_PORT: { kind: "int", default: 6321, min: 1, max: 65535, help: "login port the bridges listen on" },
  ALLOW_GUESTS: {
    kind: "bool",
    default: true,
    help: "may guests log in at all (when false: code 16 to Myth II 1.8 builds ≥ 428, else 3)",
  },
  MIN_MYTH2_APP_VERSION: {
    kind: "int",
    default: 2180,
    min: 0,
    max: 0x7fffffff,
    help: "lowest Myth II 1.8 application version accepted (GoS)",
  },
  MIN_MYTH2_BUILD: { kind: "int", default: 427, min: 0, max: 0x7fffffff, help: "lowest Myth II 1.8 build (GoS)" },
  MIN_LEGACY_PATCH: {
    kind: "int",
    default: 3,
    min: 0,
    max: 0x7fffffff,
    help: "lowest MythDev patch level of older Myth clients",
  },
  TOKEN_GRACE_SECONDS: {
    kind: "int",
    default: 60,
    min: 0,
    max: 86400,
    help: "how long a handoff token lives while its user is in no room",
  },
  TOKEN_MAX_AGE_SECONDS: {
    kind: "int",
    default: 86400,
    min: 60,
    max: 30 * 86400,
    help: "a handoff token dies this long after its login, in a room or not (a room change then needs a new login)",
  },
  RECONCILE_SECONDS: {
    kind: "int",
    default: 30,
    min: 1,
    max: 3600,
    help: "how often the directory asks occupied rooms whom they really hold (also once at its start)",
  },
  MAX_ROOM_CAPACITY: {
    kind: "int",
    default: 999,
    min: 1,
    max: 32767,
    help: "upper bound of any room's capacity (GoS)",
  },
  ROOM_HOST: {
    kind: "text",
    default: "",
    help: "IPv4 advertised as room host to clients that need one; empty: the bridge address they used",
  },
  LOGIN_TIMEOUT_SECONDS: {
    kind: "int",
    default: 60,
    min: 1,
    max: 3600,
    help: "the whole login, connection to room list, must fit in this",
  },
  LOGIN_LINGER_SECONDS: {
    kind: "int",
    default: 30,
    min: 1,
    max: 3600,
    help: "how long a Bungie/Aleph One client may stay on the login port after the room list",
  },
  LOGIN_MAX_FAILURES: {
    kind: "int",
    default: 10,
    min: 1,
    max: 1_000_000,
    help: "wrong passwords from one address within the window before its logins get code 3",
  },
  LOGIN_FAILURE_WINDOW_SECONDS: {
    kind: "int",
    default: 600,
    min: 1,
    max: 86400,
    help: "the window LOGIN_MAX_FAILURES counts in",
  },
  GUEST_LOGINS_PER_MINUTE: {
    kind: "int",
    default: 30,
    min: 1,
    max: 1_000_000,
    help: "guest logins one address may make per minute once its burst is spent",
  },
  GUEST_LOGIN_BURST: {
    kind: "int",
    default: 64,
    min: 1,
    max: 1_000_000,
    help: "guest logins one address may make at once (a LAN party behind one NAT)",
  },
  ACCOUNT_LOGINS_PER_MINUTE: {
    kind: "int",
    default: 30,
    min: 1,
    max: 1_000_000,
    help: "account logins (password tries) one address may make per minute once its burst is spent",
  },
  ACCOUNT_LOGIN_BURST: {
    kind: "int",
    default: 64,
    min: 1,
    max: 1_000_000,
    help: "account logins one address may make at once",
  },
  LOGIN_ACCOUNT_FREE_FAILURES: {
    kind: "int",
    default: 5,
    min: 1,
    max: 1_000_000,
    help: "wrong passwords for one account (from any address) before each try must wait",
  },
  LOGIN_ACCOUNT_DELAY_SECONDS: {
    kind: "int",
    default: 2,
    min: 1,
    max: 86400,
    help: "first wait after the free failures; it doubles with each further failure",
  },
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: {
    kind: "int",
    default: 900,
    min: 1,
    max: 86400,
    help: "longest wait between tries for one account",
  },
  LOGIN_HASH_CONCURRENCY: {
    kind: "int",
    default: 4,
    min: 1,
    max: 1024,
    help: "password hashes running at once per isolate",
  },
  LOGIN_HASH_QUEUE: {
    kind: "int",
    default: 64,
    min: 0,
    max: 100_000,
    help: "logins waiting for a hash slot before further ones are refused as busy",
  },
  TUNNEL_OUT_MAX_BYTES_PER_SECOND: {
    kind: "int",
    default: 33554432,
    min: 65536,
    max: 0x7fffffff,
    help: "bytes a room may send on one bridge socket per second (32 MiB) before the second counts as over",
  },
  TUNNEL_OUT_OVER_SECONDS: {
    kind: "int",
    default: 5,
    min: 1,
    max: 3600,
    help: "consecutive seconds over that budget before the room closes the socket (its clients reconnect)",
  },
  STATUS_CACHE_SECONDS: {
    kind: "int",
    default: 2,
    min: 1,
    max: 3600,
    help: "how long GET /status.json answers from its cache (it wakes the directory and occupied rooms)",
  },
  CHAT_LINES_PER_MINUTE: {
    kind: "int",
    default: 120,
    min: 1,
    max: 1_000_000,
    help: "chat lines (200 and 201) one user may send per minute in a room once its burst is spent",
  },
  CHAT_BURST: { kind: "int", default: 20, min: 1, max: 10_000, help: "chat lines one user may send at once" },
  CHAT_REPEAT_COST: {
    kind: "int",
    default: 3,
    min: 1,
    max: 1000,
    help: "what a line costs when it repeats the sender's previous line (others cost 1)",
  },
  CHAT_MUTE_AFTER: {
    kind: "int",
    default: 10,
    min: 1,
    max: 10_000,
    help: "dropped lines (strikes) before a user is muted; the first strike gets a warning",
  },
  CHAT_MUTE_SECONDS: { kind: "int", default: 30, min: 1, max: 86400, help: "how long a mute lasts" },
  CHAT_KICK_AFTER: {
    kind: "int",
    default: 30,
    min: 1,
    max: 10_000,
    help: "strikes before a user is kicked (21); lines sent while muted are strikes too",
  },
  CHAT_STRIKE_MEMORY_SECONDS: {
    kind: "int",
    default: 60,
    min: 1,
    max: 86400,
    help: "strikes are forgotten after this long without one",
  },
  CHAT_ADDRESS_LINES_PER_MINUTE: {
    kind: "int",
    default: 1200,
    min: 1,
    max: 1_000_000,
    help: "chat lines all users behind one address may send per minute in a room (a LAN party)",
  },
  CHAT_ADDRESS_BURST: {
    kind: "int",
    default: 100,
    min: 1,
    max: 100_000,
    help: "chat lines all users behind one address may send at once",
  },
  WHISPER_TARGET_PER_MINUTE: {
    kind: "int",
    default: 600,
    min: 1,
    max: 1_000_000,
    help: "directed messages (201) one player may receive per minute, from all senders together",
  },
  WHISPER_TARGET_BURST: {
    kind: "int",
    default: 40,
    min: 1,
    max: 100_000,
    help: "directed messages one player may receive at once",
  },
  CHAT_ALL_ROOMS_LINES_PER_MINUTE: {
    kind: "int",
    default: 600,
    min: 1,
    max: 1_000_000,
    help: "chat lines all users behind one address may send per minute across all rooms together",
  },
  CHAT_ALL_ROOMS_BURST: {
    kind: "int",
    default: 100,
    min: 1,
    max: 100_000,
    help: "chat lines all users behind one address may send at once across all rooms",
  },
  CHAT_ALL_ROOMS_LEASE: {
    kind: "int",
    default: 10,
    min: 1,
    max: 10_000,
    help: "lines of that budget a room takes at a time and spends locally (one call to the limiter per lease)",
  },
  FULL_UPDATES_PER_MINUTE: {
    kind: "int",
    default: 6,
    min: 1,
    max: 1_000_000,
    help: "request_full_update (110) one connection may make per minute once its burst is spent",
  },
  FULL_UPDATE_BURST: {
    kind: "int",
    default: 3,
    min: 1,
    max: 10_000,
    help: "request_full_update one connection may make at once",
  },
  SOCIAL_QUERIES_PER_MINUTE: {
    kind: "int",
    default: 30,
    min: 1,
    max: 100_000,
    help: "searches and buddy/order messages (116-120) one client may send per minute; more get an empty answer",
  },
  RESULTS_REPORT_WINDOW_SECONDS: {
    kind: "int",
    default: 30,
    min: 1,
    max: 3600,
    help: "after a game's first score report (or its host leaving), how long the other players' reports are awaited",
  },
  RESULTS_RECOMPUTE_MINUTES: {
    kind: "int",
    default: 60,
    min: 1,
    max: 10080,
    help: "how often every caste and leaderboard place is recomputed in full (inactivity widens ratings)",
  },
  RATING_INACTIVITY_TAU: {
    kind: "int",
    default: 100,
    min: 0,
    max: 100000,
    help: "uncertainty added per sqrt(day) without a rated game, in thousandths of a rating point (0: off)",
  },
  WEB_SESSION_HOURS: {
    kind: "int",
    default: 12,
    min: 1,
    max: 720,
    help: "how long a dashboard (web) sign-in lasts before signing in again",
  },
  ALLOW_SELF_REGISTRATION: {
    kind: "bool",
    default: false,
    help: "may anyone create an account on /account/register (at most SELF_REGISTRATIONS_PER_DAY per address)",
  },
  SELF_REGISTRATIONS_PER_DAY: {
    kind: "int",
    default: 3,
    min: 1,
    max: 10_000,
    help: "accounts one address may create on /account/register per day (when ALLOW_SELF_REGISTRATION)",
  },
  FILM_MAX_BYTES: {
    kind: "int",
    default: 16 * 1024 * 1024,
    min: 4096,
    max: 512 * 1024 * 1024,
    help: "bytes one film may take (header and commands); past it the recording is cut and the game goes on",
  },
  FILM_MAX_COMMANDS_PER_SECOND: {
    kind: "int",
    default: 100,
    min: 1,
    max: 100_000,
    help: "sustained recording commands (205) per second from one host (bursts of 10 s worth pass)",
  },
  FILM_RETENTION_DAYS: {
    kind: "int",
    default: 0,
    min: 0,
    max: 36_500,
    help: "days a film is kept in R2; 0 keeps films forever",
  },
  A1_REMOTE_HUBS: {
    kind: "text",
    default: "",
    help: 'JSON array of Aleph One remote hubs [{"id","host","port","protocolVersion"}]; empty: none offered',
  },
} as const satisfies Record<string, EdgeVarSpec>;

export type ConfigVar = keyof typeof EDGE_VARS;

export const CONFIG_VARS = Object.keys(EDGE_VARS) as readonly ConfigVar[];

/** Any object with (some of) the config vars as strings; the Worker's Env fits. */
export type ConfigEnv = { readonly [K in ConfigVar]?: string | undefined };

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const DEFAULT_LOGIN_PORT = EDGE_VARS.LOGIN_PORT.default;
export const DEFAULT_ROOM_CAPACITY = 32;
export const DEFAULT_MAX_ROOM_CAPACITY = EDGE_VARS.MAX_ROOM_CAPACITY.default;
/** First room port (GoS room_start_port); rooms without a port take the next free one. */
export const FIRST_ROOM_PORT = 6323;
/** Room MOTD limit in the Bungie room daemon (PROTOCOL.md §11). */
const MAX_JOIN_MESSAGE_LENGTH = 255;
const MAX_JOIN_MESSAGES = 32;
const MAX_ROOM_NAME_LENGTH = 63;

/**
 * The default set mirrors GoS for Myth II: rooms 0-5 on ports 6323-6328, two unranked, two
 * ranked, two tournament. GoS marks every room as supporting films and all but the first as
 * requiring them (metaserver_config.d). Myth TFL, Myth III and Aleph One get one unranked
 * room each on the next ports; their clients see room_id 0 (A1S also announces room 0).
 */
export const DEFAULT_ROOMS: readonly RoomConfigInput[] = [
  { id: 0, name: "Unranked", game: "myth2", type: "unranked", films: "supported" },
  { id: 1, name: "Unranked (films)", game: "myth2", type: "unranked", films: "required" },
  { id: 2, name: "Ranked", game: "myth2", type: "ranked", films: "required" },
  { id: 3, name: "Ranked 2", game: "myth2", type: "ranked", films: "required" },
  { id: 4, name: "Tournament", game: "myth2", type: "tournament", films: "required" },
  { id: 5, name: "Tournament 2", game: "myth2", type: "tournament", films: "required" },
  { id: 6, wireId: 0, name: "Myth TFL", game: "myth1", type: "unranked" },
  { id: 7, wireId: 0, name: "Myth III", game: "myth3", type: "unranked" },
  { id: 8, wireId: 0, name: "Aleph One", game: "marathon", type: "unranked" },
];

let cached: { key: string; config: EdgeConfig } | null = null;
const byEnv = new WeakMap<object, EdgeConfig>();

/** Reads and validates the configuration; throws ConfigError with a message saying what is wrong. */
export function loadConfig(env: ConfigEnv): EdgeConfig {
  // The Worker and its objects get the same env object for every event: parse once per object
  // (per-login and per-message callers ask often). Tests pass other env objects: then by value.
  const known = byEnv.get(env);
  if (known) return known;
  const key = JSON.stringify(CONFIG_VARS.map((v) => env[v] ?? null));
  if (cached?.key === key) {
    byEnv.set(env, cached.config);
    return cached.config;
  }

  const loginPort = intVar(env, "LOGIN_PORT");
  const maxRoomCapacity = intVar(env, "MAX_ROOM_CAPACITY");
  const roomHost = blank(env.ROOM_HOST) ? null : (env.ROOM_HOST as string).trim();
  if (roomHost !== null && parseIPv4(roomHost) === null) {
    throw new ConfigError(`ROOM_HOST must be a dotted IPv4 address, got ${JSON.stringify(roomHost)}`);
  }
  const perMinute = (name: VarOfKind<"int">) => intVar(env, name) / 60;
  const config: EdgeConfig = {
    loginPort,
    statusCacheMs: intVar(env, "STATUS_CACHE_SECONDS") * 1000,
    tunnelOut: {
      maxBytesPerSecond: intVar(env, "TUNNEL_OUT_MAX_BYTES_PER_SECOND"),
      overSeconds: intVar(env, "TUNNEL_OUT_OVER_SECONDS"),
    },
    chat: {
      lines: { perSecond: perMinute("CHAT_LINES_PER_MINUTE"), burst: intVar(env, "CHAT_BURST") },
      repeatCost: intVar(env, "CHAT_REPEAT_COST"),
      muteAfter: intVar(env, "CHAT_MUTE_AFTER"),
      muteMs: intVar(env, "CHAT_MUTE_SECONDS") * 1000,
      kickAfter: intVar(env, "CHAT_KICK_AFTER"),
      strikeMemoryMs: intVar(env, "CHAT_STRIKE_MEMORY_SECONDS") * 1000,
      addressLines: { perSecond: perMinute("CHAT_ADDRESS_LINES_PER_MINUTE"), burst: intVar(env, "CHAT_ADDRESS_BURST") },
      whisperTarget: { perSecond: perMinute("WHISPER_TARGET_PER_MINUTE"), burst: intVar(env, "WHISPER_TARGET_BURST") },
      fullUpdates: { perSecond: perMinute("FULL_UPDATES_PER_MINUTE"), burst: intVar(env, "FULL_UPDATE_BURST") },
      allRooms: { perSecond: perMinute("CHAT_ALL_ROOMS_LINES_PER_MINUTE"), burst: intVar(env, "CHAT_ALL_ROOMS_BURST") },
      lease: intVar(env, "CHAT_ALL_ROOMS_LEASE"),
    },
    login: {
      timeoutMs: intVar(env, "LOGIN_TIMEOUT_SECONDS") * 1000,
      lingerMs: intVar(env, "LOGIN_LINGER_SECONDS") * 1000,
      maxFailures: intVar(env, "LOGIN_MAX_FAILURES"),
      failureWindowMs: intVar(env, "LOGIN_FAILURE_WINDOW_SECONDS") * 1000,
      guestPerMinute: intVar(env, "GUEST_LOGINS_PER_MINUTE"),
      guestBurst: intVar(env, "GUEST_LOGIN_BURST"),
      accountPerMinute: intVar(env, "ACCOUNT_LOGINS_PER_MINUTE"),
      accountBurst: intVar(env, "ACCOUNT_LOGIN_BURST"),
      accountFreeFailures: intVar(env, "LOGIN_ACCOUNT_FREE_FAILURES"),
      accountDelayMs: intVar(env, "LOGIN_ACCOUNT_DELAY_SECONDS") * 1000,
      accountMaxDelayMs: intVar(env, "LOGIN_ACCOUNT_MAX_DELAY_SECONDS") * 1000,
      hashConcurrency: intVar(env, "LOGIN_HASH_CONCURRENCY"),
      hashQueue: intVar(env, "LOGIN_HASH_QUEUE"),
    },
    allowGuests: boolVar(env, "ALLOW_GUESTS"),
    minimumVersions: {
      myth2AppVersion: intVar(env, "MIN_MYTH2_APP_VERSION"),
      myth2Build: intVar(env, "MIN_MYTH2_BUILD"),
      legacyPatch: intVar(env, "MIN_LEGACY_PATCH"),
    },
    tokenGraceSeconds: intVar(env, "TOKEN_GRACE_SECONDS"),
    tokenMaxAgeSeconds: intVar(env, "TOKEN_MAX_AGE_SECONDS"),
    reconcileSeconds: intVar(env, "RECONCILE_SECONDS"),
    maxRoomCapacity,
    roomHost,
    rooms: parseRooms(env.ROOM_CONFIG, { loginPort, maxRoomCapacity }),
    socialQueriesPerMinute: intVar(env, "SOCIAL_QUERIES_PER_MINUTE"),
    results: {
      reportWindowMs: intVar(env, "RESULTS_REPORT_WINDOW_SECONDS") * 1000,
      recomputeMs: intVar(env, "RESULTS_RECOMPUTE_MINUTES") * 60_000,
      inactivityTau: intVar(env, "RATING_INACTIVITY_TAU") / 1000,
    },
    webSessionHours: intVar(env, "WEB_SESSION_HOURS"),
    selfRegistration: {
      allowed: boolVar(env, "ALLOW_SELF_REGISTRATION"),
      perDay: intVar(env, "SELF_REGISTRATIONS_PER_DAY"),
    },
    remoteHubs: remoteHubsVar(env.A1_REMOTE_HUBS),
    films: {
      maxBytes: intVar(env, "FILM_MAX_BYTES"),
      maxCommandsPerSecond: intVar(env, "FILM_MAX_COMMANDS_PER_SECOND"),
      retentionDays: intVar(env, "FILM_RETENTION_DAYS"),
    },
  };
  cached = { key, config };
  byEnv.set(env, config);
  return config;
}

function parseRooms(json: string | undefined, limits: { loginPort: number; maxRoomCapacity: number }): RoomConfig[] {
  if (blank(json)) return normalizeRooms(DEFAULT_ROOMS, limits);
  let raw: unknown;
  try {
    raw = JSON.parse(json as string);
  } catch (e) {
    throw new ConfigError(`ROOM_CONFIG is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError("ROOM_CONFIG must be a non-empty JSON array");
  return normalizeRooms(raw as unknown[], limits);
}

/** Validates room inputs and fills in defaults; exported so tools can check a ROOM_CONFIG. */
export function normalizeRooms(
  inputs: readonly unknown[],
  limits: { loginPort: number; maxRoomCapacity: number } = {
    loginPort: DEFAULT_LOGIN_PORT,
    maxRoomCapacity: DEFAULT_MAX_ROOM_CAPACITY,
  },
): RoomConfig[] {
  const rooms: RoomConfig[] = [];
  const ids = new Set<number>();
  const ports = new Set<number>([limits.loginPort]);
  let nextPort = FIRST_ROOM_PORT;
  inputs.forEach((input, index) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new ConfigError(`ROOM_CONFIG[${index}] must be an object`);
    }
    const r = input as Record<string, unknown>;
    // Name the room by its id too when it has one, so an operator finds it in a long file.
    const where = Number.isInteger(r.id) ? `ROOM_CONFIG[${index}] (room ${r.id})` : `ROOM_CONFIG[${index}]`;
    const known = ["id", "wireId", "name", "game", "type", "port", "capacity", "guests", "joinMessages", "films"];
    for (const k of Object.keys(r)) if (!known.includes(k)) throw new ConfigError(`${where}: unknown field "${k}"`);

    const id = intField(r.id, `${where}.id`, 0, 32767);
    if (ids.has(id)) throw new ConfigError(`${where}.id ${id} is used by another room`);
    ids.add(id);
    const wireId = r.wireId === undefined ? id : intField(r.wireId, `${where}.wireId`, 0, 32767);
    const game = enumField(r.game, `${where}.game`, GAMES);
    const type = enumField(r.type, `${where}.type`, ROOM_TYPES);
    const name = r.name === undefined ? `Room ${id}` : stringField(r.name, `${where}.name`, MAX_ROOM_NAME_LENGTH);
    if (name.length === 0) throw new ConfigError(`${where}.name must not be empty`);

    let port: number;
    if (r.port === undefined) {
      while (ports.has(nextPort)) nextPort++;
      port = nextPort;
    } else {
      port = intField(r.port, `${where}.port`, 1, 65535);
      if (ports.has(port)) throw new ConfigError(`${where}.port ${port} is already used (login port or another room)`);
    }
    ports.add(port);
    if (port >= nextPort) nextPort = port + 1;

    const capacity =
      r.capacity === undefined
        ? Math.min(DEFAULT_ROOM_CAPACITY, limits.maxRoomCapacity)
        : intField(r.capacity, `${where}.capacity`, 1, limits.maxRoomCapacity);
    const guests = r.guests === undefined ? type === "unranked" : boolField(r.guests, `${where}.guests`);
    const joinMessages = r.joinMessages === undefined ? [] : stringList(r.joinMessages, `${where}.joinMessages`);
    const films = r.films === undefined ? undefined : enumField(r.films, `${where}.films`, ["supported", "required"]);

    rooms.push({ id, wireId, name, game, type, port, capacity, guests, joinMessages, ...(films ? { films } : {}) });
  });
  return rooms;
}

export function roomById(config: EdgeConfig, id: number): RoomConfig | undefined {
  return config.rooms.find((r) => r.id === id);
}

function remoteHubsVar(json: string | undefined): RemoteHub[] {
  if (blank(json)) return [];
  try {
    return parseRemoteHubs(json as string);
  } catch (e) {
    throw new ConfigError(`A1_REMOTE_HUBS ${(e as Error).message}`);
  }
}

function blank(v: string | undefined): boolean {
  return v === undefined || v.trim() === "";
}

type VarOfKind<K extends EdgeVarSpec["kind"]> = {
  [V in ConfigVar]: (typeof EDGE_VARS)[V]["kind"] extends K ? V : never;
}[ConfigVar];

function intVar(env: ConfigEnv, name: VarOfKind<"int">): number {
  const spec: IntVar = EDGE_VARS[name];
  const v = env[name];
  if (blank(v)) return spec.default;
  const n = Number((v as string).trim());
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
    throw new ConfigError(`${name} must be an integer from ${spec.min} to ${spec.max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

function boolVar(env: ConfigEnv, name: VarOfKind<"bool">): boolean {
  const v = env[name];
  if (blank(v)) return EDGE_VARS[name].default;
  const s = (v as string).trim().toLowerCase();
  if (s === "true" || s === "1" || s === "yes") return true;
  if (s === "false" || s === "0" || s === "no") return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(v)}`);
}

function intField(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${where} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function boolField(v: unknown, where: string): boolean {
  if (typeof v !== "boolean") throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function stringField(v: unknown, where: string, maxLength: number): string {
  if (typeof v !== "string") throw new ConfigError(`${where} must be a string, got ${JSON.stringify(v)}`);
  if (v.length > maxLength) throw new ConfigError(`${where} is longer than ${maxLength} characters`);
  return v;
}

function stringList(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) throw new ConfigError(`${where} must be an array of strings`);
  if (v.length > MAX_JOIN_MESSAGES) throw new ConfigError(`${where} has more than ${MAX_JOIN_MESSAGES} lines`);
  return v.map((line, i) => stringField(line, `${where}[${i}]`, MAX_JOIN_MESSAGE_LENGTH));
}

function enumField<T extends string>(v: unknown, where: string, allowed: readonly T[]): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(`${where} must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}
