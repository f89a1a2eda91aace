import { DurableObject } from "cloudflare:workers";

/** Who is online where, handoff tokens, room counts. Stub until the directory lands. */
export class Directory extends DurableObject<Env> {}
