/**
 * LoginSession on its own, with a hand-driven clock: the deadlines (whole login, linger after
 * the room list) and a close that lands while the session waits on storage. Packets are built
 * with the protocol codec; test/worker/login.test.ts covers the wire byte by byte.
 */
import { describe, expect, it } from "vitest";
import type { Account } from "../../edge/accounts.ts";
import { type LoginAction, type LoginDeps, LoginSession } from "../../edge/login/session.ts";
import {
  encodeMessage,
  encodePlayerData,
  type LoginMessage,
  type PlayerData,
  type VersionControlMessage,
} from "../../protocol/messages.ts";

const player: PlayerData = {
  coatOfArms: 1,
  casteBitmap: 0,
  state: 0,
  primaryColor: { red: 0xff00, green: 0, blue: 0, flags: 0 },
  secondaryColor: { red: 0, green: 0, blue: 0xff00, flags: 0 },
  orderIndex: 0,
  gameVersion: 2150,
  buildNumber: 0,
  nick: "Bob",
  team: "",
};

function login(username: string, application = "MYTH2", playerData = encodePlayerData(player)): Uint8Array {
  const msg: LoginMessage = {
    type: 100,
    layout: "myth",
    metaserverVersion: 1,
    platformType: 200,
    flags: 0,
    userId: 0,
    maxAuthentication: 0,
    application,
    buildDate: "Jan  1 2002",
    buildTime: "12:00:00",
    username,
    playerData,
    countryCode: 0,
  };
  return encodeMessage(msg, "myth2-legacy");
}

const password = (pw: string) => encodeMessage({ type: 109, password: new TextEncoder().encode(`${pw}\0`) }, "myth2");
const version = (patch: number) => {
  const msg: VersionControlMessage = {
    type: 115,
    platformType: 200,
    applicationVersion: 2150,
    patchNumber: patch,
    build: 0,
  };
  return encodeMessage(msg, "myth2-legacy");
};

const bob: Account = {
  id: 7,
  username: "bob",
  displayName: "bob",
  nick: "Bob",
  team: "",
  primaryColor: 0,
  secondaryColor: 0,
  coatOfArms: 0,
  adminLevel: 0,
  disabled: false,
  bannedUntil: null,
  bannedReason: null,
  playerData: null,
};

/** In-memory dependencies and a clock the test moves by hand. */
function harness(options: { slowVerify?: Promise<void> } = {}) {
  const clock = { now: 1_000_000 };
  const deps: LoginDeps = {
    policy: {
      allowGuests: true,
      minMyth2AppVersion: 2180,
      minMyth2Build: 427,
      minLegacyPatch: 3,
      loginTimeoutMs: 60_000,
      lingerTimeoutMs: 30_000,
    },
    clientAddress: "127.0.0.1:5000",
    verifyLogin: async (name, pw) => {
      await options.slowVerify;
      return name === "bob" && pw === "pw" ? bob : null;
    },
    admitGuest: async () => null,
    nameTaken: async () => false,
    recordLogin: async () => {},
    directoryLogin: async () => ({ token: "ab".repeat(32), userId: 7 }),
    roomList: async () => [],
    randomBytes: (n) => new Uint8Array(n).fill(9),
    now: () => clock.now,
  };
  return { clock, session: new LoginSession(deps) };
}

const kinds = (actions: LoginAction[]) => actions.map((a) => (a.kind === "send" ? a.message.type : "close"));

describe("LoginSession deadlines", () => {
  it("closes a login that has not finished within the login timeout", async () => {
    const { clock, session } = harness();
    expect(session.deadline).toBe(clock.now + 60_000);
    expect(kinds(await session.receivePacket(login("bob")))).toEqual([6]);
    clock.now += 59_999;
    expect(session.expire()).toEqual([]);
    clock.now += 1;
    expect(kinds(session.expire())).toEqual(["close"]);
    expect(session.closed).toBe(true);
    expect(await session.receivePacket(password("pw"))).toEqual([]);
  });

  it("after the room list, waits for the client only as long as the linger timeout", async () => {
    const { clock, session } = harness();
    await session.receivePacket(login("bob"));
    await session.receivePacket(password("pw"));
    clock.now += 10_000;
    expect(kinds(await session.receivePacket(version(3)))).toEqual([7, 8, 0]);
    expect(session.closed).toBe(false);
    expect(session.deadline).toBe(clock.now + 30_000);
    clock.now += 30_000;
    expect(kinds(session.expire())).toEqual(["close"]);
  });

  it("a timeout while the password is being checked wins: nothing is sent afterwards", async () => {
    let release: () => void = () => {};
    const slowVerify = new Promise<void>((r) => {
      release = r;
    });
    const { clock, session } = harness({ slowVerify });
    await session.receivePacket(login("bob"));
    const pending = session.receivePacket(password("pw"));
    clock.now += 60_000;
    expect(kinds(session.expire())).toEqual(["close"]);
    release();
    expect(await pending).toEqual([]);
  });
});

describe("LoginSession input checks", () => {
  it("malformed player data in the login ⇒ syntax error (0) at once", async () => {
    const { session } = harness();
    const bad = new Uint8Array(20); // shorter than the 38-byte player data struct
    const actions = await session.receivePacket(login("bob", "MYTH2", bad));
    expect(kinds(actions)).toEqual([3, "close"]);
    const first = actions[0];
    expect(first?.kind === "send" && first.message.type === 3 && first.message.code).toBe(0);
  });

  it("keepalives are ignored at any step", async () => {
    const { session } = harness();
    await session.receivePacket(login("bob"));
    expect(await session.receivePacket(encodeMessage({ type: 202 }, "myth2-legacy"))).toEqual([]);
    expect(kinds(await session.receivePacket(password("pw")))).toEqual([12]);
  });
});
