/**
 * The user/login server conversation (PROTOCOL.md §7.1-§7.3) as a state machine fed one
 * packet or decoded message at a time. It does no I/O of its own: accounts, the directory,
 * the room list, randomness and the clock are injected, and every step returns the actions
 * to take (messages to send, then maybe "close"). edge/login/driver.ts wires it to a
 * bridge's WebSocket.
 *
 * Three families (protocol/families.ts):
 *  - "gos":       Myth II 1.8 with session encryption, Gate of Storms order (§7.1).
 *  - "bungie":    older Myth II / MythDev, Myth TFL, Myth III, Bungie's order (§7.2).
 *  - "aleph-one": Aleph One (§7.3).
 *
 * Passwords stay inside this module and accounts.verifyLogin; they are never logged.
 */

import type { Dialect } from "../../protocol/dialect.ts";
import { type ClientFamily, FAMILY_TRAITS, loginClient } from "../../protocol/families.ts";
import { packetTypeOf } from "../../protocol/header.ts";
import { MessageType } from "../../protocol/message-types.ts";
import {
  CASTE_NONE,
  decodeMessage,
  decodePlayerData,
  encodePlayerData,
  LoginFlag,
  type LoginMessage,
  type Message,
  MYTH_LOGIN_SIZE,
  PlayerAuxFlag,
  type PlayerData,
  type RoomInfo,
  SERVER_MESSAGE_TEXT,
  ServerMessageCode,
  type ServerToClientMessage,
  Verb,
  type VersionControlMessage,
} from "../../protocol/messages.ts";
import { PasswordType, readPlaintextPassword, SALT_SIZE } from "../../protocol/password.ts";
import type { DecodeError } from "../../protocol/result.ts";
import type { Account } from "../accounts.ts";
import type { LoginGrant, LoginRequest, RoomCountsById } from "../contracts.ts";
import { tokenFromHex } from "../handoff-token.ts";
import { hubsFor, type RemoteHub } from "../remote-hubs.ts";

/** What the directory needs to issue a handoff token (docs/architecture.md, SessionUser). */
export type LoginUser = LoginRequest;

export interface LoginPolicy {
  allowGuests: boolean;
  /** Myth II 1.8 (GoS): lowest application_version and build from version_control. */
  minMyth2AppVersion: number;
  minMyth2Build: number;
  /** Older Myth clients (Bungie/MythDev): lowest patch_number. */
  minLegacyPatch: number;
  /** The whole login, from the connection to the room list, must fit in this. */
  loginTimeoutMs: number;
  /** After the room list, how long Bungie/Aleph One clients may keep the connection open. */
  lingerTimeoutMs: number;
  /** Aleph One remote hubs (edge/remote-hubs.ts); absent ⇒ none. */
  remoteHubs?: readonly RemoteHub[];
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 60_000;
/** A login refused by a limit (edge/login/deps.ts, durable-objects/login-limiter.ts). */
export interface LoginRefusal {
  /** address: too many failures from it; account: the account's delay; rate: too many logins; busy: no hash slot. */
  readonly refused: "address" | "account" | "rate" | "busy";
  readonly retryAfterMs: number;
}

/**
 * Code 3 (14 for an account's delay) with our own words: the client may show its own text
 * for the code, Aleph One shows ours. The wait is said in seconds, rounded up.
 */
export function refusalText(refusal: LoginRefusal): string {
  const s = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  switch (refusal.refused) {
    case "address":
      return `Login failed (too many failed attempts; try again later, in ${s} s).`;
    case "account":
      return `Account locked after failed logins; try again in ${s} s.`;
    case "rate":
      return `Too many logins from your address; try again in ${s} s.`;
    case "busy":
      return "Server busy; try again in a few seconds.";
  }
}
export const DEFAULT_LINGER_TIMEOUT_MS = 30_000;
export const GUEST_NAME_TAKEN_TEXT = "That name belongs to a registered player; pick another to play as a guest.";

export interface LoginDeps {
  policy: LoginPolicy;
  /** The player's address as the bridge saw it ("ipv4:port"). */
  clientAddress: string;
  /**
   * Account for a user name and password, null for an unknown user or a wrong password, or
   * the limit that refused the try (checked before any hash is computed).
   */
  verifyLogin(userName: string, password: string): Promise<Account | null | LoginRefusal>;
  /** A guest login from this address: null when allowed, else the limit that refused it. */
  admitGuest(): Promise<LoginRefusal | null>;
  /** Is any of these names (normalised) a registered player's login name or nick? */
  nameTaken(names: readonly string[]): Promise<boolean>;
  /** Notes a successful registered login, storing the client's player data when given. */
  recordLogin(accountId: number, playerData: Uint8Array | null): Promise<void>;
  /**
   * Directory.login: a handoff token (64 hex characters) and the user id; or, when a ban in
   * force covers the account, this address or the guest name, its text (code 14). The
   * directory holds the bans, so the check costs no round trip of its own.
   */
  directoryLogin(user: LoginUser): Promise<LoginGrant>;
  /** The room_info entries this user may see; `counts` when the directory already gave them. */
  roomList(user: LoginUser & { userId: number }, counts?: RoomCountsById): Promise<readonly RoomInfo[]>;
  randomBytes(n: number): Uint8Array;
  now(): number;
  /** A packet that did not decode is being refused with 0 (counted for /metrics); optional for tests. */
  protocolError?(kind: DecodeError["kind"]): void;
}

export type LoginAction =
  | { readonly kind: "send"; readonly message: ServerToClientMessage }
  | { readonly kind: "close"; readonly reason: string };

type Step = "login" | "password" | "version" | "busy" | "linger" | "closed";

const MAX_SERVER_MESSAGE_TEXT = 127;
/** GoS: guests-disallowed has its own code from this build on (§9). */
const FIRST_BUILD_WITH_GUEST_CODES = 428;
/** Aleph One sends these constants in version_control (§5.5). */
const ALEPH_ONE_VERSION = { applicationVersion: 2, build: 0 };

export class LoginSession {
  private step: Step = "login";
  private family: ClientFamily | null = null;
  private encrypted = false;
  private sessionDialect: Dialect | null = null;
  private login: LoginMessage | null = null;
  private clientPlayer: PlayerData | null = null;
  private password = "";
  private account: Account | null = null;
  private guest = false;
  private readonly startedAt: number;
  private lingerSince: number | null = null;

