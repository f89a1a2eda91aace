/** fast-check arbitraries for every message, per dialect (used by messages.property.test.ts). */
import fc from "fast-check";
import { DIALECT_TRAITS, type Dialect } from "../../protocol/dialect.ts";
import { decodeMacRoman } from "../../protocol/macroman.ts";
import type {
  ChatHeader,
  GameAux,
  GameListEntry,
  GameRankData,
  Message,
  OverallRankingData,
  PlayerAux,
  PlayerData,
  PlayerInfo,
  PlayerListEntry,
  PlayerSearchEntry,
  PlayerStanding,
  RgbColor,
  RoomInfo,
  ScoreDatum,
  TeamStanding,
} from "../../protocol/messages.ts";

/** Plain objects (fast-check may otherwise build null-prototype records). */
// biome-ignore lint/suspicious/noExplicitAny: mirrors fc.record's own generic signature
const record: typeof fc.record = ((model: any, constraints?: any) =>
  fc.record(model, { ...constraints, noNullPrototype: true })) as typeof fc.record;

/** Any Mac Roman character but NUL, so text survives the round trip. */
const macRomanChar = fc.integer({ min: 1, max: 255 }).map((b) => decodeMacRoman(Uint8Array.of(b)));
export const text = (maxLength: number) => fc.string({ unit: macRomanChar, maxLength, size: "max" });
const i8 = fc.integer({ min: -128, max: 127 });
const u8 = fc.integer({ min: 0, max: 255 });
const i16 = fc.integer({ min: -32768, max: 32767 });
const u16 = fc.integer({ min: 0, max: 65535 });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** size "max" so lengths up to the protocol limits are really tried, not just the first few bytes. */
const blob = (maxLength: number) => fc.uint8Array({ maxLength, size: "max" });
const verb = fc.constantFrom(0 as const, 1 as const, 2 as const);

export const rgb: fc.Arbitrary<RgbColor> = record({ red: u16, green: u16, blue: u16, flags: u16 });

export const playerData: fc.Arbitrary<PlayerData> = record({
  coatOfArms: i8,
  casteBitmap: i8,
  state: i16,
  primaryColor: rgb,
  secondaryColor: rgb,
  orderIndex: i16,
  gameVersion: i16,
  buildNumber: i16,
  nick: text(31),
  team: text(31),
});

const playerAux: fc.Arbitrary<PlayerAux> = record({
  verb,
  flags: u16,
  ranking: i32,
  playerId: u32,
  roomId: i32,
  caste: i16,
  order: i16,
});

export const playerEntry: fc.Arbitrary<PlayerListEntry> = record({ aux: playerAux, player: playerData });
const searchEntry: fc.Arbitrary<PlayerSearchEntry> = record({ roomId: i32, aux: playerAux, player: playerData });

export const roomInfo: fc.Arbitrary<RoomInfo> = record({
  roomId: i16,
  playerCount: i16,
  host: u32,
  port: u16,
  gameCount: i16,
  roomType: i16,
  roomFlags: u16,
});

const gameAux: fc.Arbitrary<GameAux> = record({
  gameId: u32,
  host: u32,
  port: u16,
  verb,
  version: i8,
  secondsRemaining: i32,
  creatorId: u32,
});

export const gameEntry = (maxData = 1024): fc.Arbitrary<GameListEntry> =>
  record({ aux: gameAux, gameData: blob(maxData) });

/** Chat header without `length`: the encoder computes it and the decoder reports it. */
const chatHeader: fc.Arbitrary<ChatHeader> = record({
  chatType: i16,
  color: rgb,
  flags: u16,
  playerId: u32,
  selectedPlayerId: u32,
});

