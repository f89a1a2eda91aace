import { describe, expect, it } from "vitest";
import {
  braindeadSimple,
  PasswordType,
  plaintextPasswordBytes,
  readPlaintextPassword,
} from "../../protocol/password.ts";
import { hex } from "../support/bytes.ts";

const salt = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);

describe("braindead simple password transform (§6.1, §12.2 vectors)", () => {
  it('"secret", NUL padded (Aleph One since 2016)', () => {
    expect(braindeadSimple("secret", salt, "nul")).toEqual(hex("63 1a a3 8a 63 1a e5 51 91 f8 67 25 8d 54 0b 0d"));
  });

  it('"secret", 0x23 padded after the NUL (Aleph One 2007-2016)', () => {
    expect(braindeadSimple("secret", salt, "hash")).toEqual(hex("63 1a a3 8a 63 1a e5 96 cb c3 18 07 b9 6b 3c 93"));
  });

  it("a 16-character password fills the buffer with no NUL", () => {
    const expected = hex("20 ff 1f ff 1f ff 1f ff 1f ff 7a 0b a0 7f fe 0b");
    expect(braindeadSimple("0123456789abcdef", salt, "nul")).toEqual(expected);
    // With no room left for padding, the fill makes no difference.
    expect(braindeadSimple("0123456789abcdef", salt, "hash")).toEqual(expected);
  });

  it("only the first 16 bytes of a longer password count", () => {
    expect(braindeadSimple("0123456789abcdefXYZ", salt, "nul")).toEqual(
      braindeadSimple("0123456789abcdef", salt, "nul"),
    );
  });

  it("depends on the salt", () => {
    expect(braindeadSimple("secret", new Uint8Array(16), "nul")).not.toEqual(braindeadSimple("secret", salt, "nul"));
  });
});

describe("plaintext passwords (type 0)", () => {
  it("numbers the schemes as the clients do", () => {
    expect(PasswordType).toEqual({ Plaintext: 0, BraindeadSimple: 1, Md5: 2, RoomServer: 3, Https: 4 });
  });

  it('encodes "pw" as in the §12.2 password_response vector', () => {
    expect(plaintextPasswordBytes("pw")).toEqual(hex("70 77 00"));
  });

  it("reads up to the first NUL, or to the end when there is none", () => {
    expect(readPlaintextPassword(hex("70 77 00"))).toBe("pw");
    expect(readPlaintextPassword(hex("70 77 00 41 42"))).toBe("pw");
    expect(readPlaintextPassword(hex("70 77"))).toBe("pw");
    expect(readPlaintextPassword(new Uint8Array())).toBe("");
    expect(readPlaintextPassword(hex("00 70"))).toBe("");
  });

  it("decodes Mac Roman", () => {
    expect(readPlaintextPassword(hex("8a 9f 00"))).toBe("äü");
    expect(plaintextPasswordBytes("äü")).toEqual(hex("8a 9f 00"));
  });
});
