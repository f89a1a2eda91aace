/**
 * Whole client conversations on top of LegacyClient: the login sequence of each dialect
 * (PROTOCOL.md §7.1–§7.3) and a room session (§7.4) with helpers for chat, games and modes.
 */
import { DIALECT_TRAITS, type Dialect } from "../protocol/dialect.ts";
import { familyOf, familyTraits } from "../protocol/families.ts";
import { MessageType } from "../protocol/message-types.ts";
import {
  type ChatHeader,
  type DirectedDataMessage,
  encodePlayerData,
  type GameListEntry,
  type LoginMessage,
  type Message,
  type PasswordResponseMessage,
  type PlayerData,
  type PlayerListEntry,
  type RgbColor,
  type RoomBroadcastMessage,
  type RoomInfo,
  ServerMessageCode,
  Verb,
  type VersionControlMessage,
} from "../protocol/messages.ts";
import { braindeadSimple, PasswordType, plaintextPasswordBytes } from "../protocol/password.ts";
import {
  decodeGameData,
  encodeGameData,
  gameDescription,
  TICKS_PER_SECOND,
} from "../protocol/structs/game-description.ts";
import { ClientTimeoutError, type ConnectOptions, LegacyClient } from "./legacy-client.ts";

export { type RoomInfo, ServerMessageCode };

/** The server answered with server_message (3) where the flow expected something else. */
export class ServerRefusal extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(`server refused with code ${code}: ${text}`);
    this.name = "ServerRefusal";
  }
}

export interface LoginOptions {
  readonly dialect: Dialect;
  /** Login name; "" (with an empty password) logs in as a guest where the server allows it. */
  readonly user: string;
  readonly password: string;
  readonly nick?: string;
  readonly team?: string;
  /** version_control build ("bnupdate_version"); Myth II 1.8 needs ≥ 427. */
  readonly build?: number;
  /** version_control application version; Myth II 1.8 needs ≥ 2180. */
  readonly appVersion?: number;
  /** version_control patch number; MythDev needs ≥ 3. */
  readonly patch?: number;
  /** Override the login application string (tests of unknown applications). */
  readonly application?: string;
  /** Override session encryption (default: the dialect's). */
  readonly encrypt?: boolean;
  /** Player data to send; default built from nick/team/version. */
  readonly playerData?: PlayerData;
  readonly timeoutMs?: number;
  /** Local IPv4 to connect from (tests of per-address rules). */
  readonly localAddress?: string;
}

export interface LoginResult {
  readonly userId: number;
  readonly order: number;
  /** 32-byte handoff token for room_login. */
  readonly token: Uint8Array;
  readonly rooms: RoomInfo[];
  /** The player data the server holds for us (message 8), or what we sent when it sent none. */
  readonly playerData: PlayerData;
  /** authentication_type the server chose (null when it skipped the challenge, e.g. A1 guests). */
  readonly authenticationType: number | null;
}

/** Client-side defaults per dialect (what the real clients send; values we could not source are marked). */
const VERSION_DEFAULTS: Record<Dialect, { platform: number; appVersion: number; patch: number; build: number }> = {
  // Myth II 1.8.x on Windows (GoS requires app ≥ 2180, build ≥ 427).
  myth2: { platform: 201, appVersion: 2180, patch: 0, build: 428 },
  // Myth II 1.5 MythDev (MythDev requires patch ≥ 3); build is not checked by Bungie/MythDev.
  "myth2-legacy": { platform: 200, appVersion: 2150, patch: 3, build: 0 },
  // TFL / Myth III: no source gives their numbers; chosen in the same style.
  myth1: { platform: 200, appVersion: 1300, patch: 3, build: 0 },
  myth3: { platform: 200, appVersion: 3000, patch: 3, build: 0 },
  // Aleph One always sends 1, 2, 3, 0 (§5.5).
  marathon: { platform: 1, appVersion: 2, patch: 3, build: 0 },
};

/** How long the stream must stay silent before the initial lists count as complete. */
const INITIAL_LIST_SETTLE_MS = 50;

const RED: RgbColor = { red: 0xff00, green: 0, blue: 0, flags: 0 };
const BLUE: RgbColor = { red: 0, green: 0, blue: 0xff00, flags: 0 };

