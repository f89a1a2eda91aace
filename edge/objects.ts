/**
 * The Durable Objects of the edge, each reached through the typed stub the generated Env gives
 * (DurableObjectStub<T>), built here and nowhere else; one function names each object.
 */

import { normalizeUserName } from "../protocol/text.ts";
/** One Room object per configured room. */
export function roomObjectName(roomId: number): string {
  return `room:${roomId}`;
}

export function roomStub(env: Env, roomId: number) {
  return env.ROOMS.get(env.ROOMS.idFromName(roomObjectName(roomId)));
}

/** Which configured room a tunnel request is for (Worker → Room object). */
export const ROOM_ID_HEADER = "X-Room-Id";
/** Which tunnel contract the socket speaks: "1" one connection, "2" multiplexed (tunnel/mux.ts). */
export const TUNNEL_VERSION_HEADER = "X-Tunnel-Version";

/** The bridge's tunnel upgrade as the Room object gets it: the bridge's headers plus the room id and tunnel version. */
export function roomTunnelRequest(request: Request, roomId: number, version: 1 | 2): Request {
  const headers = new Headers(request.headers);
  headers.set(ROOM_ID_HEADER, String(roomId));
  headers.set(TUNNEL_VERSION_HEADER, String(version));
  return new Request(request.url, { method: "GET", headers });
}

/** One LoginGateway per bridge (tunnel v2): the logins of that bridge's connections. */
export function loginGatewayStub(env: Env, bridgeId: string) {
  return env.LOGIN_GATEWAY.get(env.LOGIN_GATEWAY.idFromName(`bridge:${bridgeId}`));
}

/** The one global Directory: who is online where, handoff tokens, room counts. */
export const DIRECTORY_OBJECT_NAME = "global";

export function directoryStub(env: Env) {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(DIRECTORY_OBJECT_NAME));
}

/** One LoginLimiter per client IPv4 address. */
export function loginLimiterObjectName(clientAddress: string): string {
  return `ip:${clientAddress.split(":")[0] || "unknown"}`;
}

export function loginLimiterStub(env: Env, clientAddress: string) {
  return env.LOGIN_LIMITER.get(env.LOGIN_LIMITER.idFromName(loginLimiterObjectName(clientAddress)));
}

/** One LoginLimiter per account login name (normalised, whether or not the account exists). */
export function accountLimiterStub(env: Env, userName: string) {
  return env.LOGIN_LIMITER.get(env.LOGIN_LIMITER.idFromName(`account:${normalizeUserName(userName)}`));
}

/**
 * Runs an RPC on another object and logs instead of throwing: a room that is down must not
 * break the directory's fan-out or a status page.
 */
export async function tryCall<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    console.warn(`${what} failed: ${(e as Error).message}`);
    return undefined;
  }
}

/** The one Results object: it settles games and serializes every rating update. */
export const RESULTS_OBJECT_NAME = "global";

export function resultsStub(env: Env) {
  return env.RESULTS.get(env.RESULTS.idFromName(RESULTS_OBJECT_NAME));
}

/** One ChatLimiter per client IPv4 address: its chat budget across all rooms. */
export function chatLimiterStub(env: Env, clientAddress: string) {
  return env.CHAT_LIMITER.get(env.CHAT_LIMITER.idFromName(`chat:${clientAddress.split(":")[0] || "unknown"}`));
}
