/**
 * Typed access to the RPC methods the Room DO offers to the rest of the edge
 * (docs/architecture.md, "Edge RPC contracts"). Callers guard every call: a room that is
 * down, or an older Room build without a method, must not break the caller.
 */

export interface RoomStatusPlayer {
  userId: number;
  nick: string;
  inGame: boolean;
  guest: boolean;
}

export interface RoomStatusGame {
  name: string;
  map: string;
  players: number;
  maxPlayers: number;
  elapsedSeconds: number;
}

export interface RoomStatus {
  players: RoomStatusPlayer[];
  games: RoomStatusGame[];
  /** When the room object's current instance started (epoch ms): it moves after hibernation. */
  instanceStartedAt: number;
}

export interface RoomControl {
  kick(userId: number, reason: string, code?: number): Promise<unknown>;
  roomListChanged(): Promise<unknown>;
  status(): Promise<RoomStatus>;
}

export function roomControl(env: Env, roomId: number): RoomControl {
  return env.ROOMS.get(env.ROOMS.idFromName(`room:${roomId}`)) as unknown as RoomControl;
}

/** Runs a room RPC; on failure logs and returns undefined instead of throwing. */
export async function tryRoomCall<T>(what: string, roomId: number, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    console.warn(`room ${roomId}: ${what} failed: ${(e as Error).message}`);
    return undefined;
  }
}
