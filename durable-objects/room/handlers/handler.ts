import type { Message, MessageOf } from "../../../protocol/messages.ts";
import type { RoomCore } from "../core.ts";
import type { PlayerConnection } from "../state.ts";

/** Handles one decoded message from a logged-in player. `packet` is the raw packet it came in. */
export type Handler<M extends Message = Message> = (
  room: RoomCore,
  conn: PlayerConnection,
  msg: M,
  packet: Uint8Array,
) => void | Promise<void>;

export type HandlerTable = { readonly [T in Message["type"]]?: Handler<MessageOf<T>> };

/** Messages a room accepts and has nothing to do with. */
export const ignore: Handler = () => {};
