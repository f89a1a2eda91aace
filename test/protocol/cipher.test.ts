import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CIPHER_OVERHEAD,
  createKeyPair,
  cryptoRandom,
  DH_GENERATOR,
  DH_PRIME,
  decryptPayload,
  deriveSessionKey,
  encryptPayload,
  keyPairFromExponents,
  type RandomSource,
  SessionCipher,
  scramblePacket,
} from "../../protocol/cipher.ts";
import { encodePacket } from "../../protocol/header.ts";
import { hex } from "../support/bytes.ts";

// §12.2: r0 = 0x01020304 and r1 = 0xA0B0C0D0, each written little-endian.
const vectorRandom: RandomSource = (n) => {
  expect(n).toBe(8);
  return hex("04 03 02 01 d0 c0 b0 a0");
};

const serverPair = keyPairFromExponents([1000, 2000, 3000, 4000]);
const clientPair = keyPairFromExponents([11111, 22222, 3333, 4444]);
const sessionKey = hex("b8 67 10 22 a5 0e a2 6f");

const keepalive = hex("de ad 00 ca 00 00 00 08");
const serverMessage = hex("de ad 00 03 00 00 00 1c 00 00 00 08 55 73 65 72 20 6c 6f 67 67 65 64 20 69 6e 2e 00");
const encryptedKeepalive = hex(
  "de ad 00 ca 00 00 00 20 65 88 0a d4 8d 0e 44 96 99 40 3c 25 43 eb 9d ce 53 d2 ec 04 e3 f5 dc 45",
);
const encryptedServerMessage = hex(`de ad 00 03 00 00 00 34 f4 10 1b f7 16 27 4e 07 21 f2 1f be 6a e1 24 2a eb 4f 2c 9a
  83 74 f3 f5 69 30 33 eb ed cd db cb 7e 82 ac a3 cd 9b dd ea 5d ae 55 39`);

describe("session key exchange (§2.1, §12.2 vectors)", () => {
  it("computes the server public key", () => {
    expect(serverPair.publicKey).toEqual(hex("34 28 6f 4f c0 74 0e 08"));
    expect(serverPair.privateKey).toEqual([1000, 2000, 3000, 4000]);
  });

  it("computes the client public key", () => {
    expect(clientPair.publicKey).toEqual(hex("65 2a 09 19 66 46 e4 53"));
  });

  it("derives the same session key on both sides", () => {
    expect(deriveSessionKey(serverPair.privateKey, clientPair.publicKey)).toEqual({ ok: true, value: sessionKey });
    expect(deriveSessionKey(clientPair.privateKey, serverPair.publicKey)).toEqual({ ok: true, value: sessionKey });
  });

  it("stores each value little-endian (0x2834 = 18334^1000 mod 32717)", () => {
    const view = new DataView(serverPair.publicKey.buffer);
    expect(view.getUint16(0, true)).toBe(0x2834);
    expect(DH_PRIME).toBe(32717);
    expect(DH_GENERATOR).toBe(18334);
  });

  it("rejects a peer key of the wrong size", () => {
    expect(deriveSessionKey(serverPair.privateKey, new Uint8Array(7))).toMatchObject({
      ok: false,
      error: { kind: "truncated" },
    });
    expect(deriveSessionKey(serverPair.privateKey, new Uint8Array(9))).toMatchObject({
      ok: false,
      error: { kind: "trailing" },
    });
  });

  it("creates random key pairs that agree with each other", () => {
    const a = createKeyPair();
    const b = createKeyPair();
    expect(a.publicKey.byteLength).toBe(8);
    for (const x of a.privateKey) expect(x >= 1 && x <= DH_PRIME - 2).toBe(true);
    const ka = deriveSessionKey(a.privateKey, b.publicKey);
    const kb = deriveSessionKey(b.privateKey, a.publicKey);
    expect(ka.ok && kb.ok).toBe(true);
    expect(ka).toEqual(kb);
  });

  it("draws exponents from the injected random source, skipping out-of-range values", () => {
    const draws = [hex("00 00"), hex("7f ff"), hex("03 e8"), hex("07 d0"), hex("0b b8"), hex("0f a0")];
    const pair = createKeyPair(() => draws.shift() ?? new Uint8Array(2));
    expect(pair).toEqual(serverPair);
  });
});