/** Player data as the client would send it (§4.2). */
export function defaultPlayerData(
  dialect: Dialect,
  nick: string,
  team = "",
  versions: { appVersion?: number; build?: number } = {},
): PlayerData {
  const d = VERSION_DEFAULTS[dialect];
  return {
    coatOfArms: 3,
    casteBitmap: 0,
    state: 0,
    primaryColor: RED,
    secondaryColor: BLUE,
    orderIndex: -1,
    // Aleph One puts 5000 here (§4.2); Myth its application version.
    gameVersion: dialect === "marathon" ? 5000 : (versions.appVersion ?? d.appVersion),
    buildNumber: dialect === "marathon" ? 0 : (versions.build ?? d.build),
    nick,
    team,
  };
}

/**
 * Logs in on the user/login server and returns the handoff token and room list.
 * Myth II 1.8 (GoS order, §7.1): 203 exchange, 100 → 6 → 109 → 12 → 115 → 7, 8, 0.
 * Older Myth (Bungie order, §7.2): the same messages, unencrypted.
 * Aleph One (§7.3): A1 login layout; 6 (registered) or 12 (guest, no password step).
 */
export async function login(host: string, port: number, options: LoginOptions): Promise<LoginResult> {
  const { dialect } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const connect: ConnectOptions = { dialect, encrypt: options.encrypt, timeoutMs, localAddress: options.localAddress };
  const client = await LegacyClient.connect(host, port, connect);
  try {
    return await loginOn(client, options, timeoutMs);
  } finally {
    await client.close();
  }
}

/** The three client steps of a login (100, 109, 115), as loginOn sends them (fuzzing starts from these). */
export function loginMessage(options: LoginOptions): LoginMessage {
  const { dialect } = options;
  const traits = DIALECT_TRAITS[dialect];
  const versions = VERSION_DEFAULTS[dialect];
  const aleph = traits.loginLayout === "aleph-one";
  return {
    type: MessageType.Login,
    layout: traits.loginLayout,
    // Aleph One writes platform first and metaserver version 0 (§5.2); the codec orders the fields.
    metaserverVersion: aleph ? 0 : 1,
    platformType: aleph ? 4 : versions.platform,
    flags: 1,
    userId: 0,
    // GoS offers plaintext inside the encrypted session; Bungie-era clients allow scheme 1.
    maxAuthentication: familyOf(dialect) === "gos" ? 0 : 1,
    application: options.application ?? traits.application,
    buildDate: "Jan  1 2020",
    buildTime: "12:00:00",
    username: options.user,
    playerData: encodePlayerData(loginPlayerData(options)),
    countryCode: 0,
  };
}

export function passwordResponseMessage(
  options: LoginOptions,
  challenge: { authenticationType: number; salt: Uint8Array },
): PasswordResponseMessage {
  const aleph = DIALECT_TRAITS[options.dialect].loginLayout === "aleph-one";
  return { type: MessageType.PasswordResponse, password: passwordBytes(options.password, challenge, aleph) };
}

export function versionControlMessage(options: LoginOptions): VersionControlMessage {
  const versions = VERSION_DEFAULTS[options.dialect];
  return {
    type: MessageType.VersionControl,
    platformType: versions.platform,
    applicationVersion: options.appVersion ?? versions.appVersion,
    patchNumber: options.patch ?? versions.patch,
    build: options.build ?? versions.build,
  };
}

function loginPlayerData(options: LoginOptions): PlayerData {
  const versions = VERSION_DEFAULTS[options.dialect];
  const appVersion = options.appVersion ?? versions.appVersion;
  const build = options.build ?? versions.build;
  return (
    options.playerData ??
    defaultPlayerData(options.dialect, options.nick ?? options.user, options.team ?? "", { appVersion, build })
  );
}

async function loginOn(client: LegacyClient, options: LoginOptions, timeoutMs: number): Promise<LoginResult> {
  client.send(loginMessage(options));
  // A1 guests get 12 (accept) straight away; everyone else gets the password challenge first.
  const first = await expectOneOf(client, [MessageType.PasswordChallenge, MessageType.SendVersions], timeoutMs);
  let authenticationType: number | null = null;
  if (first.type === MessageType.PasswordChallenge) {
    authenticationType = first.authenticationType;
    client.send(passwordResponseMessage(options, first));
    await expectOneOf(client, [MessageType.SendVersions], timeoutMs);
  }
  client.send(versionControlMessage(options));
  const success = await expectOneOf(client, [MessageType.UserSuccessfulLogin], timeoutMs);
  // 8 (player data from the metaserver) is optional and comes before the room list.
  let playerData = loginPlayerData(options);
  for (;;) {
    const m = await expectOneOf(client, [MessageType.SetPlayerDataFromMetaserver, MessageType.RoomList], timeoutMs);
    if (m.type === MessageType.SetPlayerDataFromMetaserver) {
      playerData = m.player;
      continue;
    }
    return {
      userId: success.userId,
      order: success.order,
      token: success.token,
      rooms: [...m.rooms],
      playerData,
      authenticationType,
    };
  }
}

