/**
 * CPU profiles of the edge's JavaScript inside workerd, through its V8 inspector (Miniflare's
 * inspectorPort): one profile per worker target (the metaserver, Miniflare's entry worker, D1).
 */
import WebSocket from "ws";

/** Inspector targets worth profiling, by the id workerd lists them under. */
const TARGETS = ["core:user:myth-metaserver", "core:entry", "d1:db"];

interface Target {
  id: string;
  ws: WebSocket;
  nextId: number;
  pending: Map<number, (result: unknown) => void>;
}

export class WorkerdProfiler {
  private targets: Target[] = [];

  constructor(private readonly inspectorUrl: URL) {}

  async start(): Promise<void> {
    const http = new URL("/json/list", this.inspectorUrl.toString().replace(/^ws/, "http"));
    const list = (await (await fetch(http)).json()) as { id: string; webSocketDebuggerUrl: string }[];
    for (const entry of list.filter((t) => TARGETS.includes(t.id))) {
      const ws = new WebSocket(entry.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      const target: Target = { id: entry.id, ws, nextId: 1, pending: new Map() };
      ws.on("message", (data) => {
        const m = JSON.parse(String(data)) as { id?: number; result?: unknown };
        if (m.id !== undefined) target.pending.get(m.id)?.(m.result);
      });
      this.targets.push(target);
      await call(target, "Profiler.enable");
      await call(target, "Profiler.start");
    }
  }

  /** Stops every profile; returns [target id, profile JSON] pairs. */
  async stop(): Promise<[string, unknown][]> {
    const out: [string, unknown][] = [];
    for (const target of this.targets) {
      const result = (await call(target, "Profiler.stop")) as { profile: unknown };
      out.push([target.id, result.profile]);
      target.ws.close();
    }
    this.targets = [];
    return out;
  }
}

function call(target: Target, method: string): Promise<unknown> {
  const id = target.nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector ${target.id}: no answer to ${method}`)), 60_000);
    target.pending.set(id, (result) => {
      clearTimeout(timer);
      target.pending.delete(id);
      resolve(result);
    });
    target.ws.send(JSON.stringify({ id, method }));
  });
}

/**
 * A full garbage collection in the metaserver's isolate, then its JS heap size (bytes), so a
 * memory reading counts what is held, not garbage not yet collected.
 */
export async function collectGarbage(inspectorUrl: URL): Promise<{ heapUsedBytes: number }> {
  const http = new URL("/json/list", inspectorUrl.toString().replace(/^ws/, "http"));
  const list = (await (await fetch(http)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const entry = list.find((t) => t.id === "core:user:myth-metaserver");
  if (!entry) throw new Error("the metaserver's inspector target is not listed");
  const ws = new WebSocket(entry.webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const target: Target = { id: entry.id, ws, nextId: 1, pending: new Map() };
  ws.on("message", (data) => {
    const m = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (m.id !== undefined) target.pending.get(m.id)?.(m.result);
  });
  try {
    await call(target, "HeapProfiler.collectGarbage");
    const usage = (await call(target, "Runtime.getHeapUsage")) as { usedSize: number };
    return { heapUsedBytes: usage.usedSize };
  } finally {
    ws.close();
  }
}
