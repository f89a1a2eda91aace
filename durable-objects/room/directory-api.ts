/**
 * The Directory RPC surface the room uses (docs/architecture.md, "Edge RPC contracts").
 * Declared here so the room depends on the contract, not on the Directory class's internals.
 */
import type { SessionUser } from "../directory.ts";

export type { SessionUser };

export interface DirectoryApi {
  redeem(token: string, roomId: number): Promise<SessionUser | null>;
  left(userId: number, roomId: number): Promise<void>;
  reportRoom(roomId: number, players: number, games: number): Promise<void>;
  roomCounts(): Promise<Record<number, { players: number; games: number }>>;
}

export function directory(env: Env): DirectoryApi {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName("global")) as unknown as DirectoryApi;
}
