/**
 * Check 3: the room object loses everything in memory while a host streams its film (204,
 * 205) and a flooder in the same room is muted (the per-user chat limit is active).
 *
 * How the room is evicted: local workerd evicts an idle object only after ~10 s without
 * traffic, which a streaming film never allows, and it has no way to evict one object on
 * demand. So the edge is killed with SIGKILL and restarted: the whole workerd process goes,
 * so no in-memory state of any object survives (a harder cut than one eviction, since the
 * other objects lose theirs too), and only what each object wrote to its storage is there
 * when the room wakes again.
 * Pass: the film is stored whole or cleanly cut (its row's size and SHA-256 match the file,
 * and the file holds exactly the first N commands sent, in order, nothing else), or has no
 * file with a status that says so; the flooder's limit is either kept (still muted) or
 * cleanly reset (its next line passes), and flooding again is limited as before; the room
 * serves chat and a new film afterwards; nothing crashes.
 */
import { createHash } from "node:crypto";
import { muteText, WARN_TEXT } from "../../durable-objects/room/chat-guard.ts";
import { MessageType } from "../../protocol/message-types.ts";
import { type ReliabilityStack, startReliabilityStack } from "../stack.ts";
import type { Check, CheckContext, Verdict } from "./check.ts";
import { address, api, type Player, player, poll, rejoin, sleep } from "./players.ts";
import { EXPECTED_TUNNEL_ERRORS } from "./tunnel-cuts.ts";

/** The per-user chat budget at its defaults (the stack lifts it for load); mute after 10 strikes. */
const CHAT_DEFAULTS = { CHAT_LINES_PER_MINUTE: "120", CHAT_BURST: "20", CHAT_MUTE_AFTER: "10", CHAT_KICK_AFTER: "30" };
/** Burst 20, then 15 dropped lines: warned and muted, not yet kicked. */
const FLOOD_LINES = 35;
const FILM_COMMANDS_PER_SECOND = 50;
const HEADER_BYTES = 300;

interface Film {
  id: string;
  status: string;
  bytes: number;
  sha256: string | null;
  download: string | null;
}

export const roomEviction: Check = {
  name: "room-eviction",
  description: "room loses its memory (edge kill -9) while a film streams and a flood limit is active",
  deadlineMs: 90_000,
  async run(ctx, v) {
    const stack = await startReliabilityStack({
      rooms: [{ id: 0, name: "Films", game: "myth2", type: "unranked", films: "required" }],
      vars: CHAT_DEFAULTS,
      // Films stream faster than a person chats: the bridge's packet limit is not the subject here.
      bridge: { maxPacketsPerSecond: 1_000, packetBurst: 2_000 },
      verbose: ctx.verbose,
    });
    try {
      await exercise(stack, ctx, v);
    } finally {
      await stack.stop();
    }
  },
};

function command(i: number): Uint8Array {
  const c = new Uint8Array(16);
  const view = new DataView(c.buffer);
  view.setInt16(0, 16);
  view.setInt8(2, 5); // a non-null command: every one is kept in the file
  view.setInt32(4, i * 10);
  view.setInt32(8, i);
  c.fill(i & 0xff, 12);
  return c;
}

function header(): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  for (let i = 0; i < h.length; i++) h[i] = (i * 7) & 0xff;
  const view = new DataView(h.buffer);
  view.setInt16(0, 2180);
  view.setInt32(8, -1);
  return h;
}

/**
 * The commands a reco file holds (64-byte tag, the header, then blocks of an 8-byte head
 * (u32 last, i16 bytes, i16 count) and their 16-byte commands); null when it does not parse.
 */
function filmCommands(file: Buffer): Buffer[] | null {
  let at = 64 + HEADER_BYTES;
  const out: Buffer[] = [];
  while (at < file.byteLength) {
    if (at + 8 > file.byteLength) return null;
    const bytes = file.readInt16BE(at + 4);
    const count = file.readInt16BE(at + 6);
    if (bytes !== count * 16 || at + 8 + bytes > file.byteLength) return null;
    for (let i = 0; i < count; i++) out.push(file.subarray(at + 8 + i * 16, at + 24 + i * 16));
    at += 8 + bytes;
  }
  return at === file.byteLength ? out : null;
}

const filmsOf = async (stack: ReliabilityStack, hostId: number) =>
  (await api<{ films: Film[] }>(stack, `/api/films?host=${hostId}`)).films;

/** Counts what reaches `ear` of the flooder's lines starting with `prefix`. */
function heard(ear: Player, prefix: string): { count: number } {
  const got = { count: 0 };
  ear.session.client.on("message", ({ message }) => {
    if (message.type === MessageType.RoomBroadcast && message.text.startsWith(prefix)) got.count++;
  });
  return got;
}

async function flood(flooder: Player, prefix: string): Promise<void> {
  for (let i = 0; i < FLOOD_LINES; i++) flooder.session.chat(`${prefix} ${i}`);
  await sleep(1_000);
}