function passwordBytes(
  password: string,
  challenge: { authenticationType: number; salt: Uint8Array },
  aleph: boolean,
): Uint8Array {
  if (challenge.authenticationType === PasswordType.BraindeadSimple) {
    return braindeadSimple(password, challenge.salt, "nul");
  }
  const plain = plaintextPasswordBytes(password);
  if (!aleph) return plain;
  // Aleph One always sends a 16-byte buffer (§5.4).
  const out = new Uint8Array(16);
  out.set(plain.subarray(0, 16));
  return out;
}

/**
 * The next message of one of the given types; a server_message (3) in its place becomes a
 * ServerRefusal. Other messages (keepalives, blue-bar text) stay buffered.
 */
export async function expectOneOf<T extends Message["type"]>(
  client: LegacyClient,
  types: readonly T[],
  timeoutMs: number,
): Promise<Extract<Message, { type: T }>> {
  const m = await client.next(
    (msg) => (types as readonly number[]).includes(msg.type) || msg.type === MessageType.ServerMessage,
    timeoutMs,
  );
  if (m.type === MessageType.ServerMessage && !(types as readonly number[]).includes(MessageType.ServerMessage)) {
    throw new ServerRefusal(m.code, m.text);
  }
  return m as Extract<Message, { type: T }>;
}

// ------------------------------------------------------------------------------------ rooms

export interface JoinRoomOptions {
  readonly dialect: Dialect;
  readonly token: Uint8Array;
  readonly userName: string;
  readonly playerData: PlayerData;
  readonly encrypt?: boolean;
  /** Send set_player_data (103) right after room_login, as real clients do. Default true. */
  readonly sendPlayerData?: boolean;
  readonly timeoutMs?: number;
  /** Keep every received message in client.history. */
  readonly keepHistory?: boolean;
  /** The client answers server keepalives (202) itself unless this is false. */
  readonly answerKeepalives?: boolean;
  /** Local IPv4 to connect from (tests of per-address rules). */
  readonly localAddress?: string;
}

/**
 * room_login (101) + set_player_data (103), then 9 and 3 (code 8), then the initial player and
 * game lists. Throws ServerRefusal when the room answers 3 with another code.
 */
export async function joinRoom(host: string, port: number, options: JoinRoomOptions): Promise<RoomSession> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const client = await LegacyClient.connect(host, port, {
    dialect: options.dialect,
    encrypt: options.encrypt,
    timeoutMs,
    keepHistory: options.keepHistory,
    answerKeepalives: options.answerKeepalives,
    localAddress: options.localAddress,
  });
  const session = new RoomSession(client, options);
  try {
    client.send({ type: MessageType.RoomLogin, token: options.token, userName: options.userName });
    if (options.sendPlayerData ?? true) client.send({ type: MessageType.SetPlayerData, player: options.playerData });
    await expectOneOf(client, [MessageType.RoomLoginSuccessful], timeoutMs);
    const status = await expectOneOf(client, [MessageType.ServerMessage], timeoutMs);
    if (status.code !== ServerMessageCode.LoginSuccessful) throw new ServerRefusal(status.code, status.text);
    // userId and maxPlayers are already set from 9 as it arrived (see apply).
    await session.awaitInitialLists(timeoutMs);
    return session;
  } catch (err) {
    client.destroy();
    throw err;
  }
}

export interface ChatOptions {
  readonly color?: RgbColor;
  readonly selectedPlayerId?: number;
  /** Forge the sender id in the chat header (the server must not trust it). */
  readonly senderId?: number;
  readonly senderName?: string;
}

export interface CreateGameOptions extends GameDataOptions {
  readonly port?: number;
  readonly order?: number;
}

