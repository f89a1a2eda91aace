/**
 * Logins over tunnel v2: one multiplexed socket per bridge to its LoginGateway object, many
 * connections on it, each with its own login session. The login rules themselves are
 * login.test.ts's (tunnel v1); here, what the multiplexing must keep.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../edge/accounts.ts";
import { FIRST_GUEST_ID } from "../../edge/contracts.ts";
import { directoryStub } from "../../edge/objects.ts";
import { forEachDownRecord, MuxFrameWriter } from "../../tunnel/mux.ts";
import { toHex } from "../support/bytes.ts";
import {
  alephLogin,
  alephPassword,
  connectMux,
  MuxConn,
  mythLogin,
  mythPassword,
  parse,
  type Received,
  roomInfos,
  serverMessage,
  versionControl,
} from "../support/login-packets.ts";

beforeAll(async () => {
  const created = await createAccount(env.DB, { username: "gatekeeper", password: "pw", nick: "Gate" });
  if (!created.ok) throw new Error(created.message);
});

async function redeemed(p: Received): Promise<number | undefined> {
  const user = await directoryStub(env).redeem(toHex(p.payload.slice(8, 40)), 0);
  return user?.userId;
}

describe("login gateway (tunnel v2)", () => {
  it("a Myth II 1.8 guest logs in on its own connection: 6, 12, then 7, 8, 0 and the close", async () => {
    const c = new MuxConn(await connectMux());
    c.encrypted().send(mythLogin({ username: "someone" }));
    await c.expect(6);
    c.send(mythPassword(""));
    await c.expect(12);
    c.send(versionControl(201, 2180, 0, 428));
    const success = await c.expect(7);
    expect(success.view.getUint32(0)).toBeGreaterThanOrEqual(FIRST_GUEST_ID);
    expect(await redeemed(success)).toBe(success.view.getUint32(0));
    await c.expect(8);
    expect(roomInfos(await c.expect(0)).map((r) => r.roomId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await c.expectClose()).code).toBe(1000);
  });

  it("runs two logins interleaved on one socket, each with its own family and answers", async () => {
    const ws = await connectMux();
    ws.accept();
    ws.binaryType = "arraybuffer";
    const got = new Map<number, number[]>([
      [1, []],
      [2, []],
    ]);
    const closed = new Set<number>();
    let wake = () => {};
    ws.addEventListener("message", (e) => {
      forEachDownRecord(new Uint8Array(e.data as ArrayBuffer), {
        packet: (conns, count, p) => {
          for (let i = 0; i < count; i++) got.get(conns.getUint32(4 * i))?.push(parse(p.slice().buffer).type);
        },
        keepalive: () => {},
        close: (conn) => closed.add(conn),
      });
      wake();
    });
    const until = async (check: () => boolean) => {
      const deadline = Date.now() + 4000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`stuck at ${JSON.stringify([...got])}, closed ${[...closed]}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
    };
    const frame = (write: (w: MuxFrameWriter) => void) => {
      const w = new MuxFrameWriter();
      write(w);
      ws.send(w.take());
    };
    // One frame opens both: an Aleph One account and a Myth II 1.8 guest.
    frame((w) => {
      w.open(1, "203.0.113.1:1000", "127.0.0.1:6321");
      w.open(2, "203.0.113.2:2000", "127.0.0.1:6321");
      w.packetUp(1, alephLogin("gatekeeper"));
      w.encrypted(2);
      w.packetUp(2, mythLogin({ username: "guest" }));
    });
    await until(() => (got.get(1)?.length ?? 0) >= 1 && (got.get(2)?.length ?? 0) >= 1);
    expect(got.get(1)).toEqual([6]);
    expect(got.get(2)).toEqual([6]);
    frame((w) => {
      w.packetUp(2, mythPassword(""));
      w.packetUp(1, alephPassword("pw"));
    });
    await until(() => got.get(1)?.length === 2 && got.get(2)?.length === 2);
    frame((w) => {
      w.packetUp(1, versionControl(1, 2, 3, 0));
      w.packetUp(2, versionControl(201, 2180, 0, 428));
    });
    await until(() => closed.has(2) && (got.get(1)?.length ?? 0) >= 4);
    // Aleph One: 7 then the room list, and it may stay (linger); GoS: 7, 8, 0, then closed.
    expect(got.get(1)).toEqual([6, 12, 7, 0]);
    expect(got.get(2)).toEqual([6, 12, 7, 8, 0]);
    expect(closed.has(1)).toBe(false);
    // The bridge's client closes: the gateway lets it go; nothing more comes for it.
    frame((w) => w.closeUp(1, 1000, "client closed"));
    ws.close(1000, "done");
  });

  it("a wrong password on one connection refuses that one only", async () => {
    const c = new MuxConn(await connectMux());
    c.send(mythLogin({ application: "MYTH2", username: "gatekeeper" }));
    await c.expect(6);
    c.send(mythPassword("nope"));
    const refusal = await c.expect(3);
    expect(serverMessage(refusal).code).toBe(3);
    await c.expectClose();
  });

  it("a frame that is not whole records closes the bridge's socket", async () => {
    const ws = await connectMux();
    ws.accept();
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.send(new Uint8Array([0, 0, 0, 0, 1, 0xde, 0xad]));
    expect(await closed).toBe(1002);
  });

  it("refuses a v2 login socket without a valid bridge id (400)", async () => {
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch("http://edge/tunnel/v2/login", {
      headers: { Upgrade: "websocket", Authorization: "Bearer test-bridge", "X-Bridge-Id": "x" },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/X-Bridge-Id/) });
  });
});
