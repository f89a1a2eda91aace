/**
 * A run of consecutive free TCP ports on 127.0.0.1 for a test's proxy pool, below Linux's
 * ephemeral range (32768+), where the other tests' ephemeral listeners and client sockets
 * live: a random base, kept only if every port of it can be bound right now.
 */
import { createServer } from "node:net";

const LOW = 20_000;
const HIGH = 32_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port }, () => server.close(() => resolve(true)));
  });
}

export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = LOW + 2 * Math.floor(Math.random() * ((HIGH - LOW - count) / 2));
    let ok = true;
    for (let p = first; p < first + count && ok; p++) ok = await bindable(p);
    if (ok) return first;
  }
  throw new Error(`no ${count} free consecutive ports between ${LOW} and ${HIGH}`);
}