  constructor(private readonly deps: LoginDeps) {
    this.startedAt = deps.now();
  }

  /** Dialect to encode and decode with: known after login, a best guess before it. */
  get dialect(): Dialect {
    return this.sessionDialect ?? (this.encrypted ? "myth2" : "myth2-legacy");
  }

  get closed(): boolean {
    return this.step === "closed";
  }

  /** Epoch ms at which the session gives up waiting (see expire), or null once closed. */
  get deadline(): number | null {
    if (this.step === "closed") return null;
    if (this.lingerSince !== null) return this.lingerSince + this.deps.policy.lingerTimeoutMs;
    return this.startedAt + this.deps.policy.loginTimeoutMs;
  }

  /** The bridge finished the 203 key exchange before any packet ({"t":"encrypted"}). */
  markEncrypted(): void {
    if (this.step === "login" && this.login === null) this.encrypted = true;
  }

  /** Closes the session if its deadline has passed. */
  expire(now = this.deps.now()): LoginAction[] {
    const deadline = this.deadline;
    if (deadline === null || now < deadline) return [];
    return this.close(this.lingerSince === null ? "login timed out" : "client did not close after the room list");
  }

  /** Decodes one whole raw packet (header + plaintext payload) and handles it. */
  async receivePacket(packet: Uint8Array): Promise<LoginAction[]> {
    if (this.step === "closed") return [];
    // GoS reads login as a fixed 276-byte struct and answers anything else with "bad game".
    if (this.encrypted && this.step === "login" && packetTypeOf(packet) === MessageType.Login) {
      if (packet.byteLength - 8 !== MYTH_LOGIN_SIZE) {
        return this.refuse(
          ServerMessageCode.LoginFailedGamesNotAllowed,
          "login payload is not the Myth 276-byte layout",
        );
      }
    }
    const decoded = decodeMessage(packet, this.dialect, "to-server");
    if (!decoded.ok) return this.malformed(decoded.error);
    return this.handle(decoded.value);
  }

  /** A packet that could not be decoded: syntax error, then close. */
  malformed(error: DecodeError): LoginAction[] {
    if (this.step === "closed") return [];
    this.deps.protocolError?.(error.kind);
    return this.refuse(ServerMessageCode.SyntaxError, `malformed packet (${error.kind}): ${error.message}`);
  }

