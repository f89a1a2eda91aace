/**
 * Messages between the bench coordinator and its child processes (Node IPC, JSON).
 * Servers: edge-process.ts and bridge-process.ts. Clients: client-process.ts.
 */
import type { Dialect } from "../protocol/dialect.ts";
import type { HistogramData } from "./histogram.ts";

// ------------------------------------------------------------------------------- servers

export interface EdgeReady {
  t: "ready";
  url: string;
}

export interface BridgeReady {
  t: "ready";
  loginPort: number;
  roomPorts: [number, number][];
}

export interface BridgeMemory {
  t: "memory";
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  connections: number;
  bytesIn: number;
  bytesOut: number;
  droppedSlowClients: number;
  protocolErrors: number;
  rejectedByIpCap: number;
  /** Times a client was paused by the bridge's packet rate limit. */
  rateLimited: number;
}

// ------------------------------------------------------------------------------- clients

export interface ClientSpec {
  /** Global client number (names, round-robin). */
  index: number;
  user: string;
  /** "" ⇒ guest. */
  password: string;
  dialect: Dialect;
  encrypt: boolean;
  /** Which of this game's rooms (in room-list order) to join; -1 ⇒ log in only. */
  roomSlot: number;
}

export interface SetupCommand {
  t: "setup";
  host: string;
  loginPort: number;
  clients: ClientSpec[];
  /** Logins (and joins) in flight at once in this process. */
  concurrency: number;
  timeoutMs: number;
}

export interface ChatCommand {
  t: "chat";
  /** Chat messages per second this process sends (spread over its clients). */
  rate: number;
  durationMs: number;
}

export type ToClient = SetupCommand | ChatCommand | { t: "counts" } | { t: "report" } | { t: "reset" } | { t: "stop" };

export interface Joined {
  index: number;
  /** "host:port" of the room: the same key in every process. */
  room: string;
  userId: number;
}

export interface Failure {
  index: number;
  phase: "login" | "join";
  error: string;
}

export interface SetupProgress {
  t: "setup-progress";
  loggedIn: number;
  joined: number;
  failed: number;
}

export interface SetupDone {
  t: "setup-done";
  /** Milliseconds per successful login (TCP connect to room list). */
  loginMs: number[];
  /** Milliseconds per successful room join. */
  joinMs: number[];
  joined: Joined[];
  failures: Failure[];
  /** Wall time of the whole setup in this process. */
  elapsedMs: number;
}

export interface Counts {
  t: "counts";
  /** Chat messages sent, by room. */
  sent: Record<string, number>;
  /** Bench chat lines received (all receivers of this process together). */
  received: number;
  /** Every message received (any type): used to see when join traffic has settled. */
  messages: number;
  /** Connections that closed before the end. */
  disconnects: number;
  sending: boolean;
}

export interface Report {
  t: "report";
  latency: HistogramData;
  /** Per joined client: its room and how many bench chat lines it received. */
  receivers: { index: number; room: string; received: number }[];
  sent: Record<string, number>;
  disconnects: number;
  decodeErrors: number;
  /** First few errors, for the log. */
  errors: string[];
}

export type FromClient = SetupProgress | SetupDone | Counts | Report;