const scoreDatum: fc.Arbitrary<ScoreDatum> = record({
  gamesPlayed: i16,
  wins: i16,
  losses: i16,
  ties: i16,
  damageInflicted: i32,
  damageReceived: i32,
  disconnects: i16,
  points: i16,
  rank: i16,
  highestPoints: i16,
  highestRank: i16,
  numericalRanking: u32,
});
const ranking = record({ average: u32, best: u32 });
const gameRank: fc.Arbitrary<GameRankData> = record({
  topRankedPlayer: text(31),
  points: ranking,
  gamesPlayed: ranking,
  wins: ranking,
  damageInflicted: ranking,
  damageReceived: ranking,
});
const sixteen = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 16, maxLength: 16 });
const overall: fc.Arbitrary<OverallRankingData> = record({
  totalUsers: u32,
  totalOrders: u32,
  unranked: gameRank,
  ranked: gameRank,
  rankedByGameType: sixteen(gameRank),
  orderUnranked: gameRank,
  orderRanked: gameRank,
  orderRankedByGameType: sixteen(gameRank),
});
const playerInfo: fc.Arbitrary<PlayerInfo> = record({
  administrator: fc.boolean(),
  bungieEmployee: fc.boolean(),
  orderIndex: i16,
  iconIndex: i16,
  primaryColor: rgb,
  secondaryColor: rgb,
  unrankedScore: scoreDatum,
  rankedScore: scoreDatum,
  rankedScoreByGameType: sixteen(scoreDatum),
  orderUnrankedScore: scoreDatum,
  orderRankedScore: scoreDatum,
  orderRankedScoreByGameType: sixteen(scoreDatum),
  overallRankData: overall,
  login: text(63),
  name: text(63),
  orderName: text(63),
  city: text(63),
  state: text(63),
  country: text(63),
  quote: text(431),
});

const team: fc.Arbitrary<TeamStanding> = record({
  place: i16,
  captainPlayerIndex: i16,
  valid: fc.boolean(),
  eliminated: fc.boolean(),
  timeOfElimination: i32,
});
const standing: fc.Arbitrary<PlayerStanding> = record({
  teamIndex: i16,
  finishedGame: fc.boolean(),
  timePlayed: i32,
  unitsKilled: i32,
  unitsLost: i32,
  pointsKilled: i32,
  pointsLost: i32,
  playerId: u32,
});

function gameScore(dialect: Dialect): fc.Arbitrary<Message> {
  const fixed16 = DIALECT_TRAITS[dialect].scorePlayers === "fixed16";
  const players = fixed16 ? sixteen(standing) : fc.array(standing, { maxLength: 40 });
  return fc
    .record({
      gameId: u32,
      gameEndedCode: i16,
      gameScoring: i16,
      gameVersion: i32,
      timeLimit: i32,
      actualTimeElapsed: i32,
      reportingPlayerId: u32,
      numberOfTeams: fc.integer({ min: 0, max: 16 }),
      teams: sixteen(team),
      players,
      playersReported: fc.integer({ min: 0, max: 40 }),
    })
    .map(({ playersReported, ...rest }) => ({
      type: 112 as const,
      ...rest,
      numberOfPlayers: Math.min(playersReported, fixed16 ? 16 : rest.players.length),
    }));
}

function login(dialect: Dialect): fc.Arbitrary<Message> {
  const aleph = DIALECT_TRAITS[dialect].loginLayout === "aleph-one";
  const application = aleph
    ? fc.constant("MARATHON")
    : fc
        .oneof(fc.constant(DIALECT_TRAITS[dialect].application), text(31))
        .filter((a) => a.toUpperCase() !== "MARATHON");
  return record({
    type: fc.constant(100 as const),
    layout: fc.constant(aleph ? ("aleph-one" as const) : ("myth" as const)),
    metaserverVersion: i16,
    platformType: i16,
    flags: i32,
    userId: u32,
    maxAuthentication: i16,
    application,
    buildDate: text(31),
    buildTime: text(31),
    username: text(31),
    playerData: blob(128),
    countryCode: aleph ? fc.constant(0) : i16,
  });
}

const rec = <N extends number, R extends Record<string, unknown>>(
  type: N,
  fields: { [K in keyof R]: fc.Arbitrary<R[K]> },
) => record({ type: fc.constant(type), ...fields } as never) as fc.Arbitrary<Message>;
const only = (type: number) => fc.constant({ type } as Message);

