import { familyOf } from "../../../protocol/families.ts";
import type { DotCommand } from "./command.ts";

/** Aleph One's default game port (the gatherer listens there unless configured otherwise). */
export const ALEPH_ONE_GAME_PORT = 4226;

/**
 * `.test [port]` (A1S `GameTester.py`): the caller's bridge tries its game port (the hosted
 * game's port, else the one given, else Aleph One's default) and the answer comes as a blue
 * message when the probe is done (handlers/host-proxy.ts), so a gatherer learns why nobody
 * can join. Any family may ask; Aleph One players are the ones who need it.
 */
export const test: DotCommand = {
  name: "test",
  level: 0,
  summary: "checks whether other players can reach your game port",
  run: (ctx, params) => {
    const hosted = ctx.room.gameList().find((g) => g.hostId === ctx.caller.userId && g.proxy === undefined);
    const given = Number(params.trim());
    let port = familyOf(ctx.caller.dialect) === "aleph-one" ? ALEPH_ONE_GAME_PORT : 0;
    if (hosted) port = hosted.port;
    else if (params.trim() !== "" && Number.isInteger(given) && given > 0 && given <= 0xffff) port = given;
    if (port === 0) return ["Say which port to test: .test <port>"];
    if (!ctx.hostCheck(port, "probe")) return ["The connection test is not available through this server."];
    return [`Testing whether your game port ${port} can be reached...`];
  },
};
