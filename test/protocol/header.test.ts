import { describe, expect, it } from "vitest";
import { decodeHeader, encodePacket } from "../../protocol/header.ts";
import { hex } from "../support/bytes.ts";

describe("header", () => {
  it("frames an empty keepalive as in PROTOCOL.md §12.2", () => {
    expect(encodePacket(202, new Uint8Array())).toEqual(hex("de ad 00 ca 00 00 00 08"));
  });
  it("rejects a bad identifier and an oversize length", () => {
    expect(decodeHeader(hex("de ae 00 ca 00 00 00 08"))).toMatchObject({ ok: false, error: { kind: "bad-magic" } });
    expect(decodeHeader(hex("de ad 00 ca 00 01 00 00"))).toMatchObject({ ok: false, error: { kind: "bad-length" } });
  });
});
