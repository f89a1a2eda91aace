/**
 * myth_protocol_errors_total on /metrics: a malformed packet at the login server or in a room is
 * answered with server_message 0 and a closed connection, and counted by where and decode error
 * kind at the directory (through the real Worker, login gateway, room and directory objects).
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Conn, serverMessage, TUNNEL_HEADERS } from "../support/login-packets.ts";
import { join, serverMessageCode } from "./room-helpers.ts";

async function metric(labels: string): Promise<number> {
  const text = await (
    await SELF.fetch("http://edge/metrics", { headers: { Authorization: "Bearer test-admin" } })
  ).text();
  const line = text.split("\n").find((l) => l.startsWith(`myth_protocol_errors_total{${labels}} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

describe("protocol errors by kind", () => {
  it("a room counts a truncated packet it refused with 0", async () => {
    const before = await metric('where="room",kind="truncated"');
    const bad = await join(0, { nick: "Garbled" });
    await bad.client.types(5); // what a room login gets first (as room-limits.test.ts waits)
    // A chat (200) whose header claims 12 bytes but carries no body.
    bad.client.sendRaw(new Uint8Array([0xde, 0xad, 0, 200, 0, 0, 0, 12, 0, 0, 0, 0]));
    const p = await bad.client.nextOfType(3);
    expect(serverMessageCode(p)).toBe(0);
    await bad.client.waitClosed();
    await expect.poll(() => metric('where="room",kind="truncated"')).toBe(before + 1);
  });

  it("the login server counts a message type it does not know", async () => {
    const before = await metric('where="login",kind="unknown-type"');
    const res = await SELF.fetch("http://edge/tunnel/login", {
      headers: { ...TUNNEL_HEADERS, "X-Client-Address": "198.51.100.44:4000" },
    });
    expect(res.status).toBe(101);
    if (!res.webSocket) throw new Error("no WebSocket");
    const conn = new Conn(res.webSocket);
    conn.send(new Uint8Array([0xde, 0xad, 0, 150, 0, 0, 0, 8]));
    expect(serverMessage(await conn.expect(3)).code).toBe(0);
    await expect.poll(() => metric('where="login",kind="unknown-type"')).toBe(before + 1);
    const text = await (
      await SELF.fetch("http://edge/metrics", { headers: { Authorization: "Bearer test-admin" } })
    ).text();
    expect(text).toContain("# TYPE myth_protocol_errors_total counter");
  });
});
