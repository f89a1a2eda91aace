/**
 * Operator probe: logs in like a real client, prints the room list, optionally joins a room
 * and prints its players and games. Exits non-zero with the server's code and text on refusal.
 *
 *   npm run probe -- --host H --port P --user U --password P --dialect myth2|myth2-legacy|myth1|myth3|marathon [--room ID]
 */
import { parseArgs } from "node:util";
import { describeGameData, joinRoom, login, ServerRefusal } from "../client/flows.ts";
import { DIALECTS, type Dialect } from "../protocol/dialect.ts";
import { formatIPv4 } from "../protocol/ipv4.ts";

const USAGE =
  "usage: npm run probe -- --host H --port P --user U --password P --dialect myth2|myth2-legacy|myth1|myth3|marathon [--room ID] [--nick N] [--team T] [--timeout MS]";

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse();
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dialect = (values.dialect ?? "myth2") as Dialect;
  if (!DIALECTS.includes(dialect)) {
    console.error(`unknown dialect ${values.dialect}\n${USAGE}`);
    return 2;
  }
  const host = values.host ?? "127.0.0.1";
  const port = Number(values.port ?? 6321);
  const timeoutMs = Number(values.timeout ?? 10_000);
  const user = values.user ?? "";
  const password = values.password ?? "";
  const nick = values.nick ?? (user || "probe");

  const session = await login(host, port, { dialect, user, password, nick, team: values.team ?? "", timeoutMs });
  console.log(`logged in as ${user || "guest"} (user id ${session.userId}, dialect ${dialect})`);
  console.log(`rooms (${session.rooms.length}):`);
  for (const room of session.rooms) {
    const roomHost = room.host === 0 ? "(metaserver)" : formatIPv4(room.host);
    console.log(
      `  room ${room.roomId}: ${roomHost}:${room.port}  players ${room.playerCount}  games ${room.gameCount}  type ${room.roomType}  flags 0x${room.roomFlags.toString(16)}`,
    );
  }
  if (values.room === undefined) return 0;

  const roomId = Number(values.room);
  const room = session.rooms.find((r) => r.roomId === roomId);
  if (!room) {
    console.error(`room ${roomId} is not in the room list`);
    return 1;
  }
  const roomHost = room.host === 0 ? host : formatIPv4(room.host);
  const inRoom = await joinRoom(roomHost, room.port, {
    dialect,
    token: session.token,
    userName: user,
    playerData: session.playerData,
    timeoutMs,
  });
  console.log(`joined room ${roomId} as user ${inRoom.userId} (room holds up to ${inRoom.maxPlayers})`);
  console.log(`players (${inRoom.players.size}):`);
  for (const p of inRoom.players.values()) {
    console.log(
      `  ${p.aux.playerId}  ${p.player.nick}${p.player.team ? ` [${p.player.team}]` : ""}${p.player.state ? " (in game)" : ""}`,
    );
  }
  console.log(`games (${inRoom.games.size}):`);
  for (const g of inRoom.games.values()) {
    const d = describeGameData(g.gameData);
    console.log(
      `  ${g.aux.gameId}  ${d ? `"${d.name}" on ${d.map}, ${d.playerCount}/${d.maxPlayers}` : `${g.gameData.byteLength} bytes`}  host ${formatIPv4(g.aux.host)}:${g.aux.port}`,
    );
  }
  for (const line of inRoom.messagesOfTheDay) console.log(`motd: ${line}`);
  await inRoom.leave();
  return 0;
}

function parse() {
  return parseArgs({
    options: {
      host: { type: "string" },
      port: { type: "string" },
      user: { type: "string" },
      password: { type: "string" },
      dialect: { type: "string" },
      room: { type: "string" },
      nick: { type: "string" },
      team: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ServerRefusal) {
      console.error(`server refused: code ${err.code}: ${err.text}`);
      process.exit(3);
    }
    console.error(`probe failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
