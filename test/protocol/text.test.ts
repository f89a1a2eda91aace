import { describe, expect, it } from "vitest";
import { normalizeUserName, stripFormatting, stripUserName, TEXT_LIMITS } from "../../protocol/text.ts";

describe("stripFormatting (§1.3)", () => {
  it("removes every Myth code, in either case", () => {
    expect(stripFormatting("|iAlice|p")).toBe("Alice");
    expect(stripFormatting("|b|I|L|r|c|s|u|Pname")).toBe("name");
  });

  it("keeps a bar that is not followed by a code letter", () => {
    expect(stripFormatting("a|x|1|")).toBe("a|x|1|");
  });

  it("makes one pass, like GoS's global regex and the Aleph One loop", () => {
    expect(stripFormatting("||bb")).toBe("|b");
    expect(stripFormatting("|||pp", "aleph-one")).toBe("||p");
  });

  it("Aleph One has no |u code", () => {
    expect(stripFormatting("|uA|Sb", "aleph-one")).toBe("|uAb");
    expect(stripFormatting("|uA|Sb", "myth")).toBe("Ab");
  });
});

describe("user names", () => {
  it("strips codes before trimming, as GoS does", () => {
    expect(stripUserName("  ABC    |p")).toBe("ABC");
    expect(stripUserName("|i |b ")).toBe("");
  });

  it("keeps inner whitespace", () => {
    expect(stripUserName("Big  Al")).toBe("Big  Al");
  });

  it("normalizes case so Alice and |ialice are one account", () => {
    expect(normalizeUserName("|iAlice ")).toBe("alice");
    expect(normalizeUserName("ALICE")).toBe(normalizeUserName("alice"));
    expect(normalizeUserName("Ärger")).toBe("ärger");
  });

  it("treats Mac Roman's non-breaking space (0xCA) as whitespace", () => {
    expect(normalizeUserName("\u00a0Bob\u00a0")).toBe("bob");
  });

  it("exports the struct limits", () => {
    expect(TEXT_LIMITS).toMatchObject({ userName: 31, password: 15, gameName: 31, mapName: 63 });
  });
});