describe("payload cipher (§2.2, §12.2 vectors)", () => {
  it("encrypts an empty keepalive byte for byte", () => {
    const cipher = new SessionCipher(sessionKey, vectorRandom);
    expect(cipher.encryptPacket(keepalive)).toEqual(encryptedKeepalive);
    expect(encryptPayload(sessionKey, new Uint8Array(), vectorRandom)).toEqual(encryptedKeepalive.subarray(8));
  });

  it("encrypts server_message code 8 byte for byte", () => {
    const cipher = new SessionCipher(sessionKey, vectorRandom);
    expect(cipher.encryptPacket(serverMessage)).toEqual(encryptedServerMessage);
  });

  it("decrypts both vectors back to the plaintext packets with their original lengths", () => {
    const cipher = new SessionCipher(sessionKey);
    expect(cipher.decryptPacket(encryptedKeepalive)).toEqual({ ok: true, value: keepalive });
    expect(cipher.decryptPacket(encryptedServerMessage)).toEqual({ ok: true, value: serverMessage });
  });

  it("refuses an encrypted payload under 24 bytes", () => {
    expect(decryptPayload(sessionKey, new Uint8Array(23))).toMatchObject({ ok: false, error: { kind: "truncated" } });
    expect(new SessionCipher(sessionKey).decryptPacket(keepalive)).toMatchObject({
      ok: false,
      error: { kind: "truncated" },
    });
    expect(new SessionCipher(sessionKey).decryptPacket(new Uint8Array(5))).toMatchObject({
      ok: false,
      error: { kind: "truncated" },
    });
  });

  it("reports the wrong key as a bad checksum", () => {
    const otherKey = hex("b8 67 10 22 a5 0e a2 6e");
    expect(decryptPayload(otherKey, encryptedServerMessage.subarray(8))).toMatchObject({
      ok: false,
      error: { kind: "bad-checksum" },
    });
  });

  it("uses fresh random bytes for each packet by default", () => {
    const cipher = new SessionCipher(sessionKey);
    expect(cipher.encryptPacket(keepalive)).not.toEqual(cipher.encryptPacket(keepalive));
  });

  it("hands out random bytes once each, across pool refills, as independent copies", () => {
    // 8 bytes per packet, 2,000 packets: several refills of the 4 KiB pool.
    const draws = Array.from({ length: 2000 }, () => cryptoRandom(8));
    expect(new Set(draws.map((d) => d.join(","))).size).toBe(draws.length);
    const first = draws[0] as Uint8Array;
    const copy = first.slice();
    cryptoRandom(8);
    expect(first).toEqual(copy);
    expect(cryptoRandom(10_000)).toHaveLength(10_000);
  });

  const keyArb = fc.uint8Array({ minLength: 8, maxLength: 8 });

  it("round-trips any payload under any key", () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.integer({ min: -32768, max: 32767 }),
        fc.uint8Array({ maxLength: 600 }),
        (key, type, payload) => {
          const cipher = new SessionCipher(key);
          const packet = encodePacket(type, payload);
          const encrypted = cipher.encryptPacket(packet);
          expect(encrypted.byteLength).toBe(packet.byteLength + CIPHER_OVERHEAD);
          expect(new DataView(encrypted.buffer).getInt32(4)).toBe(encrypted.byteLength);
          expect(encrypted.subarray(0, 4)).toEqual(packet.subarray(0, 4));
          expect(cipher.decryptPacket(encrypted)).toEqual({ ok: true, value: packet });
        },
      ),
    );
  });

  it("turns any single-byte tampering into bad-checksum or a changed plaintext, never a throw", () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (key, payload, at, flip) => {
          const encrypted = encryptPayload(key, payload);
          const i = at % encrypted.byteLength;
          encrypted[i] = (encrypted[i] as number) ^ flip;
          const r = decryptPayload(key, encrypted);
          if (r.ok) expect(r.value).not.toEqual(payload);
          else expect(r.error.kind).toBe("bad-checksum");
        },
      ),
    );
  });

  it("rejects arbitrary bytes as ciphertext without throwing", () => {
    fc.assert(
      fc.property(keyArb, fc.uint8Array({ maxLength: 300 }), (key, bytes) => {
        const r = decryptPayload(key, bytes);
        if (!r.ok) expect(["bad-checksum", "truncated"]).toContain(r.error.kind);
        else expect(r.value.byteLength).toBe(bytes.byteLength - CIPHER_OVERHEAD);
      }),
    );
  });
});

describe("a packet scrambled once for many recipients (the bridge's broadcast path)", () => {
  it("keys to exactly what encryptPacket gives with the same random, for every session key", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (keys, payload, random) => {
          const packet = encodePacket(200, payload);
          const scrambled = scramblePacket(packet, () => random.slice());
          for (const key of keys) {
            const cipher = new SessionCipher(key, () => random.slice());
            expect(cipher.keyScrambled(scrambled)).toEqual(cipher.encryptPacket(packet));
            expect(new SessionCipher(key).decryptPacket(cipher.keyScrambled(scrambled))).toEqual({
              ok: true,
              value: packet,
            });
          }
        },
      ),
    );
  });

  it("gives the §12.2 vector", () => {
    const cipher = new SessionCipher(sessionKey);
    expect(cipher.keyScrambled(scramblePacket(serverMessage, vectorRandom))).toEqual(encryptedServerMessage);
  });
});
