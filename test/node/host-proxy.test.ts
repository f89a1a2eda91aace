/** The bridge's host proxy pool on its own (bridge/host-proxy/): budgets, caps, timeouts, the pool running dry. */
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HostProxy, type HostProxyCounters, type ProxyHost } from "../../bridge/host-proxy/host-proxy.ts";
import { probe } from "../../bridge/host-proxy/probe.ts";
import type { HostResult } from "../../tunnel/mux.ts";
import { freePortRun } from "../support/free-ports.ts";

const counters = (): HostProxyCounters => ({
  hostProbes: 0,
  proxyLeases: 0,
  proxyPoolExhausted: 0,
  proxyJoins: 0,
  proxyRejected: 0,
  proxyJoinTimeouts: 0,
  proxyBytes: 0,
  proxyBudgetCuts: 0,
});

const proxies: HostProxy[] = [];
afterEach(() => {
  for (const p of proxies.splice(0)) p.close();
});

async function pool(options: { ports?: number; maxJoiners?: number; joinTimeoutMs?: number; gameBytes?: number } = {}) {
  const c = counters();
  const first = await freePortRun(options.ports ?? 2);
  const proxy = new HostProxy(
    {
      host: "127.0.0.1",
      proxyAddress: "",
      proxyFirstPort: first,
      proxyPorts: options.ports ?? 2,
      proxyMaxJoiners: options.maxJoiners ?? 4,
      proxyJoinTimeoutMs: options.joinTimeoutMs ?? 5_000,
      proxyGameBytes: options.gameBytes ?? 1 << 20,
      probeTimeoutMs: 500,
    },
    c,
  );
  proxies.push(proxy);
  return { proxy, counters: c, first };
}

function host(clientIp: string): ProxyHost & { results: HostResult[]; joins: number[] } {
  const results: HostResult[] = [];
  const joins: number[] = [];
  return {
    clientIp,
    localIp: "127.0.0.1",
    results,
    joins,
    sendJoin: (port) => joins.push(port),
    result: (r) => results.push(r),
  };
}

function tcp(port: number, localAddress = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, localAddress });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Reads (and drops) whatever comes until the socket closes. */
const closed = (s: Socket) =>
  new Promise<void>((resolve) => {
    s.on("error", () => {});
    s.resume();
    s.once("close", () => resolve());
  });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe("probe", () => {
  it("tells reachable from refused", async () => {
    const server: Server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen({ host: "127.0.0.7", port: 0 }, () => r()));
    const port = (server.address() as { port: number }).port;
    expect(await probe("127.0.0.7", port, 1_000)).toBe("reachable");
    server.close();
    expect(await probe("127.0.0.8", port, 1_000)).toBe("refused");
    expect(await probe("127.0.0.8", 0, 1_000)).toBe("unreachable");
  });
});

describe("host proxy pool", () => {
  it("a game past its byte budget is cut: both ends close, and it is counted", async () => {
    const { proxy, counters: c, first } = await pool({ gameBytes: 1000 });
    const h = host("127.0.0.3");
    proxy.check(h, 3453, "proxy");
    await until(() => h.results.length === 1);
    expect(h.results[0]).toEqual({ mode: "proxy", probe: "skipped", port: 3453, proxy: `127.0.0.1:${first}` });
    const joiner = await tcp(first);
    await until(() => h.joins.length === 1);
    const back = await tcp(first + 1, "127.0.0.3");
    back.write(Buffer.alloc(600));
    joiner.write(Buffer.alloc(600));
    await Promise.all([closed(joiner), closed(back)]);
    expect(c.proxyBudgetCuts).toBe(1);
  });

  it("caps joiners per game, times out a joiner the host never fetches, and runs dry with a count", async () => {
    const { proxy, counters: c, first } = await pool({ maxJoiners: 1, joinTimeoutMs: 200 });
    const h = host("127.0.0.3");
    proxy.check(h, 3453, "proxy");
    await until(() => h.results.length === 1);
    const first1 = await tcp(first);
    const second = await tcp(first);
    await closed(second);
    expect(c.proxyRejected).toBe(1);
    await closed(first1);
    expect(c.proxyJoinTimeouts).toBe(1);

    // One pair only: a second host gets no proxy.
    const other = host("127.0.0.4");
    proxy.check(other, 3453, "auto");
    await until(() => other.results.length === 1);
    expect(other.results[0]).toMatchObject({ probe: "refused", proxy: "" });
    expect(c.proxyPoolExhausted).toBe(1);
    proxy.release(h);
    proxy.check(other, 3453, "auto");
    await until(() => other.results.length === 2);
    expect(other.results[1]?.proxy).toBe(`127.0.0.1:${first}`);
  });

  it("a release during the probe leaves nothing leased", async () => {
    const { proxy } = await pool();
    const h = host("127.0.0.3");
    proxy.check(h, 3453, "auto");
    proxy.release(h);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.results).toEqual([]);
    expect(proxy.leased).toBe(0);
  });
});
