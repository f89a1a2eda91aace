/**
 * A slow reader in front of one client (check 5): the client connects here, the pipe connects
 * on to the bridge from the client's address, and forwards both ways; once `throttle` is
 * called it reads from the bridge at a fixed rate (paused stream, `read(n)` on a timer), so
 * the bridge meets a client that reads at 1 KB/s while the client itself stays a normal
 * LegacyClient.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { listenOnLoopback } from "./cutting-proxy.ts";

export interface SlowPipe {
  readonly port: number;
  /** Bytes read from the bridge so far. */
  bytesFromBridge(): number;
  /** performance.now() when the bridge side closed, or null. */
  closedAt(): number | null;
  throttle(bytesPerSecond: number): void;
  close(): Promise<void>;
}

const TICK_MS = 100;

export async function startSlowPipe(to: { host: string; port: number; localAddress: string }): Promise<SlowPipe> {
  let up: Socket | null = null;
  let down: Socket | null = null;
  let bytes = 0;
  let closedAt: number | null = null;
  let timer: NodeJS.Timeout | null = null;
  const onUp = (chunk: Buffer) => {
    bytes += chunk.byteLength;
    down?.write(chunk);
  };

  const server: Server = createServer((client) => {
    if (down) {
      client.destroy(); // one client per pipe
      return;
    }
    down = client;
    up = tcpConnect({ host: to.host, port: to.port, localAddress: to.localAddress });
    up.on("data", onUp);
    client.pipe(up);
    const end = () => {
      closedAt ??= performance.now();
      if (timer) clearInterval(timer);
      up?.destroy();
      client.destroy();
    };
    for (const s of [client, up]) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  const port = await listenOnLoopback(server, "pipe");
  return {
    port,
    bytesFromBridge: () => bytes,
    closedAt: () => closedAt,
    throttle(bytesPerSecond) {
      const socket = up;
      if (!socket) throw new Error("nobody connected to the pipe yet");
      socket.off("data", onUp);
      socket.pause();
      const perTick = Math.max(1, Math.round((bytesPerSecond * TICK_MS) / 1000));
      timer = setInterval(() => {
        const available = socket.readableLength;
        if (available === 0) {
          // Nothing buffered in Node: let one read from the kernel happen (the stream refills
          // only up to its high-water mark, so this does not read faster than the rate).
          socket.read(0);
          return;
        }
        const chunk = socket.read(Math.min(perTick, available)) as Buffer | null;
        if (chunk) onUp(chunk);
      }, TICK_MS);
    },
    async close() {
      if (timer) clearInterval(timer);
      up?.destroy();
      down?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
