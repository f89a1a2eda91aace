/**
 * A Myth II film as Gate of Storms writes it from a host's recording stream (204–206, §5.23;
 * GoS game_recording.d): a Myth "reco" tag file (`.m2rec`), all big-endian:
 *
 *   64-byte tag header   i16 identifier 0, i8 flags 0, i8 type 0 (local), char[32] name
 *                        (YYYY_MM_DD__HH_MM_SS, NUL-padded), u32 group 'reco', u32 subgroup
 *                        (random, as Myth makes them), i32 offset 64, i32 size 0, u32 user 0,
 *                        i16 version 3, i8 foundation index 0, i8 owner -1, u32 signature 'mth2'
 *   recording header     the 204 bytes as the host sent them, recording_ending_time (offset 8)
 *                        set to the 206 end time
 *   blocks               u32 flags (1 on the last), i16 size, i16 command count, then commands
 *                        whole, at most 2048 bytes of commands per block; at least one block
 *
 * Null commands (verb 0) only carry the game time and are not kept. The file is produced in
 * parts (filmParts) so a long film never has to sit in memory whole.
 */
import { fail, ok, type Result } from "./result.ts";

export const TAG_HEADER_SIZE = 64;
/** The recording header's first fields: i16 game_version, i16 type, i32 data_offset, i32 recording_ending_time. */
export const RECORDING_HEADER_PREFIX_SIZE = 12;
const ENDING_TIME_OFFSET = 8;
export const COMMAND_HEADER_SIZE = 8;
/** Largest block of commands (Myth's read buffer; GoS max_recording_command_block_size). */
export const MAX_BLOCK_BYTES = 2048;
const BLOCK_HEADER_SIZE = 8;
const LAST_BLOCK = 1;
const RECO = 0x7265636f;
const MTH2 = 0x6d746832;
const RECORDING_VERSION = 3;
const TAG_NAME_SIZE = 32;

export const FILM_CONTENT_TYPE = "application/octet-stream";
export const FILM_EXTENSION = ".m2rec";

/** A 205 command's header (i16 size including the header, i8 verb, i8 player index, i32 time). */
export interface RecordingCommand {
  readonly size: number;
  readonly verb: number;
  readonly playerIndex: number;
  readonly time: number;
}

/** The verb of a command that only moves the game time on. */
export const NULL_COMMAND_VERB = 0;

/** Reads a 205 command's header; its size field must match the command it came in. */
export function decodeRecordingCommand(command: Uint8Array): Result<RecordingCommand> {
  if (command.byteLength < COMMAND_HEADER_SIZE) return fail("truncated", "recording command shorter than its header");
  if (command.byteLength > MAX_BLOCK_BYTES) return fail("too-long", `recording command of ${command.byteLength} bytes`);
  const v = new DataView(command.buffer, command.byteOffset, command.byteLength);
  const size = v.getInt16(0);
  if (size !== command.byteLength) {
    return fail("bad-length", `recording command says ${size} bytes, carries ${command.byteLength}`);
  }
  return ok({ size, verb: v.getInt8(2), playerIndex: v.getInt8(3), time: v.getInt32(4) });
}

/** The tag name GoS gives a film: its time as YYYY_MM_DD__HH_MM_SS (here: the UTC start time). */
export function filmTagName(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getUTCFullYear(), 4)}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}__${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}`;
}

/** The download name: the tag name, the host's user id, the Myth II film extension. */
export function filmFileName(epochMs: number, hostUserId: number): string {
  return `${filmTagName(epochMs)}_${hostUserId}${FILM_EXTENSION}`;
}

export function encodeTagHeader(name: string, subgroupTag: number): Uint8Array {
  const bytes = new Uint8Array(TAG_HEADER_SIZE);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < Math.min(name.length, TAG_NAME_SIZE - 1); i++) bytes[4 + i] = name.charCodeAt(i) & 0x7f;
  v.setUint32(36, RECO);
  v.setUint32(40, subgroupTag >>> 0);
  v.setInt32(44, TAG_HEADER_SIZE);
  v.setInt16(56, RECORDING_VERSION);
  v.setInt8(59, -1);
  v.setUint32(60, MTH2);
  return bytes;
}

/** A copy of the recording header with its ending time set, or an error when it is too short to have one. */
export function finishRecordingHeader(header: Uint8Array, endTime: number): Result<Uint8Array> {
  if (header.byteLength < RECORDING_HEADER_PREFIX_SIZE) {
    return fail("truncated", `recording header of ${header.byteLength} bytes has no ending time`);
  }
  const copy = header.slice();
  new DataView(copy.buffer).setInt32(ENDING_TIME_OFFSET, endTime);
  return ok(copy);
}

/** Bytes of the film file for a recording header and commands of these sizes. */
export function filmLength(headerBytes: number, commandSizes: Iterable<number>): number {
  let total = TAG_HEADER_SIZE + headerBytes;
  for (const block of blocksOf(commandSizes)) total += BLOCK_HEADER_SIZE + block.bytes;
  return total;
}

export interface FilmSource {
  readonly name: string;
  readonly subgroupTag: number;
  /** The recording header with its ending time set (finishRecordingHeader). */
  readonly header: Uint8Array;
  /** The kept (non-null) commands, in order. */
  readonly commands: Iterable<Uint8Array>;
}

/** The film file, part by part: the tag header, the recording header, then each block. */
export function* filmParts(source: FilmSource): Generator<Uint8Array> {
  yield encodeTagHeader(source.name, source.subgroupTag);
  yield source.header;
  let block: Uint8Array[] = [];
  let bytes = 0;
  const flush = (last: boolean) => {
    const part = new Uint8Array(BLOCK_HEADER_SIZE + bytes);
    const v = new DataView(part.buffer);
    v.setUint32(0, last ? LAST_BLOCK : 0);
    v.setInt16(4, bytes);
    v.setInt16(6, block.length);
    let at = BLOCK_HEADER_SIZE;
    for (const c of block) {
      part.set(c, at);
      at += c.byteLength;
    }
    block = [];
    bytes = 0;
    return part;
  };
  for (const command of source.commands) {
    if (block.length > 0 && bytes + command.byteLength > MAX_BLOCK_BYTES) yield flush(false);
    block.push(command);
    bytes += command.byteLength;
  }
  yield flush(true);
}

/** Block sizes in the order filmParts writes them (GoS packs greedily; the last block is flagged). */
function* blocksOf(sizes: Iterable<number>): Generator<{ bytes: number; count: number }> {
  let bytes = 0;
  let count = 0;
  for (const size of sizes) {
    if (count > 0 && bytes + size > MAX_BLOCK_BYTES) {
      yield { bytes, count };
      bytes = 0;
      count = 0;
    }
    bytes += size;
    count++;
  }
  yield { bytes, count };
}