  /** Handles one decoded client message. Call one at a time, awaiting each. */
  async handle(msg: Message): Promise<LoginAction[]> {
    const step = this.step;
    if (step === "closed") return [];
    // Keepalives may arrive at any time and need no answer during login.
    if (msg.type === MessageType.Keepalive) return [];
    if (msg.type === MessageType.Logout) return this.close("client logged out");
    if (step === "busy")
      return this.refuse(ServerMessageCode.SyntaxError, `message ${msg.type} while the server was busy`);

    if (step === "linger") {
      // Aleph One may ask for the remote hub list: the operator's hubs of the client's version.
      if (msg.type === MessageType.UpdatePlayerInformation && msg.variant === "remote-hub-request") {
        const hubs = hubsFor(this.deps.policy.remoteHubs ?? [], msg.protocolVersion);
        return [send({ type: MessageType.UpdateInfo, variant: "remote-hub-list", hubs })];
      }
      // Bungie's server left the connection to the client; anything else is ignored.
      return [];
    }

    if (msg.type === MessageType.Login && step === "login") return this.onLogin(msg);
    // Bungie: a second login while waiting for the password re-sends the challenge.
    if (msg.type === MessageType.Login && step === "password" && this.family === "bungie") return this.onLogin(msg);
    if (msg.type === MessageType.PasswordResponse && step === "password") {
      return this.onPassword(readPlaintextPassword(msg.password));
    }
    if (msg.type === MessageType.VersionControl && step === "version") return this.onVersion(msg);
    return this.refuse(ServerMessageCode.SyntaxError, `unexpected message ${msg.type} at step ${step}`);
  }

  // ------------------------------------------------------------------ steps

  private async onLogin(msg: LoginMessage): Promise<LoginAction[]> {
    const client = loginClient(msg, this.encrypted);
    if ("refuse" in client) {
      return client.refuse === ServerMessageCode.LoginFailedGamesNotAllowed
        ? this.refuse(client.refuse, "application not supported")
        : this.refuse(client.refuse, "unknown application");
    }
    this.family = client.family;
    this.sessionDialect = client.dialect;
    // The player data is checked now, so a bad block is a syntax error at login, not later.
    const player = decodePlayerData(msg.playerData);
    if (!player.ok) return this.malformed(player.error);
    this.login = msg;
    this.clientPlayer = player.value;

    if (this.family === "gos") {
      // GoS sends the challenge to everyone, guests included; type 0 with a zero salt
      // because the whole session is already encrypted.
      this.step = "password";
      return [send(challenge(PasswordType.Plaintext, new Uint8Array(SALT_SIZE)))];
    }
    if (this.family === "aleph-one") {
      // A1S: "guest" or an empty name is a guest and skips the password step.
      const name = msg.username.trim();
      if (name === "" || name.toLowerCase() === "guest") {
        if (!this.deps.policy.allowGuests) {
          return this.refuse(ServerMessageCode.LoginFailedBadUserOrPassword, "guests are not allowed");
        }
        this.guest = true;
        this.step = "version";
        return [send({ type: MessageType.SendVersions })];
      }
      this.step = "password";
      return [send(challenge(PasswordType.Plaintext, this.deps.randomBytes(SALT_SIZE)))];
    }
    // Bungie: an empty user name is a guest. Refusing a disallowed guest right here (rather
    // than after the password) is our choice; the released Bungie code does not show it.
    if (msg.username.trim() === "") {
      if (!this.deps.policy.allowGuests) {
        return this.refuse(ServerMessageCode.LoginFailedBadUserOrPassword, "guests are not allowed");
      }
      this.guest = true;
    } else {
      this.guest = false;
    }
    this.step = "password";
    return [send(challenge(PasswordType.Plaintext, this.deps.randomBytes(SALT_SIZE)))];
  }

  private async onPassword(password: string): Promise<LoginAction[]> {
    if (this.family === "gos") {
      // GoS checks the password only after version_control.
      this.password = password;
      this.step = "version";
      return [send({ type: MessageType.SendVersions })];
    }
    if (!this.guest) {
      const refusal = await this.authenticate(password);
      if (refusal) return refusal;
    }
    this.step = "version";
    return [send({ type: MessageType.SendVersions })];
  }

