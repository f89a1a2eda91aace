import { PayloadReader } from "../reader.ts";
import { MAX_PLAYER_DATA_SIZE } from "../structs/player-data.ts";
import type { PayloadWriter } from "../writer.ts";
import { type Codec, checkLength, expectLength, MAX_NAME_LENGTH, TO_SERVER } from "./codec.ts";
import type { LoginMessage } from "./types.ts";

/** The Myth layout is always exactly this long (GoS rejects anything else). */
export const MYTH_LOGIN_SIZE = 276;
const APPLICATION_OFFSET = 16;
const FIELD = 32;

/**
 * The layout follows the application field (payload offset 16 in both layouts): a server
 * decodes login before it knows the dialect. "MARATHON" ⇒ Aleph One.
 */
function layoutOf(r: PayloadReader): LoginMessage["layout"] {
  const peek = new PayloadReader(r.bytes.subarray(APPLICATION_OFFSET));
  const application = peek.fixedString(FIELD, "login application");
  return application.toUpperCase() === "MARATHON" ? "aleph-one" : "myth";
}

function decodeLogin(r: PayloadReader): LoginMessage {
  const layout = layoutOf(r);
  if (layout === "myth") expectLength(r, MYTH_LOGIN_SIZE, "login");
  const first = r.i16("login");
  const second = r.i16("login");
  // Aleph One writes the platform first, then the metaserver version.
  const [metaserverVersion, platformType] = layout === "myth" ? [first, second] : [second, first];
  const flags = r.i32("login flags");
  const userId = r.u32("login user id");
  const maxAuthentication = r.i16("login max authentication");
  const playerDataSize = r.i16("login player data size");
  if (playerDataSize < 0 || playerDataSize > MAX_PLAYER_DATA_SIZE) {
    r.fail("too-long", `login player data size ${playerDataSize}, limit ${MAX_PLAYER_DATA_SIZE}`);
  }
  const application = r.fixedString(FIELD, "login application");
  const buildDate = r.fixedString(FIELD, "login build date");
  const buildTime = r.fixedString(FIELD, "login build time");
  const username = r.fixedString(FIELD, "login username");
  let playerData: Uint8Array;
  let countryCode = 0;
  if (layout === "myth") {
    playerData = r.bytesOf(MAX_PLAYER_DATA_SIZE, "login player data").slice(0, playerDataSize);
    countryCode = r.i16("login country code");
    r.skip(2);
  } else {
    playerData = r.bytesOf(playerDataSize, "login player data");
    r.end("login");
  }
  return {
    type: 100,
    layout,
    metaserverVersion,
    platformType,
    flags,
    userId,
    maxAuthentication,
    application,
    buildDate,
    buildTime,
    username,
    playerData,
    countryCode,
  };
}

function encodeLogin(w: PayloadWriter, m: LoginMessage): void {
  if (m.playerData.byteLength > MAX_PLAYER_DATA_SIZE) {
    throw new RangeError(`login player data of ${m.playerData.byteLength} bytes exceeds ${MAX_PLAYER_DATA_SIZE}`);
  }
  const myth = m.layout === "myth";
  if (myth) w.i16(m.metaserverVersion).i16(m.platformType);
  else w.i16(m.platformType).i16(m.metaserverVersion);
  w.i32(m.flags).u32(m.userId).i16(m.maxAuthentication).i16(m.playerData.byteLength);
  for (const [text, what] of [
    [m.application, "application"],
    [m.buildDate, "build date"],
    [m.buildTime, "build time"],
    [m.username, "username"],
  ] as const) {
    w.fixedString(checkLength(text, MAX_NAME_LENGTH, `login ${what}`), FIELD);
  }
  w.bytes(m.playerData);
  if (myth)
    w.pad(MAX_PLAYER_DATA_SIZE - m.playerData.byteLength)
      .i16(m.countryCode)
      .i16(0);
}

export const LOGIN_CODEC: Codec<LoginMessage> = {
  directions: TO_SERVER,
  // The layout is the message's own, whatever the dialect.
  encode: (w, msg) => encodeLogin(w, msg),
  decode: (r) => decodeLogin(r),
};
