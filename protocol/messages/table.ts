import { BOTH_WAYS_CODECS } from "./both-ways.ts";
import { CLIENT_TO_SERVER_CODECS } from "./client-to-server.ts";
import type { Codec, CodecTable } from "./codec.ts";
import { SERVER_TO_CLIENT_CODECS } from "./server-to-client.ts";
import type { Message } from "./types.ts";

/** Message type number → codec, for every message of §3. */
export const CODECS: CodecTable = { ...SERVER_TO_CLIENT_CODECS, ...CLIENT_TO_SERVER_CODECS, ...BOTH_WAYS_CODECS };

export function codecFor(type: number): Codec<Message> | undefined {
  return (CODECS as unknown as Partial<Record<number, Codec<Message>>>)[type];
}