  private async onVersion(msg: VersionControlMessage): Promise<LoginAction[]> {
    const policy = this.deps.policy;
    if (this.family === "gos") {
      if (msg.applicationVersion < policy.minMyth2AppVersion || msg.build < policy.minMyth2Build) {
        return this.refuse(
          ServerMessageCode.LoginFailedInvalidVersion,
          `version ${msg.applicationVersion} build ${msg.build} is too old`,
        );
      }
      // GoS: an empty password is a guest.
      if (this.password === "") {
        if (!policy.allowGuests) {
          const code =
            msg.build >= FIRST_BUILD_WITH_GUEST_CODES
              ? ServerMessageCode.LoginFailedGuestsDisallowed
              : ServerMessageCode.LoginFailedBadUserOrPassword;
          return this.refuse(code, "guests are not allowed");
        }
        this.guest = true;
      } else {
        const password = this.password;
        this.password = "";
        const refusal = await this.authenticate(password);
        if (refusal) return refusal;
      }
    } else if (this.family === "bungie") {
      // Bungie/MythDev closed the connection silently on a patch below the minimum; we send
      // code 2 first so the player gets a clear answer.
      if (msg.patchNumber < policy.minLegacyPatch) {
        return this.refuse(
          ServerMessageCode.LoginFailedInvalidVersion,
          `patch ${msg.patchNumber} is below ${policy.minLegacyPatch}`,
        );
      }
    }
    return this.finish(msg);
  }

  /** Checks the password and the ban; returns the refusal, or null when the account may log in. */
  private async authenticate(password: string): Promise<LoginAction[] | null> {
    const login = this.login as LoginMessage;
    this.step = "busy";
    const account = await this.deps.verifyLogin(login.username, password);
    if (this.closedWhileBusy()) return [];
    if (account && "refused" in account) {
      const code =
        account.refused === "account"
          ? ServerMessageCode.MetaserverAccountLocked
          : ServerMessageCode.LoginFailedBadUserOrPassword;
      return this.refuse(code, `login refused by a limit (${account.refused})`, refusalText(account));
    }
    if (!account) return this.refuse(ServerMessageCode.LoginFailedBadUserOrPassword, "bad user name or password");
    if (account.disabled) {
      return this.refuse(ServerMessageCode.MetaserverAccountLocked, "account is disabled", "This account is disabled.");
    }
    if (account.bannedUntil !== null && account.bannedUntil > this.deps.now()) {
      const locked = ServerMessageCode.MetaserverAccountLocked;
      const reason = account.bannedReason ? `${SERVER_MESSAGE_TEXT[locked]}: ${account.bannedReason}` : undefined;
      return this.refuse(locked, "account is banned", reason);
    }
    this.account = account;
    return null;
  }

  /** Successful login: token from the directory, then 7, 8 (Myth only) and the room list. */
  private async finish(version: VersionControlMessage): Promise<LoginAction[]> {
    const login = this.login as LoginMessage;
    const family = this.family as ClientFamily;
    const dialect = this.dialect;
    this.step = "busy";

    if (this.account === null) {
      // Guests cost a directory row each: a per-address rate, with a burst for a LAN party.
      const refusal = await this.deps.admitGuest();
      if (this.closedWhileBusy()) return [];
      if (refusal) {
        return this.refuse(ServerMessageCode.LoginFailedBadUserOrPassword, "guest login rate", refusalText(refusal));
      }
    }

    const guestName = login.username.trim() || (this.clientPlayer as PlayerData).nick;
    const { player, store } = this.playerData(login);
    if (this.account === null) {
      // A guest may not appear under a registered player's name (login name or nick, §1.3).
      const taken = await this.deps.nameTaken([login.username, player.nick]);
      if (this.closedWhileBusy()) return [];
      if (taken) {
        const gosCode = family === "gos" && version.build >= FIRST_BUILD_WITH_GUEST_CODES;
        return this.refuse(
          gosCode ? ServerMessageCode.LoginFailedGuestNameTaken : ServerMessageCode.LoginFailedBadUserOrPassword,
          "guest name belongs to a registered player",
          GUEST_NAME_TAKEN_TEXT,
        );
      }
    }
    const account = this.account;
    const aleph = family === "aleph-one";
    const user: LoginUser = {
      userName: account ? account.username : guestName,
      guest: account === null,
      adminLevel: account?.adminLevel ?? 0,
      dialect,
      encrypted: this.encrypted,
      build: aleph ? ALEPH_ONE_VERSION.build : version.build,
      appVersion: aleph ? ALEPH_ONE_VERSION.applicationVersion : version.applicationVersion,
      playerData: encodePlayerData(player),
      clientAddress: this.deps.clientAddress,
      ...(account ? { userId: account.id } : {}),
    };
    const grant = await this.deps.directoryLogin(user);
    if (this.closedWhileBusy()) return [];
    // Checked after the password, so a wrong one reveals nothing about bans.
    if (grant.refused !== undefined)
      return this.refuse(ServerMessageCode.MetaserverAccountLocked, "banned", grant.refused);
    const { token, userId, counts } = grant;
    // A login is recorded once it is let in (and the client's data stored when it asked).
    if (account) await this.deps.recordLogin(account.id, store ? user.playerData : null);
    if (this.closedWhileBusy()) return [];
    const rooms = await this.deps.roomList({ ...user, userId }, counts);
    if (this.closedWhileBusy()) return [];

    // GoS sends order -1 for "no order"; Bungie's "no order" was 0 (new users got order_index 0).
    const traits = FAMILY_TRAITS[family];
    // A member's order id (edge/social/orders.ts), as Bungie's 7 carried it.
    const order = account?.orderId ?? traits.noOrder;
    const actions: LoginAction[] = [
      send({ type: MessageType.UserSuccessfulLogin, userId, order, token: tokenFromHex(token) }),
    ];
    if (family === "gos") {
      // GoS: an all-zero aux except player_data_length (the writer fills it in); Myth only
      // uses the player-data part.
      actions.push(
        send({
          type: MessageType.SetPlayerDataFromMetaserver,
          aux: { verb: Verb.Add, flags: 0, ranking: 0, playerId: 0, roomId: 0, caste: 0, order: 0 },
          player,
        }),
      );
    } else if (family === "bungie") {
      actions.push(
        send({
          type: MessageType.SetPlayerDataFromMetaserver,
          aux: {
            verb: Verb.Add,
            flags: user.guest ? PlayerAuxFlag.Anonymous : 0,
            ranking: 0,
            playerId: userId,
            roomId: 0,
            caste: CASTE_NONE,
            order,
          },
          player,
        }),
      );
    }
    // Aleph One tolerates 8 but needs nothing between 7 and the room list: send nothing.
    actions.push(send({ type: MessageType.RoomList, rooms }));

    if (traits.loginClosesAfterRoomList) {
      // GoS closes right after the room list.
      actions.push(...this.close("login complete"));
    } else {
      // Bungie and A1S let the client close (A1 may still ask for the remote hub list).
      this.step = "linger";
      this.lingerSince = this.deps.now();
    }
    return actions;
  }

