/**
 * The local edge as a child of `npm start` (scripts/start.ts), in a process group of its own so
 * that a signal to npm's group (Ctrl-C, `kill -TERM -<pgid>`) reaches only the parent, which
 * stops the bridge first and then this. Talks over the IPC channel:
 *   parent → { type: "start", options }   child → { type: "ready", url } | { type: "failed", message }
 *   parent → { type: "stop" }             child exits 0 once workerd is gone
 * If the parent dies (the channel closes) the edge stops by itself: it never outlives npm start.
 */
import { handleShutdownSignals } from "../bridge/shutdown.ts";
import { type LocalEdge, type LocalEdgeOptions, startLocalEdge } from "./local-edge.ts";

export type EdgeRequest = { type: "start"; options: LocalEdgeOptions } | { type: "stop" };
export type EdgeReply = { type: "ready"; url: string } | { type: "failed"; message: string };

let edge: LocalEdge | undefined;
let stopping: Promise<void> | undefined;

function stop(): Promise<void> {
  stopping ??= (edge?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  return stopping;
}

function reply(message: EdgeReply): void {
  process.send?.(message);
}

process.on("message", (message: EdgeRequest) => {
  if (message.type === "stop") return void stop();
  startLocalEdge(message.options).then(
    (started) => {
      edge = started;
      // Miniflare installed exit-at-once signal handlers; a direct signal to this process stops it cleanly.
      handleShutdownSignals({ name: "edge", stop });
      if (stopping) return void started.stop();
      reply({ type: "ready", url: started.url });
    },
    (error: unknown) => {
      reply({ type: "failed", message: (error as Error).message ?? String(error) });
      process.exit(1);
    },
  );
});
process.on("disconnect", () => void stop());
