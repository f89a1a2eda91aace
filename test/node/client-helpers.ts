/**
 * A scripted server for client tests: a real TCP listener speaking the real framing and
 * session cipher, driven step by step by the test.
 */
import { createServer, type Server, type Socket } from "node:net";
import { createKeyPair, deriveSessionKey, SessionCipher } from "../../protocol/cipher.ts";
import type { Dialect } from "../../protocol/dialect.ts";
import { encodePacket, HEADER_SIZE } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { decodeMessage, encodeMessage, type Message } from "../../protocol/messages.ts";
import { PacketSplitter } from "../../protocol/splitter.ts";

export class ScriptedPeer {
  private readonly splitter = new PacketSplitter();
  private readonly packets: Uint8Array[] = [];
  private waiting: ((packet: Uint8Array) => void) | null = null;
  private cipher: SessionCipher | null = null;
  readonly closed: Promise<void>;

  constructor(
    readonly socket: Socket,
    readonly dialect: Dialect,
  ) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      const split = this.splitter.push(chunk);
      if (!split.ok) throw new Error(`client sent an unframeable stream: ${split.error.message}`);
      for (const packet of split.value) {
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          w(packet);
        } else this.packets.push(packet);
      }
    });
  }

  /** The next raw packet from the client, decrypted when the session is encrypted. */
  async nextPacket(): Promise<Uint8Array> {
    const raw =
      this.packets.shift() ??
      (await new Promise<Uint8Array>((resolve) => {
        this.waiting = resolve;
      }));
    if (!this.cipher) return raw;
    const plain = this.cipher.decryptPacket(raw);
    if (!plain.ok) throw new Error(`cannot decrypt client packet: ${plain.error.message}`);
    return plain.value;
  }

  async nextMessage(): Promise<Message> {
    const decoded = decodeMessage(await this.nextPacket(), this.dialect, "to-server");
    if (!decoded.ok) throw new Error(`cannot decode client packet: ${decoded.error.message}`);
    return decoded.value;
  }

  /**
   * Server side of §2.1. `serverFirst` = GoS (send our key, then read theirs); otherwise
   * MythDev (read theirs, then answer).
   */
  async exchangeKeys(serverFirst: boolean): Promise<void> {
    const keys = createKeyPair();
    if (serverFirst) this.socket.write(encodePacket(MessageType.SessionKey, keys.publicKey));
    const theirs = await this.nextPacket();
    if (new DataView(theirs.buffer, theirs.byteOffset).getInt16(2) !== MessageType.SessionKey) {
      throw new Error("client did not start with its session key");
    }
    if (!serverFirst) this.socket.write(encodePacket(MessageType.SessionKey, keys.publicKey));
    const key = deriveSessionKey(keys.privateKey, theirs.subarray(HEADER_SIZE));
    if (!key.ok) throw new Error(key.error.message);
    this.cipher = new SessionCipher(key.value);
  }

  send(message: Message): void {
    this.sendPacket(encodeMessage(message, this.dialect));
  }

  sendPacket(packet: Uint8Array): void {
    this.socket.write(this.cipher ? this.cipher.encryptPacket(packet) : packet);
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  end(): void {
    this.socket.end();
  }
}

export interface ScriptedServer {
  readonly port: number;
  /** The next accepted connection. */
  accept(dialect: Dialect): Promise<ScriptedPeer>;
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const sockets: Socket[] = [];
  let waiting: ((socket: Socket) => void) | null = null;
  const all = new Set<Socket>();
  const server: Server = createServer((socket) => {
    all.add(socket);
    socket.once("close", () => all.delete(socket));
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(socket);
    } else sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    async accept(dialect) {
      const socket =
        sockets.shift() ??
        (await new Promise<Socket>((resolve) => {
          waiting = resolve;
        }));
      return new ScriptedPeer(socket, dialect);
    },
    async close() {
      for (const s of all) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
