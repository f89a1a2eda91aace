import { describe, expect, it } from "vitest";
import { decodeMacRoman, encodeMacRoman } from "../../protocol/macroman.ts";

const all = Uint8Array.from({ length: 256 }, (_, i) => i);

describe("Mac Roman (§1.3)", () => {
  it("round-trips all 256 bytes", () => {
    const text = decodeMacRoman(all);
    expect(text.length).toBe(256);
    expect(encodeMacRoman(text)).toEqual(all);
  });

  it("decodes every byte to a distinct character", () => {
    expect(new Set(decodeMacRoman(all)).size).toBe(256);
  });

  it("keeps ASCII as is", () => {
    expect(decodeMacRoman(Uint8Array.from([0x41, 0x7c, 0x7e]))).toBe("A|~");
  });

  it("matches the Apple table where GoS and older tables differ", () => {
    // 0xDB: euro (Apple since Mac OS 8.5, GoS); the older currency sign still encodes to it.
    expect(decodeMacRoman(Uint8Array.of(0xdb))).toBe("\u20ac");
    expect(encodeMacRoman("\u00a4")).toEqual(Uint8Array.of(0xdb));
    // 0xF0: the Apple logo in the private use area (GoS too).
    expect(decodeMacRoman(Uint8Array.of(0xf0))).toBe("\uf8ff");
    // 0xD2: left double quotation mark (GoS's table has U+2010 here, a typo in GoS).
    expect(decodeMacRoman(Uint8Array.of(0xd2))).toBe("\u201c");
    expect(decodeMacRoman(Uint8Array.of(0xa5, 0xca, 0xff))).toBe("\u2022\u00a0\u02c7");
  });

  it("encodes unmappable characters as '?', one per code point", () => {
    expect(encodeMacRoman("a\u4e2db")).toEqual(Uint8Array.of(0x61, 0x3f, 0x62));
    // An astral character (two UTF-16 units) is one '?', not two.
    expect(encodeMacRoman("x\u{1f600}y")).toEqual(Uint8Array.of(0x78, 0x3f, 0x79));
    expect(encodeMacRoman("\u2010")).toEqual(Uint8Array.of(0x3f));
  });

  it("encodes accented Latin letters", () => {
    expect(encodeMacRoman("Ärger über Œuvre")).toEqual(
      Uint8Array.of(0x80, 0x72, 0x67, 0x65, 0x72, 0x20, 0x9f, 0x62, 0x65, 0x72, 0x20, 0xce, 0x75, 0x76, 0x72, 0x65),
    );
  });
});
