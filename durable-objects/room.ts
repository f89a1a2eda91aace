import { DurableObject } from "cloudflare:workers";

/** One room: its players (hibernatable sockets) and games. Stub until the room lands. */
export class Room extends DurableObject<Env> {}
