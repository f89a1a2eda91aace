/**
 * Sessions the fuzz campaign (npm run fuzz) found a defect in, replayed through the real bridge
 * into the real edge: each file in test/fixtures/fuzz/ is one session as it was sent, from the
 * state it started in. Every one must now end as the rules say (fuzz/session.ts).
 *
 * Found so far: a keepalive (202) carrying bytes — a bit flip of 206, a retype, a splice — was
 * swallowed by the bridge, so the room never saw the malformed packet and the connection stayed
 * open. The bridge now passes a non-empty 202 on to the edge, which answers syntax error and
 * closes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reproducer } from "../../reliability/fuzz/campaign.ts";
import { FAMILY_ROOMS } from "../../reliability/fuzz/run.ts";
import { type FuzzTarget, replaySession } from "../../reliability/fuzz/session.ts";
import type { LocalStack } from "../../scripts/local-stack.ts";
import { startTestStack } from "./stack.ts";

const DIR = join(import.meta.dirname, "../fixtures/fuzz");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));

let stack: LocalStack;
let target: FuzzTarget;
beforeAll(async () => {
  const rooms = [...new Map(FAMILY_ROOMS.map((f) => [f.roomId, f.game])).entries()];
  stack = await startTestStack({
    roomConfig: JSON.stringify(rooms.map(([id, game]) => ({ id, game, type: "unranked", capacity: 64 }))),
  });
  target = {
    host: stack.host,
    loginPort: stack.loginPort,
    roomPort: (id) => stack.roomPorts.get(id) as number,
    roomIds: [...stack.roomPorts.keys()],
  };
});
afterAll(() => stack?.stop());

describe("fuzz reproducers", () => {
  it("has some", () => expect(files.length).toBeGreaterThan(0));

  it.each(files)("%s: the connection is closed after the bad packet", async (file) => {
    const repro = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Reproducer;
    const outcome = await replaySession(
      target,
      {
        dialect: repro.dialect,
        state: repro.state,
        roomId: repro.roomId,
        nick: `replay${files.indexOf(file)}`,
        localAddress: "127.0.0.1",
      },
      repro.packets,
    );
    expect(outcome).toBe("closed-after-bad");
  });
});
