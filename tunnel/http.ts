/**
 * The tunnel's HTTP side: the paths the bridge opens, the headers it sets on each, and the
 * port map GET /tunnel/config returns. Every request carries `Authorization: Bearer <BRIDGE_TOKEN>`.
 */

export const TunnelPath = {
  /** GET: the port map (TunnelConfig). */
  config: "/tunnel/config",
  /** WebSocket: one connection to the login port. */
  login: "/tunnel/login",
  /** WebSocket: one connection to a room's port. */
  room: (roomId: number | string) => `/tunnel/room/${roomId}`,
} as const;

/** "ipv4:port" of the player as the bridge sees it. */
export const CLIENT_ADDRESS_HEADER = "X-Client-Address";
/** "ipv4:port" of the bridge socket the player connected to (room host for clients that need a real IP). */
export const LOCAL_ADDRESS_HEADER = "X-Local-Address";

export interface TunnelConfig {
  readonly loginPort: number;
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
  return { loginPort, rooms: parsed };
}

export function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 65535;
}