/** A connected room: keeps players and games up to date from every 1/2 message it receives. */
export class RoomSession {
  userId = 0;
  maxPlayers = 0;
  readonly players = new Map<number, PlayerListEntry>();
  readonly games = new Map<number, GameListEntry>();
  /** Latest room list the room sent (message 0). */
  rooms: RoomInfo[] = [];
  /** Blue-bar lines (message 10) received so far. */
  readonly messagesOfTheDay: string[] = [];
  /** Set when the server kicked us (message 21). */
  kickedReason: string | null = null;
  private ownDataSeen = false;
  private ownEntriesSeen = 0;
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly client: LegacyClient,
    private readonly options: JoinRoomOptions,
  ) {
    client.on("message", ({ message }) => {
      this.apply(message);
      for (const watch of [...this.watchers]) watch();
    });
    client.on("close", () => {
      for (const watch of [...this.watchers]) watch();
    });
  }

  get dialect(): Dialect {
    return this.options.dialect;
  }

  get nick(): string {
    return this.options.playerData.nick;
  }

  private apply(message: Message): void {
    switch (message.type) {
      case MessageType.RoomLoginSuccessful:
        // Set on arrival, before any list that follows it in the same TCP chunk is applied.
        this.userId = message.userId;
        this.maxPlayers = message.maximumPlayersPerRoom;
        break;
      case MessageType.PlayerList:
        for (const entry of message.players) {
          if (entry.aux.playerId === this.userId && entry.aux.verb === Verb.Add) this.ownEntriesSeen++;
          if (entry.aux.verb === Verb.Delete) this.players.delete(entry.aux.playerId);
          else this.players.set(entry.aux.playerId, entry);
        }
        break;
      case MessageType.SetPlayerDataFromMetaserver:
        this.ownDataSeen = true;
        break;
      case MessageType.GameList:
        for (const entry of message.games) {
          if (entry.aux.verb === Verb.Delete) this.games.delete(entry.aux.gameId);
          else this.games.set(entry.aux.gameId, entry);
        }
        break;
      case MessageType.RoomList:
        this.rooms = [...message.rooms];
        break;
      case MessageType.MessageOfTheDay:
        this.messagesOfTheDay.push(message.text);
        break;
      case MessageType.YouJustGotBlammedSucka:
        this.kickedReason = message.reason;
        break;
      default:
        break;
    }
  }

  /**
   * No family marks the end of the initial lists (§7.4), so we wait for what ends them in
   * practice: Bungie-order rooms send 8 (our own data) after the lists; GoS rooms send our own
   * entry twice (the join broadcast, then the full list); Aleph One rooms once (the full list).
   * Then we let the stream go quiet briefly so the game list that follows is in. Our own entry
   * is required; the markers only shorten the wait.
   */
  async awaitInitialLists(timeoutMs: number): Promise<void> {
    await this.waitFor(() => this.players.has(this.userId), timeoutMs, "our own entry in the player list");
    const traits = familyTraits(this.dialect);
    const ownEntries = traits.seesOwnJoin ? 2 : 1;
    const marker = traits.listedOnJoin ? () => this.ownEntriesSeen >= ownEntries : () => this.ownDataSeen;
    await this.waitFor(marker, Math.min(timeoutMs, 1_000), "the end of the initial lists").catch(() => {});
    await this.quiet(INITIAL_LIST_SETTLE_MS, Math.min(timeoutMs, 1_000));
  }

  /** Resolves once no message has arrived for `quietMs` (or after `maxMs` in any case). */
  quiet(quietMs: number, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      let timer = setTimeout(finish, quietMs);
      const deadline = setTimeout(finish, maxMs);
      const watch = () => {
        clearTimeout(timer);
        timer = setTimeout(finish, quietMs);
      };
      this.watchers.add(watch);
      const self = this;
      function finish() {
        clearTimeout(timer);
        clearTimeout(deadline);
        self.watchers.delete(watch);
        resolve();
      }
    });
  }

  /** Resolves once `condition` holds (checked now and after every received message). */
  waitFor(condition: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.watchers.delete(watch);
        if (err) reject(err);
        else resolve();
      };
      const watch = () => {
        if (condition()) done();
        else if (!this.client.isOpen) done(new Error(`connection closed while waiting for ${what}`));
      };
      const timer = setTimeout(
        () => done(new ClientTimeoutError(`${this.nick}: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.watchers.add(watch);
    });
  }

  waitForPlayer(playerId: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.players.has(playerId), timeoutMs, `player ${playerId} in the list`);
  }

  waitForPlayerGone(playerId: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => !this.players.has(playerId), timeoutMs, `player ${playerId} to leave`);
  }

  private chatHeader(options: ChatOptions): ChatHeader {
    return {
      chatType: 0,
      color: options.color ?? this.options.playerData.primaryColor,
      flags: 0,
      playerId: options.senderId ?? this.userId,
      selectedPlayerId: options.selectedPlayerId ?? 0,
    };
  }

  /** Public chat (200). */
  chat(text: string, options: ChatOptions = {}): void {
    this.client.send({
      type: MessageType.RoomBroadcast,
      header: this.chatHeader(options),
      senderName: options.senderName ?? this.nick,
      text,
    });
  }

  /** Private message (201); with echo the server sends a copy back to us. */
  whisper(targetId: number, text: string, echo = true, options: ChatOptions = {}): void {
    this.client.send({
      type: MessageType.DirectedData,
      targetPlayerId: targetId,
      echo,
      header: { ...this.chatHeader({ selectedPlayerId: targetId, ...options }), flags: 0 },
      senderName: options.senderName ?? this.nick,
      text,
    });
  }

  nextChat(timeoutMs?: number): Promise<RoomBroadcastMessage> {
    return this.client.next(MessageType.RoomBroadcast, timeoutMs);
  }

  nextPrivate(timeoutMs?: number): Promise<DirectedDataMessage> {
    return this.client.next(MessageType.DirectedData, timeoutMs);
  }

  /** create_game (104); sending it again updates the game. Returns the game data sent. */
  createGame(options: CreateGameOptions): Uint8Array {
    const gameData = buildGameData(options);
    this.client.send({ type: MessageType.CreateGame, port: options.port ?? 3453, order: options.order ?? 0, gameData });
    return gameData;
  }

  /** start_game (114): seconds for Myth, ticks (30/s, INT32_MIN = untimed) for Aleph One. */
  startGame(seconds: number | null): void {
    const ticks = DIALECT_TRAITS[this.dialect].startGameUnit === "ticks";
    const gameTime = seconds === null ? (ticks ? -0x80000000 : 0) : ticks ? seconds * 30 : seconds;
    this.client.send({ type: MessageType.StartGame, gameTime });
  }

  removeGame(): void {
    this.client.send({ type: MessageType.RemoveGame });
  }

  /** set_player_mode (107): deaf clients receive no room traffic. */
  setMode(deaf: boolean): void {
    this.client.send({ type: MessageType.SetPlayerMode, mode: deaf ? 1 : 0 });
  }

  /** set_player_data (103), e.g. to flip state to "in game". */
  setPlayerData(player: PlayerData): void {
    this.client.send({ type: MessageType.SetPlayerData, player });
  }

  /** Leaves the room: optional logout (102), then closes the connection. */
  async leave(options: { logout?: boolean } = {}): Promise<void> {
    if (options.logout && this.client.isOpen) this.client.send({ type: MessageType.Logout });
    await this.client.close();
  }
}

// ------------------------------------------------------------------------------- game data

export interface GameDataOptions {
  readonly name: string;
  readonly map: string;
  readonly maxPlayers?: number;
  /** Scoring (§4.8), 0 = body count. */
  readonly scoring?: number;
  /** Seconds; ≤ 0 ⇒ untimed. Stored as ticks (30/s) like the game does. */
  readonly timeLimit?: number;
  readonly playerCount?: number;
  readonly optionFlags?: number;
  readonly difficulty?: number;
}

/** A valid game data blob (§4.7): the description the options give, the game name and the map name. */
export function buildGameData(options: GameDataOptions): Uint8Array {
  const timeLimit = options.timeLimit ?? 0;
  const maxPlayers = options.maxPlayers ?? 16;
  return encodeGameData({
    description: gameDescription({
      scoring: options.scoring ?? 0,
      optionFlags: options.optionFlags ?? 0,
      timeLimit: timeLimit > 0 ? timeLimit * TICKS_PER_SECOND : -1,
      scenarioTag: 0x12345678, // map checksum
      difficulty: options.difficulty ?? 2,
      maxPlayers,
      maxTeams: maxPlayers,
      randomSeed: 0xcafe,
      pregameTimeLimit: 60 * TICKS_PER_SECOND,
      playerCount: options.playerCount ?? 1,
    }),
    name: options.name,
    map: options.map,
  });
}

export interface GameDataSummary {
  readonly scoring: number;
  readonly timeLimitTicks: number;
  readonly maxPlayers: number;
  readonly playerCount: number;
  readonly name: string;
  readonly map: string;
}

/** Reads back the fields buildGameData writes; null when the blob is not a Myth game description. */
export function describeGameData(gameData: Uint8Array): GameDataSummary | null {
  const decoded = decodeGameData(gameData);
  if (!decoded.ok) return null;
  const { description: d, name, map } = decoded.value;
  return {
    scoring: d.scoring,
    timeLimitTicks: d.timeLimit,
    maxPlayers: d.maxPlayers,
    playerCount: d.playerCount,
    name,
    map,
  };
}
