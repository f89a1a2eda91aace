/** protocol/film.ts: the reco file's parts and the checks on what a host streams. */
import { describe, expect, it } from "vitest";
import {
  decodeRecordingCommand,
  encodeTagHeader,
  filmFileName,
  filmLength,
  filmParts,
  finishRecordingHeader,
} from "../../protocol/film.ts";

const command = (size: number, verb = 5, time = 7) => {
  const c = new Uint8Array(size);
  const v = new DataView(c.buffer);
  v.setInt16(0, size);
  v.setInt8(2, verb);
  v.setInt32(4, time);
  return c;
};

describe("film file", () => {
  it("the tag header is GoS's 64 bytes", () => {
    const h = encodeTagHeader("2026_12_02__03_05_00", 0x01020304);
    expect(h.byteLength).toBe(64);
    const v = new DataView(h.buffer);
    expect(new TextDecoder().decode(h.subarray(4, 24))).toBe("2026_12_02__03_05_00");
    expect(h[24]).toBe(0);
    expect(v.getUint32(36).toString(16)).toBe("7265636f"); // 'reco'
    expect(v.getUint32(40)).toBe(0x01020304);
    expect(v.getInt32(44)).toBe(64);
    expect(v.getInt16(56)).toBe(3);
    expect(v.getInt8(59)).toBe(-1);
    expect(v.getUint32(60).toString(16)).toBe("6d746832"); // 'mth2'
  });

  it("blocks hold at most 2048 bytes of whole commands, the last flagged; filmLength agrees", () => {
    const commands = [command(2000), command(100), command(1948), command(8)];
    const header = finishRecordingHeader(new Uint8Array(12), 99);
    if (!header.ok) throw new Error("header");
    const parts = [...filmParts({ name: "x", subgroupTag: 1, header: header.value, commands })];
    const blocks = parts.slice(2).map((b) => {
      const v = new DataView(b.buffer, b.byteOffset);
      return [v.getUint32(0), v.getInt16(4), v.getInt16(6)];
    });
    expect(blocks).toEqual([
      [0, 2000, 1],
      [0, 2048, 2],
      [1, 8, 1],
    ]);
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    expect(
      filmLength(
        12,
        commands.map((c) => c.byteLength),
      ),
    ).toBe(total);
    expect(new DataView(header.value.buffer).getInt32(8)).toBe(99);
    // No commands at all: still one (last) block.
    expect([...filmParts({ name: "x", subgroupTag: 1, header: header.value, commands: [] })].length).toBe(3);
  });

  it("refuses commands that are not commands and headers with no ending time, with typed errors", () => {
    expect(decodeRecordingCommand(command(16))).toEqual({
      ok: true,
      value: { size: 16, verb: 5, playerIndex: 0, time: 7 },
    });
    expect(decodeRecordingCommand(new Uint8Array(4))).toMatchObject({ ok: false, error: { kind: "truncated" } });
    const lying = command(16);
    new DataView(lying.buffer).setInt16(0, 40);
    expect(decodeRecordingCommand(lying)).toMatchObject({ ok: false, error: { kind: "bad-length" } });
    expect(finishRecordingHeader(new Uint8Array(11), 1)).toMatchObject({ ok: false, error: { kind: "truncated" } });
    expect(filmFileName(Date.UTC(2026, 11, 2, 3, 5, 9), 1073741824)).toBe("2026_12_02__03_05_09_1073741824.m2rec");
  });
});
