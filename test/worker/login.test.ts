/**
 * The login server at the edge, driven as the bridge drives it: a WebSocket to /tunnel/login
 * carrying raw packets. Client packets are built byte by byte from PROTOCOL.md §5 (not with
 * the codec under test) and server packets are read the same way.
 */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../edge/accounts.ts";
import { FIRST_GUEST_ID } from "../../edge/contracts.ts";
import { directoryStub as directory } from "../../edge/objects.ts";
import worker from "../../worker/index.ts";
import { concat, toHex as hex } from "../support/bytes.ts";
import {
  alephLogin,
  alephPassword,
  ascii,
  Conn,
  logout,
  mythLogin,
  mythPassword,
  packet,
  playerData,
  roomInfos,
  serverMessage,
  TUNNEL_HEADERS,
  versionControl,
} from "../support/login-packets.ts";

async function connect(): Promise<Conn> {
  const res = await SELF.fetch("http://edge/tunnel/login", { headers: TUNNEL_HEADERS });
  expect(res.status).toBe(101);
  if (!res.webSocket) throw new Error("no WebSocket in the response");
  return new Conn(res.webSocket);
}

/** Same route with extra Worker vars (e.g. guests off), through the real app and middleware. */
async function connectWith(vars: Record<string, string>, headers: Record<string, string> = {}): Promise<Conn> {
  const req = new Request("http://edge/tunnel/login", { headers: { ...TUNNEL_HEADERS, ...headers } });
  const res = await worker.fetch(req, { ...env, ...vars }, createExecutionContext());
  expect(res.status).toBe(101);
  if (!res.webSocket) throw new Error("no WebSocket in the response");
  return new Conn(res.webSocket);
}

/** Reads 7 and checks the token with the directory; returns user id and the session user. */
async function expectSuccessfulLogin(conn: Conn, order: number, roomId = 0) {
  const p = await conn.expect(7);
  expect(p.payload.byteLength).toBe(40);
  const userId = p.view.getUint32(0);
  expect(p.view.getInt16(4)).toBe(order);
  expect(p.view.getInt16(6)).toBe(order);
  const user = await directory(env).redeem(hex(p.payload.slice(8, 40)), roomId);
  expect(user?.userId).toBe(userId);
  return { userId, user };
}

let alice = 0;
beforeAll(async () => {
  const created = await createAccount(env.DB, { username: "alice", password: "secret", nick: "Alice", team: "Crows" });
  if (!created.ok) throw new Error(created.message);
  alice = created.account.id;
  for (const username of ["bob", "carol", "dave", "erin"]) {
    const r = await createAccount(env.DB, { username, password: "pw" });
    if (!r.ok) throw new Error(r.message);
  }
  const banned = await createAccount(env.DB, { username: "mallory", password: "pw" });
  if (!banned.ok) throw new Error(banned.message);
  await env.DB.prepare("UPDATE users SET banned_until = ?, banned_reason = 'spam' WHERE id = ?")
    .bind(Date.now() + 86_400_000, banned.account.id)
    .run();
});

// ------------------------------------------------------------------ tests

describe("tunnel", () => {
  it("needs a WebSocket upgrade (426) and the bridge token (401)", async () => {
    const plain = await SELF.fetch("http://edge/tunnel/login", { headers: { Authorization: "Bearer test-bridge" } });
    expect(plain.status).toBe(426);
    const noToken = await SELF.fetch("http://edge/tunnel/login", { headers: { Upgrade: "websocket" } });
    expect(noToken.status).toBe(401);
  });
});