  /**
   * The player data to announce: the client's when it asks to store it (login flag bit0,
   * `store`) or is a guest; otherwise the stored block, or the client's with the account's
   * nick and team.
   */
  private playerData(login: LoginMessage): { player: PlayerData; store: boolean } {
    const fromClient = this.clientPlayer as PlayerData;
    const account = this.account;
    if (!account) return { player: fromClient, store: false };
    const store = (login.flags & LoginFlag.ResetPlayerData) !== 0;
    return { player: this.withOrder(this.accountPlayerData(fromClient, account, store)), store };
  }

  private accountPlayerData(fromClient: PlayerData, account: Account, store: boolean): PlayerData {
    if (store) return fromClient;
    if (account.playerData) {
      const stored = decodePlayerData(account.playerData);
      if (stored.ok) return stored.value;
    }
    return { ...fromClient, nick: account.nick, team: account.team };
  }

  /**
   * The order field is the server's (edge/social/orders.ts): a member shows its order's id, and
   * a claim to an order the account is not in becomes the family's "no order".
   */
  private withOrder(player: PlayerData): PlayerData {
    const orderId = this.account?.orderId ?? null;
    if (orderId !== null) return { ...player, orderIndex: orderId };
    if (player.orderIndex > 0) return { ...player, orderIndex: FAMILY_TRAITS[this.family as ClientFamily].noOrder };
    return player;
  }

  // ------------------------------------------------------------------ endings

  /** True when a timeout or close happened while an await was pending. */
  private closedWhileBusy(): boolean {
    return this.step === "closed";
  }

  private refuse(code: ServerMessageCode, reason: string, text?: string): LoginAction[] {
    const message = (text ?? SERVER_MESSAGE_TEXT[code]).slice(0, MAX_SERVER_MESSAGE_TEXT);
    return [send({ type: MessageType.ServerMessage, code, text: message }), ...this.close(reason)];
  }

  private close(reason: string): LoginAction[] {
    if (this.step === "closed") return [];
    this.step = "closed";
    this.password = "";
    return [{ kind: "close", reason }];
  }
}

function send(message: ServerToClientMessage): LoginAction {
  return { kind: "send", message };
}

function challenge(authenticationType: number, salt: Uint8Array): ServerToClientMessage {
  return { type: MessageType.PasswordChallenge, authenticationType, salt };
}
