/**
 * The tunnel's HTTP side: the paths the bridge opens, the headers it sets on each, and the
 * port map GET /tunnel/config returns. Every request carries `Authorization: Bearer <BRIDGE_TOKEN>`.
 */

export const TunnelPath = {
  /** GET: the port map (TunnelConfig). */
  config: "/tunnel/config",
  /** v1 WebSocket: one connection to the login port. */
  login: "/tunnel/login",
  /** v1 WebSocket: one connection to a room's port. */
  room: (roomId: number | string) => `/tunnel/room/${roomId}`,
  /** v2 WebSocket (tunnel/mux.ts): every connection of one bridge to the login port. */
  muxLogin: "/tunnel/v2/login",
  /** v2 WebSocket: every connection of one bridge to a room. */
  muxRoom: (roomId: number | string) => `/tunnel/v2/room/${roomId}`,
} as const;

/** v2: names the bridge (random per bridge start), so its tunnels can be told apart. */
export const BRIDGE_ID_HEADER = "X-Bridge-Id";
/** A bridge id: 8 to 64 of [A-Za-z0-9_-]. */
export const BRIDGE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * v2: what the bridge understands beyond the base records, comma-separated. "host-proxy": the
 * host records of tunnel/mux.ts (16 check, 17 release, 16 result); the edge sends them only then.
 */
export const BRIDGE_FEATURES_HEADER = "X-Bridge-Features";
export const HOST_PROXY_FEATURE = "host-proxy";

/** "ipv4:port" of the player as the bridge sees it. */
export const CLIENT_ADDRESS_HEADER = "X-Client-Address";
/** "ipv4:port" of the bridge socket the player connected to (room host for clients that need a real IP). */
export const LOCAL_ADDRESS_HEADER = "X-Local-Address";

export interface TunnelConfig {
  readonly loginPort: number;
  /** Tunnel versions the edge accepts (absent from edges before v2: [1]). */
  readonly tunnelVersions?: readonly number[];
  readonly rooms: readonly TunnelRoom[];
}

export interface TunnelRoom {
  readonly id: number;
  readonly port: number;
  readonly game: string;
  readonly name: string;
}

/** Validates the JSON of GET /tunnel/config; returns an error message instead of throwing. */
export function parseTunnelConfig(json: unknown): TunnelConfig | string {
  if (typeof json !== "object" || json === null) return "not an object";
  const { loginPort, rooms } = json as Record<string, unknown>;
  if (!isPort(loginPort)) return "loginPort is not a port number";
  if (!Array.isArray(rooms)) return "rooms is not an array";
  const parsed: TunnelRoom[] = [];
  for (const room of rooms as unknown[]) {
    if (typeof room !== "object" || room === null) return "a room is not an object";
    const { id, port, game, name } = room as Record<string, unknown>;
    if (typeof id !== "number" || !Number.isInteger(id)) return "a room id is not an integer";
    if (!isPort(port)) return `room ${id} has no valid port`;
    parsed.push({ id, port, game: typeof game === "string" ? game : "", name: typeof name === "string" ? name : "" });
  }
  const versions = (json as Record<string, unknown>).tunnelVersions;
  const tunnelVersions = Array.isArray(versions) ? versions.filter((v): v is number => Number.isInteger(v)) : [1];
  return { loginPort, tunnelVersions, rooms: parsed };
}

export function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 65535;
}
