/**
 * Ghost sessions after a crash (issue 10, finding 3), as an operator meets them: `npm start`
 * with players in a room, `kill -9` of the whole process group, `npm start` again on the same
 * state. The room list converges to the truth within seconds, and a pre-crash token logs
 * nobody into a room.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { joinRoom, type LoginResult, login, ServerRefusal } from "../../client/flows.ts";
import { printedPorts, processTree, type Run, run, waitGone } from "./service-helpers.ts";

const runs: Run[] = [];
let root: string | undefined;
afterAll(async () => {
  for (const r of runs) r.kill();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A short grace, so the test need not wait a minute for a token whose user left to die. */
const GRACE_S = 3;

async function npmStart(state: string, tmp: string) {
  const started = run("npm", ["start", "--", "--ephemeral-ports", "--state-dir", state], {
    TMPDIR: tmp,
    TOKEN_GRACE_SECONDS: String(GRACE_S),
  });
  runs.push(started);
  await started.waitFor(/Press Ctrl-C/);
  return { started, ports: printedPorts(started.output()) };
}

const guest = (port: number, user: string) =>
  login("127.0.0.1", port, { dialect: "myth2", user, password: "", timeoutMs: 15_000 });

/** Room 0's player count in a fresh login's room list. */
async function room0Players(port: number, user: string): Promise<number> {
  const result = await guest(port, user);
  return result.rooms.find((r) => r.roomId === 0)?.playerCount ?? -1;
}

describe("kill -9 with players in a room, then npm start again", () => {
  it("shows no ghost in the room list after the reconciliation, and refuses the old tokens", async () => {
    root = await mkdtemp(join(tmpdir(), "crash-test-"));
    const state = join(root, "state");
    const first = await npmStart(state, root);
    const room0 = first.ports.rooms.get(0) as number;
    const joined: LoginResult[] = [];
    for (const user of ["Ghost1", "Ghost2"]) {
      const result = await guest(first.ports.login, user);
      await joinRoom("127.0.0.1", room0, {
        dialect: "myth2",
        token: result.token,
        userName: user,
        playerData: result.playerData,
        timeoutMs: 15_000,
      });
      joined.push(result);
    }
    expect(await room0Players(first.ports.login, "Looker")).toBe(2);

    const tree = processTree(first.started.child.pid as number);
    first.started.kill(); // SIGKILL to the whole group: nobody says goodbye
    expect(await waitGone(tree, 10_000)).toEqual([]);

    const second = await npmStart(state, root);
    const restartedAt = Date.now();
    // The first contact wakes the directory, which reconciles with the rooms at once.
    const deadline = Date.now() + 10_000;
    let players = await room0Players(second.ports.login, "After0");
    for (let i = 1; players !== 0 && Date.now() < deadline; i++) {
      await new Promise((r) => setTimeout(r, 500));
      players = await room0Players(second.ports.login, `After${i}`);
    }
    expect(players).toBe(0);

    // A pre-crash token logs nobody in: forgotten at the reconciliation, or (when the edge saw
    // the bridge die first and recorded the leaves) dead once its grace ran out.
    await new Promise((r) => setTimeout(r, Math.max(0, restartedAt + (GRACE_S + 1) * 1000 - Date.now())));
    const old = joined[0] as LoginResult;
    const refused = await joinRoom("127.0.0.1", second.ports.rooms.get(0) as number, {
      dialect: "myth2",
      token: old.token,
      userName: "Ghost1",
      playerData: old.playerData,
      timeoutMs: 15_000,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ServerRefusal);
    expect((refused as ServerRefusal).code).toBe(4);
  });
});
