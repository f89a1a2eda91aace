/** The login flow's production dependencies: D1 accounts, the Directory, the LoginLimiter, the configured rooms. */
import type { AccountLimits, AddressLimits } from "../../durable-objects/login-limiter.ts";
import { normalizeUserName } from "../../protocol/text.ts";
import { addressOf } from "../abuse/address.ts";
import { limitHit } from "../abuse/counters.ts";
import { hashGate } from "../abuse/hash-gate.ts";
import { installLimitSignals } from "../abuse/signals.ts";
import { type Account, nameTaken, recordLogin, verifyLogin } from "../accounts.ts";
import type { EdgeConfig } from "../config.ts";
import { timedDb } from "../d1-timing.ts";
import { accountLimiterStub, directoryStub, loginLimiterStub, tryCall } from "../objects.ts";
import { buildRoomList } from "../room-list.ts";
import { loginWithGamePassword } from "../social/game-passwords.ts";
import type { LoginDeps, LoginPolicy, LoginRefusal } from "./session.ts";

export function loginPolicy(config: EdgeConfig): LoginPolicy {
  return {
    allowGuests: config.allowGuests,
    minMyth2AppVersion: config.minimumVersions.myth2AppVersion,
    minMyth2Build: config.minimumVersions.myth2Build,
    minLegacyPatch: config.minimumVersions.legacyPatch,
    loginTimeoutMs: config.login.timeoutMs,
    lingerTimeoutMs: config.login.lingerMs,
    remoteHubs: config.remoteHubs,
  };
}

export function addressLimits(config: EdgeConfig, kind: "guest" | "account"): AddressLimits {
  const l = config.login;
  return {
    maxFailures: l.maxFailures,
    failureWindowMs: l.failureWindowMs,
    perMinute: kind === "guest" ? l.guestPerMinute : l.accountPerMinute,
    burst: kind === "guest" ? l.guestBurst : l.accountBurst,
  };
}

export function accountLimits(config: EdgeConfig): AccountLimits {
  const l = config.login;
  return {
    freeFailures: l.accountFreeFailures,
    baseDelayMs: l.accountDelayMs,
    maxDelayMs: l.accountMaxDelayMs,
    // A quiet account forgets its failures once the longest delay has passed twice.
    resetMs: Math.max(l.failureWindowMs, 2 * l.accountMaxDelayMs),
  };
}

export function loginDeps(env: Env, config: EdgeConfig, clientAddress: string, localAddress: string): LoginDeps {
  const address = addressOf(clientAddress);
  installLimitSignals(env);
  return {
    policy: loginPolicy(config),
    clientAddress,
    verifyLogin: (userName, password) => limitedVerify(env, config, clientAddress, userName, password, true),
    admitGuest: async () => {
      const gate = await loginLimiterStub(env, clientAddress).beginLogin("guest", addressLimits(config, "guest"));
      if (gate.ok) return null;
      limitHit({ limit: "login_rate_guest", subject: address });
      return { refused: "rate", retryAfterMs: gate.retryAfterMs };
    },
    nameTaken: (names) => nameTaken(timedDb(env, "login"), names),
    recordLogin: (accountId, playerData) => recordLogin(timedDb(env, "login"), accountId, playerData),
    // The directory answers with the room counts too: one round trip per login.
    directoryLogin: (user) => directoryStub(env).login(user),
    roomList: async (user, counts) => {
      const known = counts ?? (await directoryStub(env).roomCounts());
      return buildRoomList(config, known, { dialect: user.dialect, guest: user.guest, localAddress });
    },
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    now: () => Date.now(),
    // Not awaited: the refusal goes out at once; a lost count is logged by tryCall.
    protocolError: (kind) => {
      void tryCall("login: directory.noteProtocolError", () => directoryStub(env).noteProtocolError("login", kind));
    },
  };
}

/**
 * One password try under every login limit, each checked (and counted) before the hash; also
 * the web sign-in's (worker/web/session.ts). Game passwords count for game clients only.
 */
export async function limitedVerify(
  env: Env,
  config: EdgeConfig,
  clientAddress: string,
  userName: string,
  password: string,
  gamePasswords: boolean,
): Promise<Account | null | LoginRefusal> {
  const address = addressOf(clientAddress);
  // Lockouts are audited, every login limit reaches /metrics (edge/abuse/signals.ts).
  installLimitSignals(env);
  // Every limit is asked before the hash, and counts the try in the same step (login-limiter.ts).
  const byAddress = loginLimiterStub(env, clientAddress);
  const gate = await byAddress.beginLogin("account", addressLimits(config, "account"));
  if (!gate.ok) {
    const limit = gate.limit === "failures" ? "login_address_failures" : "login_rate_account";
    limitHit({
      limit,
      subject: address,
      address,
      ...(limit === "login_address_failures" ? { target: `address:${address}` } : {}),
    });
    return { refused: gate.limit === "failures" ? "address" : "rate", retryAfterMs: gate.retryAfterMs };
  }
  const byAccount = accountLimiterStub(env, userName);
  const account = await byAccount.beginAccount(accountLimits(config));
  if (!account.ok) {
    limitHit({
      limit: "login_account_delay",
      subject: userName,
      target: `account:${normalizeUserName(userName)}`,
      address,
    });
    return { refused: "account", retryAfterMs: account.retryAfterMs };
  }
  const gateForHash = hashGate(config.login.hashConcurrency, config.login.hashQueue);
  // Timed for /metrics (myth_d1_query_seconds{op="login"}): the queries, not the hash between them.
  const db = timedDb(env, "login");
  const result = await verifyLogin(db, userName, password, (hash) => gateForHash.run(hash, address));
  if (result === "busy") return { refused: "busy", retryAfterMs: 1000 };
  // Not the account password: maybe one of its game passwords (a revoked one fails: code 3).
  // Its hashes run under the same gate as the account password's.
  const found =
    result ??
    (gamePasswords
      ? await loginWithGamePassword(db, userName, password, (hash) => gateForHash.run(hash, address))
      : null);
  if (found === "busy") return { refused: "busy", retryAfterMs: 1000 };
  if (found) {
    const ticket = gate.ticket;
    await Promise.all([ticket === null ? null : byAddress.forgive(ticket), byAccount.accountSucceeded()]);
  }
  return found;
}