/** An arbitrary message of the given type, shaped for the dialect where the layout differs. */
export function messageArb(type: number, dialect: Dialect): fc.Arbitrary<Message> {
  const a1 = DIALECT_TRAITS[dialect].remoteHubs;
  switch (type) {
    case 0:
      return rec(0, { rooms: fc.array(roomInfo, { maxLength: 30 }) });
    case 1:
      return rec(1, { players: fc.array(playerEntry, { maxLength: 30 }) });
    case 2:
      return rec(2, { games: fc.array(gameEntry(), { maxLength: 5 }) });
    case 3:
      return rec(3, { code: i32, text: text(127) });
    case 4:
      return rec(4, { code: i32, message: text(200), url: text(200) });
    case 5:
      return rec(5, { flags: i32, chunkType: i32, offset: i32, length: i32, data: blob(500) });
    case 6:
      return rec(6, { authenticationType: i16, salt: bytes(16) });
    case 7:
      return rec(7, { userId: u32, order: i16, token: bytes(32) });
    case 8:
      return record({ aux: playerAux, player: playerData }).map((e) => ({ type: 8 as const, ...e }));
    case 9:
      return rec(9, { userId: u32, maximumPlayersPerRoom: i16 });
    case 10:
      return rec(10, { text: text(1023) });
    case 11:
      return rec(11, { data: blob(500) });
    case 12:
      return only(12);
    case 13:
      return rec(13, { games: fc.array(gameEntry(), { maxLength: 5 }) });
    case 14:
    case 15:
    case 16:
      return rec(type, { results: fc.array(searchEntry, { maxLength: 30 }) });
    case 17:
      return playerInfo.map((info) => ({ type: 17 as const, ...info }));
    case 18:
      return a1
        ? rec(18, {
            variant: fc.constant("remote-hub-list"),
            hubs: fc.array(record({ id: u16, host: u32, port: u16 }), { maxLength: 40 }),
          })
        : rec(18, { variant: fc.constant("update-info"), size: i32, host: u32, port: u16 });
    case 19:
      return rec(19, { buddies: fc.array(record({ playerId: u32, active: u8 }), { maxLength: 16 }) });
    case 20:
      return rec(20, { members: fc.array(record({ playerId: u32, online: fc.boolean() }), { maxLength: 60 }) });
    case 21:
      return rec(21, { reason: text(1023) });
    case 22:
      return rec(22, { port: u16, host: text(47), authToken: bytes(16) });
    case 100:
      return login(dialect);
    case 101:
      return rec(101, { token: bytes(32), userName: text(31) });
    case 102:
    case 105:
    case 110:
    case 113:
    case 118:
    case 119:
    case 202:
      return only(type);
    case 103:
      return rec(103, { player: playerData });
    case 104:
      return rec(104, { port: u16, order: i16, gameData: blob(1024) });
    case 106:
      return rec(106, { roomId: i16 });
    case 107:
      return dialect === "marathon"
        ? rec(107, { mode: fc.constantFrom(0, 1), sessionId: blob(40) })
        : rec(107, { mode: fc.constantFrom(0, 1) });
    case 108:
      return rec(108, { data: blob(500) });
    case 109:
      return rec(109, { password: blob(16) });
    case 111:
      return rec(111, { gameId: u32, playerIds: fc.array(u32, { maxLength: 100 }) });
    case 112:
      return gameScore(dialect);
    case 114:
      return rec(114, { gameTime: i32 });
    case 115:
      return rec(115, { platformType: i32, applicationVersion: i32, patchNumber: i32, build: i32 });
    case 116:
      return rec(116, {
        gameType: i16,
        gameScoring: i16,
        veterans: i16,
        unitTrading: i16,
        teams: i16,
        alliances: i16,
        enemyVisibility: i16,
        gameName: text(31),
        mapName: text(63),
      });
    case 117:
      return rec(117, { query: text(63) });
    case 120:
      return rec(120, { buddyId: u32, add: fc.boolean() });
    case 121:
      return rec(121, { userId: u32 });
    case 122:
      return a1
        ? rec(122, { variant: fc.constant("remote-hub-request"), protocolVersion: text(63) })
        : rec(122, {
            variant: fc.constant("player-information"),
            city: text(63),
            state: text(63),
            country: text(63),
            quote: text(431),
          });
    case 200:
      return rec(200, { header: chatHeader, senderName: text(63), text: text(1023) });
    case 201:
      return rec(201, {
        targetPlayerId: u32,
        echo: fc.boolean(),
        header: chatHeader,
        senderName: text(63),
        text: text(1023),
      });
    case 203:
      return rec(203, { publicKey: bytes(8) });
    case 204:
      return rec(204, { data: blob(2000) });
    case 205:
      return rec(205, { command: blob(2048) });
    case 206:
      return rec(206, { endTime: i32 });
    default:
      throw new Error(`no arbitrary for message type ${type}`);
  }
}
