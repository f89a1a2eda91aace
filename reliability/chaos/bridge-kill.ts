/**
 * Check 1: `kill -9` of the bridge with honest players in two rooms and a ranked game in
 * progress, then a restart on the same ports. Every client sees its TCP connection die and
 * reconnects (log in again, enter its room again), as a real game client does by hand.
 * Pass: nothing durable is lost (accounts log in with their passwords, the game reported
 * before the kill is stored once with its ratings, the game in progress is settled at most
 * once), and within 5 s of the last reconnect every room list (a fresh login's, and the
 * room_list every player in a room holds) shows the true player counts, and every player list
 * shows exactly the players there (no ghost of a dead session).
 */
import type { RoomInfo } from "../../protocol/messages.ts";
import { startReliabilityStack } from "../stack.ts";
import type { Check } from "./check.ts";
import {
  address,
  gamesOf,
  hostWins,
  inBatches,
  loginAt,
  type Player,
  player,
  poll,
  profile,
  rejoin,
  sleep,
  stackHealth,
  startGame,
} from "./players.ts";

const CONVERGE_MS = 5_000;
const ROOMS = [
  { id: 0, name: "Ranked", game: "myth2" as const, type: "ranked" as const },
  { id: 1, name: "Unranked", game: "myth2" as const, type: "unranked" as const },
];

export const bridgeKill: Check = {
  name: "bridge-kill",
  description:
    "kill -9 of the bridge, restart: clients reconnect, nothing durable lost, room lists converge within 5 s",
  deadlineMs: 90_000,
  async run(ctx, v) {
    const stack = await startReliabilityStack({
      rooms: ROOMS,
      vars: { RESULTS_REPORT_WINDOW_SECONDS: "2", TOKEN_GRACE_SECONDS: "3" },
      verbose: ctx.verbose,
    });
    try {
      const names = Array.from({ length: 10 }, (_, i) => `bk${ctx.seed % 1000}p${i}`);
      const roomOf = (i: number) => (i < 6 ? 0 : 1);
      const players = await inBatches(names, 5, (name, i) => player(stack, name, roomOf(i), address(i)));
      const [a, b, c, d] = players as [Player, Player, Player, Player];

      // A game played and reported before the kill: it must survive as stored.
      await startGame(stack, a, [b]);
      for (const p of [a, b]) p.session.client.send(hostWins(a, b, p));
      const before = await poll(async () => {
        const [g] = await gamesOf(stack, a.name);
        return g && g.status === "rated" ? g : null;
      }, 15_000);
      v.expect(before !== null, "the game reported before the kill was not rated within 15 s");
      const ratingBefore = (await profile(stack, a.name)).ratings.find((r) => r.category === "overall");
      // A game in progress at the kill (host c, opponent d): settled at most once afterwards.
      await startGame(stack, c, [d]);
      for (const p of players) {
        if (!p.session.client.isOpen)
          v.fail(`${p.name} was disconnected before the kill (kicked: ${p.session.kickedReason})`);
        else p.session.chat(`hello from ${p.name}`);
      }
      await sleep(300);

      ctx.log("bridge-kill: kill -9 of the bridge");
      await stack.kill("bridge");
      const closed = await Promise.race([
        Promise.all(players.map((p) => p.session.client.closed)).then(() => true),
        sleep(5_000).then(() => false),
      ]);
      v.expect(closed, "not every client saw its connection die within 5 s of the kill");
      const restartStarted = performance.now();
      await stack.restart("bridge");
      const restartedAt = performance.now();
      v.figure("bridgeRestartMs", Math.round(restartedAt - restartStarted));

      // Reconnect by design: every client logs in again and re-enters its room.
      await inBatches(players, 5, (p, i) => rejoin(stack, p, roomOf(i)));
      const rejoinedAt = performance.now();
      v.figure("reconnectAllMs", Math.round(rejoinedAt - restartedAt));

      const truth = new Map<number, number[]>([
        [0, players.filter((_, i) => roomOf(i) === 0).map((p) => p.session.userId)],
        [1, players.filter((_, i) => roomOf(i) === 1).map((p) => p.session.userId)],
      ]);
      const portToRoom = new Map(ROOMS.map((r) => [stack.roomPorts.get(r.id) as number, r.id]));
      const countsRight = (rooms: readonly RoomInfo[]) =>
        ROOMS.every((r) => {
          const info = rooms.find((x) => portToRoom.get(x.port) === r.id);
          return info?.playerCount === truth.get(r.id)?.length;
        });
      let observers = 0;
      const converged = await poll(
        async () => {
          const sessionsOk = players.every((p, i) => {
            const ids = truth.get(roomOf(i)) as number[];
            const listed = [...p.session.players.keys()].sort();
            return countsRight(p.session.rooms) && JSON.stringify(listed) === JSON.stringify([...ids].sort());
          });
          if (!sessionsOk) return null;
          const fresh = await loginAt(stack, "", "", address(200 + (observers++ % 40), 0));
          return countsRight(fresh.rooms) ? performance.now() : null;
        },
        CONVERGE_MS + 5_000,
        100,
      );
      const convergeMs = converged === null ? null : Math.round(converged - rejoinedAt);
      v.figure("convergeAfterLastReconnectMs", convergeMs);
      v.figure("convergeAfterRestartMs", converged === null ? null : Math.round(converged - restartedAt));
      v.expect(
        convergeMs !== null && convergeMs <= CONVERGE_MS,
        `room and player lists did not converge within ${CONVERGE_MS} ms of the last reconnect (${convergeMs ?? "never"})`,
      );

      // Nothing durable lost: the reported game, its ratings; the game in progress at most once.
      const after = await gamesOf(stack, a.name);
      v.figure("storedGamesOfHostBefore", before ? 1 : 0);
      v.figure("storedGamesOfHostAfter", after.length);
      v.expect(
        after.length === 1 && after[0]?.id === before?.id && after[0]?.status === "rated",
        `the game reported before the kill is not stored as it was: ${JSON.stringify(after)}`,
      );
      const ratingAfter = (await profile(stack, a.name)).ratings.find((r) => r.category === "overall");
      v.expect(
        ratingAfter?.games === ratingBefore?.games && ratingAfter?.rating === ratingBefore?.rating,
        `host's rating changed across the bridge restart: ${JSON.stringify(ratingBefore)} → ${JSON.stringify(ratingAfter)}`,
      );
      const inProgress = await poll(async () => {
        const gs = await gamesOf(stack, c.name);
        return gs.every((g) => g.status !== "playing" && g.status !== "reported") ? gs : null;
      }, 10_000);
      v.figure("gameInProgressRows", inProgress?.length ?? null);
      v.figure("gameInProgressStatus", inProgress?.map((g) => g.status).join(",") ?? "unsettled");
      v.expect(inProgress !== null && inProgress.length <= 1, "the game in progress at the kill is not settled once");

      const health = stackHealth(stack);
      v.figure("crashes", health.crashes);
      v.figure("errorLines", health.errorLines);
      v.expect(health.crashes === 0, `unexpected exits: ${JSON.stringify(stack.crashes)}`);
      v.expect(health.errorLines === 0, `error lines in the logs: ${health.firstError}`);
      await Promise.all(players.map((p) => p.session.leave().catch(() => {})));
    } finally {
      await stack.stop();
    }
  },
};