describe("Myth II 1.8, encrypted session (GoS order, §7.1)", () => {
  it("100 → 6 → 109 → 12 → 115 → 7, 8, 0, then the server closes", async () => {
    const conn = (await connect()).encrypted();
    conn.send(mythLogin({ username: "alice", flags: 1, player: playerData("Ally", "Team A") }));
    const challenge = await conn.expect(6);
    expect([...challenge.payload]).toEqual(new Array(18).fill(0)); // type 0, zero salt

    conn.send(mythPassword("secret"));
    expect((await conn.expect(12)).payload.byteLength).toBe(0);

    conn.send(versionControl(201, 2180, 0, 428));
    const { userId, user } = await expectSuccessfulLogin(conn, -1);
    expect(userId).toBe(alice);
    expect(user).toMatchObject({
      userName: "alice",
      guest: false,
      dialect: "myth2",
      encrypted: true,
      build: 428,
      appVersion: 2180,
      clientAddress: "127.0.0.1:5000",
    });

    const data = await conn.expect(8);
    const aux = data.payload.subarray(0, 24);
    const length = data.view.getInt16(18);
    expect([...aux.subarray(0, 18)]).toEqual(new Array(18).fill(0));
    expect([...aux.subarray(20)]).toEqual([0, 0, 0, 0]);
    // Flag bit0: the client's player data is taken (and stored).
    expect(length).toBe(data.payload.byteLength - 24);
    expect([...data.payload.subarray(24)]).toEqual([...playerData("Ally", "Team A")]);
    expect(user?.playerData && [...user.playerData]).toEqual([...playerData("Ally", "Team A")]);

    const rooms = roomInfos(await conn.expect(0));
    expect(rooms.map((r) => r.roomId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rooms.every((r) => r.host === 0)).toBe(true); // GoS: 0 = the metaserver's address
    expect(rooms.map((r) => r.port)).toEqual([6323, 6324, 6325, 6326, 6327, 6328]);
    expect((await conn.expectClose()).reason).toBe("login complete");
  });

  it("a registered user without flag bit0 gets the stored player data back", async () => {
    const conn = (await connect()).encrypted();
    conn.send(mythLogin({ username: "ALICE", player: playerData("Other", "Nope") }));
    await conn.expect(6);
    conn.send(mythPassword("secret"));
    await conn.expect(12);
    conn.send(versionControl(201, 2180, 0, 428));
    await expectSuccessfulLogin(conn, -1);
    const data = await conn.expect(8);
    expect([...data.payload.subarray(24)]).toEqual([...playerData("Ally", "Team A")]);
    await conn.expect(0);
    await conn.expectClose();
  });

  it("an empty password is a guest: challenge still sent, guest id from the GoS range", async () => {
    const conn = (await connect()).encrypted();
    conn.send(mythLogin({ username: "wanderer", player: playerData("Wanderer") }));
    await conn.expect(6);
    conn.send(mythPassword(""));
    await conn.expect(12);
    conn.send(versionControl(201, 2180, 0, 428));
    const { userId, user } = await expectSuccessfulLogin(conn, -1);
    expect(userId).toBeGreaterThanOrEqual(FIRST_GUEST_ID);
    expect(user?.guest).toBe(true);
    await conn.expect(8);
    const rooms = roomInfos(await conn.expect(0));
    // Guests may not enter ranked or tournament rooms: flag bit2.
    expect(rooms.map((r) => (r.flags & 4) !== 0)).toEqual([false, false, true, true, true, true]);
    await conn.expectClose();
  });

  it("wrong password ⇒ server_message 3, then close", async () => {
    const conn = (await connect()).encrypted();
    conn.send(mythLogin({ username: "alice" }), mythPassword("wrong"), versionControl(201, 2180, 0, 428));
    await conn.expect(6);
    await conn.expect(12);
    const refusal = serverMessage(await conn.expect(3));
    expect(refusal.code).toBe(3);
    expect(refusal.text).not.toContain("wrong");
    await conn.expectClose();
  });

  it("refuses logins from an address after too many wrong passwords, even with the right one", async () => {
    const from = { "X-Client-Address": "10.1.2.3:4000" };
    const attempt = async (password: string) => {
      const conn = (await connectWith({ LOGIN_MAX_FAILURES: "2" }, from)).encrypted();
      conn.send(mythLogin({ username: "alice" }), mythPassword(password), versionControl(201, 2180, 0, 428));
      await conn.expect(6);
      await conn.expect(12);
      return conn;
    };
    for (let n = 0; n < 2; n++) await (await attempt("wrong")).expectRefusal(3);
    const blocked = await attempt("secret");
    const refusal = serverMessage(await blocked.expect(3));
    expect(refusal).toMatchObject({ code: 3, text: expect.stringContaining("too many failed attempts") });
    await blocked.expectClose();
    // Another address is not affected.
    const other = (await connectWith({ LOGIN_MAX_FAILURES: "2" }, { "X-Client-Address": "10.1.2.4:4000" })).encrypted();
    other.send(mythLogin({ username: "alice" }), mythPassword("secret"), versionControl(201, 2180, 0, 428));
    await other.expect(6);
    await other.expect(12);
    await other.expect(7);
  });

  it("banned account ⇒ 14", async () => {
    const conn = (await connect()).encrypted();
    conn.send(mythLogin({ username: "mallory" }), mythPassword("pw"), versionControl(201, 2180, 0, 428));
    await conn.expect(6);
    await conn.expect(12);
    await conn.expectRefusal(14);
  });

  it.each([
    ["application version 2170", 2170, 428],
    ["build 426", 2180, 426],
  ])("too old (%s) ⇒ 2", async (_, appVersion, build) => {
    const conn = (await connect()).encrypted();
    conn.send(mythLogin({ username: "bob" }), mythPassword("pw"), versionControl(201, appVersion, 0, build));
    await conn.expect(6);
    await conn.expect(12);
    await conn.expectRefusal(2);
  });

  it("an application other than MYTH2 ⇒ 1 (GoS path)", async () => {
    const conn = (await connect()).encrypted();
    conn.send(mythLogin({ username: "bob", application: "DIABLO" }));
    await conn.expectRefusal(1);
  });

  it("a login that is not the 276-byte layout ⇒ 1", async () => {
    const conn = (await connect()).encrypted();
    const full = mythLogin({ username: "bob" });
    const short = packet(100, full.slice(8, 8 + 200));
    conn.send(short);
    await conn.expectRefusal(1);
  });

  it("guests disallowed: 16 for build 428, 3 for build 427", async () => {
    for (const [build, code] of [
      [428, 16],
      [427, 3],
    ] as const) {
      const conn = (await connectWith({ ALLOW_GUESTS: "false" })).encrypted();
      conn.send(mythLogin({ username: "wanderer" }), mythPassword(""), versionControl(201, 2180, 0, build));
      await conn.expect(6);
      await conn.expect(12);
      await conn.expectRefusal(code);
    }
  });
});

describe("older Myth clients (Bungie order, §7.2)", () => {
  it("unencrypted MYTH2: 6 with a random salt, 12, 7, 8, 0, and the client closes with logout", async () => {
    const conn = await connect();
    conn.send(mythLogin({ username: "bob", player: playerData("Bobby", "", 2150, 300) }));
    const challenge = await conn.expect(6);
    expect(challenge.payload.byteLength).toBe(18);
    expect(challenge.view.getInt16(0)).toBe(0);
    expect(challenge.payload.subarray(2).some((b) => b !== 0)).toBe(true);

    conn.send(mythPassword("pw"));
    await conn.expect(12);
    conn.send(versionControl(200, 2150, 3, 0));
    const { userId, user } = await expectSuccessfulLogin(conn, 0);
    expect(user).toMatchObject({ dialect: "myth2-legacy", encrypted: false, userName: "bob" });

    const data = await conn.expect(8);
    expect(data.view.getUint16(0)).toBe(0); // verb add
    expect(data.view.getInt32(4)).toBe(0); // ranking
    expect(data.view.getUint32(8)).toBe(userId);
    expect(data.view.getInt16(16)).toBe(-1); // caste none
    expect(data.view.getInt16(18)).toBe(data.payload.byteLength - 24);

    const rooms = roomInfos(await conn.expect(0));
    expect(rooms.map((r) => r.roomId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rooms.every((r) => r.host === 0x7f000001)).toBe(true); // the bridge's address, not 0

    // The server leaves the connection to the client: a keepalive gets no answer and no close.
    conn.send(packet(202), logout());
    expect((await conn.expectClose()).reason).toBe("client logged out");
  });

  it("a second login while waiting for the password re-sends the challenge", async () => {
    const conn = await connect();
    conn.send(mythLogin({ username: "carol", application: "myth" }));
    await conn.expect(6);
    conn.send(mythLogin({ username: "carol", application: "myth" }));
    await conn.expect(6);
    conn.send(mythPassword("pw"), versionControl(200, 2130, 3, 0));
    await conn.expect(12);
    await expectSuccessfulLogin(conn, 0);
    await conn.expect(8);
    await conn.expect(0);
    conn.send(logout());
    await conn.expectClose();
  });

  it.each([
    ["MYTH1", "myth1"],
    ["myth3", "myth3"],
  ])("%s logs in and sees only its own game's rooms", async (application, dialect) => {
    const conn = await connect();
    conn.send(mythLogin({ username: "dave", application }), mythPassword("pw"), versionControl(200, 1000, 3, 0));
    await conn.expect(6);
    await conn.expect(12);
    const { user } = await expectSuccessfulLogin(conn, 0);
    expect(user?.dialect).toBe(dialect);
    await conn.expect(8);
    const rooms = roomInfos(await conn.expect(0));
    expect(rooms).toEqual([
      { roomId: 0, host: 0x7f000001, port: dialect === "myth1" ? 6329 : 6330, roomType: 0, flags: 0 },
    ]);
    conn.ws.close(1000, "bye");
  });

  it("an encrypted Myth III session takes the Bungie path (MythDev allowed encryption for every Myth)", async () => {
    const conn = (await connect()).encrypted();
    conn.send(
      mythLogin({ username: "dave", application: "MYTH3" }),
      mythPassword("pw"),
      versionControl(200, 1000, 3, 0),
    );
    const challenge = await conn.expect(6);
    expect(challenge.payload.subarray(2).some((b) => b !== 0)).toBe(true); // Bungie: random salt
    await conn.expect(12);
    const { user } = await expectSuccessfulLogin(conn, 0);
    expect(user).toMatchObject({ dialect: "myth3", encrypted: true });
    await conn.expect(8);
    await conn.expect(0);
    conn.send(logout());
    await conn.expectClose();
  });

  it("an empty user name is a guest", async () => {
    const conn = await connect();
    conn.send(mythLogin({ username: "" }), mythPassword(""), versionControl(200, 2150, 3, 0));
    await conn.expect(6);
    await conn.expect(12);
    const { userId, user } = await expectSuccessfulLogin(conn, 0);
    expect(userId).toBeGreaterThanOrEqual(FIRST_GUEST_ID);
    expect(user?.guest).toBe(true);
    const data = await conn.expect(8);
    expect(data.view.getUint16(2) & 2).toBe(2); // anonymous flag
    await conn.expect(0);
    conn.send(logout());
    await conn.expectClose();
  });

  it("guests disallowed ⇒ 3 at login", async () => {
    const conn = await connectWith({ ALLOW_GUESTS: "false" });
    conn.send(mythLogin({ username: "" }));
    await conn.expectRefusal(3);
  });

  it("wrong password ⇒ 3 right after the password, then close", async () => {
    const conn = await connect();
    conn.send(mythLogin({ username: "bob" }), mythPassword("nope"));
    await conn.expect(6);
    await conn.expectRefusal(3);
  });

  it("banned ⇒ 14", async () => {
    const conn = await connect();
    conn.send(mythLogin({ username: "mallory" }), mythPassword("pw"));
    await conn.expect(6);
    await conn.expectRefusal(14);
  });

  it("patch below 3 ⇒ 2", async () => {
    const conn = await connect();
    conn.send(mythLogin({ username: "bob" }), mythPassword("pw"), versionControl(200, 2130, 2, 0));
    await conn.expect(6);
    await conn.expect(12);
    await conn.expectRefusal(2);
  });

  it("unknown application ⇒ 7", async () => {
    const conn = await connect();
    conn.send(mythLogin({ username: "bob", application: "DIABLO" }));
    await conn.expectRefusal(7);
  });
});

describe("Aleph One (§7.3)", () => {
  it("registered: 6 → 109 → 12 → 115 → 7, 0; a remote hub request gets an empty 18", async () => {
    const conn = await connect();
    conn.send(alephLogin("erin"));
    const challenge = await conn.expect(6);
    expect(challenge.view.getInt16(0)).toBe(0);
    expect(challenge.payload.byteLength).toBe(18);
    conn.send(alephPassword("pw"));
    await conn.expect(12);
    conn.send(versionControl(1, 2, 3, 0));
    const { user } = await expectSuccessfulLogin(conn, 0, 8);
    expect(user).toMatchObject({ dialect: "marathon", userName: "erin", guest: false });
    // Nothing between 7 and the room list.
    const rooms = roomInfos(await conn.expect(0));
    expect(rooms).toEqual([{ roomId: 0, host: 0x7f000001, port: 6331, roomType: 0, flags: 0 }]);
    conn.send(packet(122, concat(ascii("1"), new Uint8Array(1))));
    expect((await conn.expect(18)).payload.byteLength).toBe(0);
    conn.ws.close(1000, "done");
  });

  it("a remote hub request gets the configured hubs of the client's protocol version (A1_REMOTE_HUBS)", async () => {
    const hubs = [
      { id: 7, host: "198.51.100.7", port: 6321, protocolVersion: 1 },
      { id: 9, host: "203.0.113.9", port: 6400, protocolVersion: "2" },
      { id: 11, host: "192.0.2.11", port: 6500, protocolVersion: "1" },
    ];
    const conn = await connectWith({ A1_REMOTE_HUBS: JSON.stringify(hubs) });
    conn.send(alephLogin("guest", "Hubby"));
    await conn.expect(12);
    conn.send(versionControl(1, 2, 3, 0));
    await expectSuccessfulLogin(conn, 0, 8);
    await conn.expect(0);
    conn.send(packet(122, concat(ascii("1"), new Uint8Array(1))));
    const list = await conn.expect(18);
    // Two 8-byte entries (u16 id, IPv4, u16 port): hub 9 speaks another version.
    expect(hex(list.payload)).toBe("0007c6336407" + "18b1" + "000bc000020b" + "1964");
    conn.ws.close(1000, "done");
  });

  it("a bad A1_REMOTE_HUBS is a configuration error naming the var", async () => {
    const req = new Request("http://edge/tunnel/login", { headers: TUNNEL_HEADERS });
    const bad = JSON.stringify([{ id: 1, host: "not-an-ip", port: 1, protocolVersion: 1 }]);
    const res = await worker.fetch(req, { ...env, A1_REMOTE_HUBS: bad }, createExecutionContext());
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("A1_REMOTE_HUBS");
  });

  it("guest: 12 right away, no password step", async () => {
    const conn = await connect();
    conn.send(alephLogin("guest", "Visitor"));
    await conn.expect(12);
    conn.send(versionControl(1, 2, 3, 0));
    const { userId, user } = await expectSuccessfulLogin(conn, 0, 8);
    expect(userId).toBeGreaterThanOrEqual(FIRST_GUEST_ID);
    expect(user?.guest).toBe(true);
    await conn.expect(0);
    conn.send(logout());
    await conn.expectClose();
  });

  it("guest refused when guests are off ⇒ 3", async () => {
    const conn = await connectWith({ ALLOW_GUESTS: "false" });
    conn.send(alephLogin(""));
    await conn.expectRefusal(3);
  });

  it("wrong password ⇒ 3 (deny), then close", async () => {
    const conn = await connect();
    conn.send(alephLogin("erin"), alephPassword("bad"));
    await conn.expect(6);
    await conn.expectRefusal(3);
  });
});

describe("bad input", () => {
  it("a garbage login payload ⇒ 0 (syntax error), then close", async () => {
    const conn = await connect();
    conn.send(packet(100, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])));
    await conn.expectRefusal(0);
  });

  it("a frame that is not a packet ⇒ 0, then close", async () => {
    const conn = await connect();
    conn.send(new Uint8Array([0xbe, 0xef, 0, 100, 0, 0, 0, 8]));
    await conn.expectRefusal(0);
  });

  it("a message out of order ⇒ 0, then close", async () => {
    const conn = await connect();
    conn.send(versionControl(200, 2150, 3, 0));
    await conn.expectRefusal(0);
  });
});