async function exercise(stack: ReliabilityStack, ctx: CheckContext, v: Verdict): Promise<void> {
  const host = await player(stack, "filmhost", 0, address(1));
  const flooder = await player(stack, "flooder", 0, address(2));
  const ear = await player(stack, "listener", 0, address(3));

  // The flooder is warned and muted: the limit is active when the room loses its memory.
  const before = heard(ear, "flood1");
  await flood(flooder, "flood1");
  const muted = flooder.session.messagesOfTheDay.includes(muteText(30));
  v.figure("floodLinesBefore", FLOOD_LINES);
  v.figure("floodLinesPassedBefore", before.count);
  v.expect(
    muted && flooder.session.messagesOfTheDay.includes(WARN_TEXT),
    "the flooder was not warned and muted before the kill",
  );

  // The film streams at 50 commands/s; the edge dies in the middle of it.
  host.session.createGame({ name: "Filmed", map: "Mirror" });
  await host.session.waitFor(() => host.session.games.has(host.userId), 5_000, "own game");
  const h = header();
  host.session.client.send({ type: MessageType.RecordingStreamHeader, data: h });
  const sent: Uint8Array[] = [];
  let streaming = true;
  const stream = (async () => {
    while (streaming && host.session.client.isOpen) {
      const c = command(sent.length);
      try {
        host.session.client.send({ type: MessageType.RecordingStreamCommand, command: c });
      } catch {
        break;
      }
      sent.push(c);
      await sleep(1000 / FILM_COMMANDS_PER_SECOND);
    }
  })();
  await sleep(2_000);
  ctx.log(`room-eviction: kill -9 of the edge after ${sent.length} film commands`);
  await stack.kill("edge");
  streaming = false;
  await stream;
  await stack.restart("edge");
  v.figure("filmCommandsSent", sent.length);

  // Everyone's connection died with the tunnels; they come back as clients do.
  for (const p of [host, flooder, ear]) {
    await Promise.race([p.session.client.closed, sleep(10_000)]);
    await poll(() => rejoin(stack, p, 0).then(() => true), 15_000, 250);
  }

  // The film: a row with a status that tells, and a file that is exactly a prefix of the stream.
  const film = await poll(async () => {
    const [f] = await filmsOf(stack, host.userId);
    return f && f.status !== "recording" ? f : null;
  }, 20_000);
  v.figure("filmStatus", film?.status ?? "no row");
  if (film?.download) {
    const res = await fetch(`${stack.httpUrl}${film.download}`);
    const body = Buffer.from(await res.arrayBuffer());
    const sha = createHash("sha256").update(body).digest("hex");
    const commands = filmCommands(body);
    const prefixOk =
      commands !== null &&
      commands.length <= sent.length &&
      commands.every((c, i) => c.equals(Buffer.from(sent[i] as Uint8Array))) &&
      body.subarray(64 + 16, 64 + HEADER_BYTES).equals(Buffer.from(h.subarray(16)));
    v.figure("filmBytes", body.byteLength);
    v.figure("filmCommandsStored", commands?.length ?? null);
    v.figure("filmShaMatches", sha === film.sha256 && res.headers.get("x-film-sha256") === sha);
    v.expect(res.status === 200, `film download: HTTP ${res.status}`);
    v.expect(
      sha === film.sha256 && body.byteLength === film.bytes,
      `the film file does not match its row: file ${body.byteLength} bytes, SHA-256 ${sha.slice(0, 12)}…; row ${film.bytes} bytes, ${film.sha256?.slice(0, 12)}…; X-Film-SHA256 ${res.headers.get("x-film-sha256")?.slice(0, 12)}…`,
    );
    v.expect(prefixOk, "the film file is not a clean prefix of the stream the host sent");
  } else if (film) {
    v.figure("filmBytes", 0);
    v.expect(["cut", "missing"].includes(film.status), `film ${film.status} without a file`);
  } else {
    v.fail("the film interrupted by the eviction left no row at all (neither stored nor marked cut)");
  }

  // The flood limit: kept (still muted, the line does not pass) or reset (it passes), then
  // a second flood is limited as the first was.
  const one = heard(ear, "after restart");
  flooder.session.chat("after restart");
  await sleep(1_500);
  v.figure("floodLimitAfterRestart", one.count === 1 ? "reset" : "kept");
  const again = heard(ear, "flood2");
  const motdBefore = flooder.session.messagesOfTheDay.length;
  await flood(flooder, "flood2");
  const told = flooder.session.messagesOfTheDay.slice(motdBefore);
  v.figure("floodLinesPassedAgain", again.count);
  v.expect(
    again.count <= 20 && (one.count === 0 || told.length > 0),
    `the second flood was not limited (${again.count} of ${FLOOD_LINES} lines passed, told: ${told.join(" | ")})`,
  );

  // The room works: chat both ways and a new film is stored whole.
  ear.session.chat("room alive");
  const alive = await host.session.client
    .next((m) => m.type === MessageType.RoomBroadcast && m.text === "room alive", 5_000)
    .then(
      () => true,
      () => false,
    );
  v.expect(alive, "chat does not flow in the room after the restart");
  host.session.createGame({ name: "Filmed again", map: "Mirror" });
  await host.session.waitFor(() => host.session.games.has(host.userId), 5_000, "own game");
  host.session.client.send({ type: MessageType.RecordingStreamHeader, data: h });
  for (let i = 0; i < 20; i++)
    host.session.client.send({ type: MessageType.RecordingStreamCommand, command: command(i) });
  host.session.client.send({ type: MessageType.RecordingStreamEnd, endTime: 4242 });
  const second = await poll(async () => {
    const f = (await filmsOf(stack, host.userId)).find((x) => x.id !== film?.id);
    return f && f.status !== "recording" ? f : null;
  }, 10_000);
  v.figure("newFilmStatus", second?.status ?? "no row");
  v.expect(second?.status === "complete", `a new film after the restart is ${second?.status ?? "not stored"}`);

  const unexpected = stack.logErrors.filter((e) => !EXPECTED_TUNNEL_ERRORS.test(e.line));
  v.figure("crashes", stack.crashes.length);
  v.figure("errorLines", unexpected.length);
  v.expect(stack.crashes.length === 0, `unexpected exits: ${JSON.stringify(stack.crashes)}`);
  v.expect(unexpected.length === 0, `error lines: ${unexpected[0]?.line.slice(0, 300)}`);
  await Promise.all([host, flooder, ear].map((p) => p.session.leave().catch(() => {})));
}
