import { describe, expect, it } from "vitest";
import { BRIDGE_DEFAULTS, listenPorts, resolveConfig } from "../../bridge/config.ts";
import { tunnelUrl } from "../../bridge/server.ts";
import { parseTunnelConfig } from "../../tunnel/http.ts";

const base = { edgeUrl: "http://127.0.0.1:8787", bridgeToken: "t" };
const edge = {
  loginPort: 6321,
  rooms: [
    { id: 1, port: 6323, game: "myth2", name: "A" },
    { id: 2, port: 6324, game: "myth2", name: "B" },
  ],
};

describe("bridge config", () => {
  it("fills in the documented defaults", () => {
    const config = resolveConfig(base);
    expect(config).toMatchObject({
      host: "127.0.0.1",
      maxPacketSize: 8192,
      maxConnectionsPerIp: 64,
      maxHalfOpenPerIp: 8,
      maxConnections: 4000,
      roomLoginDeadlineMs: 15_000,
      idleTimeoutMs: 11 * 60_000,
      maxOutboundQueueBytes: 256 * 1024,
    });
    expect(config.idleTimeoutMs).toBeGreaterThan(10 * 60_000); // GoS's read timeout decides first
    expect(resolveConfig({ ...base, maxConnectionsPerIp: undefined }).maxConnectionsPerIp).toBe(
      BRIDGE_DEFAULTS.maxConnectionsPerIp,
    );
  });

  it("rejects options that cannot work", () => {
    expect(() => resolveConfig({ ...base, edgeUrl: "ftp://edge" })).toThrow(/http/);
    expect(() => resolveConfig({ ...base, bridgeToken: "" })).toThrow(/bridgeToken/);
    expect(() => resolveConfig({ ...base, host: "::1" })).toThrow(/IPv4/);
    expect(() => resolveConfig({ ...base, maxPacketSize: 4 })).toThrow(/maxPacketSize/);
    expect(() => resolveConfig({ ...base, maxConnectionsPerIp: 0 })).toThrow(/maxConnectionsPerIp/);
    expect(() => resolveConfig({ ...base, idleTimeoutMs: -1 })).toThrow(/idleTimeoutMs/);
    expect(() => resolveConfig({ ...base, loginPort: 70000 })).toThrow(/port/);
  });

  it("takes ports from the edge, applies the offset, and lets overrides win", () => {
    expect(listenPorts(resolveConfig(base), edge)).toEqual({
      loginPort: 6321,
      rooms: [
        { id: 1, port: 6323 },
        { id: 2, port: 6324 },
      ],
    });
    expect(listenPorts(resolveConfig({ ...base, portOffset: 1000, roomPorts: { 2: 0 } }), edge)).toEqual({
      loginPort: 7321,
      rooms: [
        { id: 1, port: 7323 },
        { id: 2, port: 0 },
      ],
    });
    expect(listenPorts(resolveConfig({ ...base, ephemeralPorts: true, loginPort: 5000 }), edge)).toEqual({
      loginPort: 5000,
      rooms: [
        { id: 1, port: 0 },
        { id: 2, port: 0 },
      ],
    });
  });

  it("validates the edge's /tunnel/config answer", () => {
    expect(parseTunnelConfig(edge)).toEqual({ ...edge, tunnelVersions: [1] }); // an edge from before v2
    expect(parseTunnelConfig({ ...edge, tunnelVersions: [1, 2] })).toEqual({ ...edge, tunnelVersions: [1, 2] });
    expect(parseTunnelConfig(null)).toBe("not an object");
    expect(parseTunnelConfig({ loginPort: "6321", rooms: [] })).toMatch(/loginPort/);
    expect(parseTunnelConfig({ loginPort: 6321, rooms: {} })).toMatch(/rooms/);
    expect(parseTunnelConfig({ loginPort: 6321, rooms: [{ id: 1.5, port: 1 }] })).toMatch(/id/);
    expect(parseTunnelConfig({ loginPort: 6321, rooms: [{ id: 1, port: 99999 }] })).toMatch(/port/);
  });

  it("turns the edge URL into tunnel URLs", () => {
    expect(tunnelUrl("http://127.0.0.1:8787", "/tunnel/login")).toBe("ws://127.0.0.1:8787/tunnel/login");
    expect(tunnelUrl("https://edge.example/base/", "/tunnel/room/3")).toBe("wss://edge.example/base/tunnel/room/3");
  });

  it("refuses plain http to an edge off this machine unless told, and takes https (wss) anywhere", () => {
    expect(() => resolveConfig({ ...base, edgeUrl: "http://edge.example:8787" })).toThrow(
      /refusing plain http to edge\.example:8787.*--allow-insecure-edge/,
    );
    expect(resolveConfig({ ...base, edgeUrl: "http://edge.example:8787", allowInsecureEdge: true }).edgeUrl).toBe(
      "http://edge.example:8787",
    );
    for (const local of ["http://127.0.0.1:8787", "http://127.8.9.10", "http://localhost:8787", "http://[::1]:8787"]) {
      expect(resolveConfig({ ...base, edgeUrl: local }).edgeUrl).toBe(local);
    }
    expect(resolveConfig({ ...base, edgeUrl: "https://edge.example" }).edgeUrl).toBe("https://edge.example");
  });
});
