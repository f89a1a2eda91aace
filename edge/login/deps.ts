/** The login flow's production dependencies: D1 accounts, the Directory, the LoginLimiter, the configured rooms. */
import { recordLogin, verifyLogin } from "../accounts.ts";
import type { EdgeConfig } from "../config.ts";
import { directoryStub, loginLimiterStub } from "../objects.ts";
import { buildRoomList } from "../room-list.ts";
import type { LoginDeps, LoginPolicy } from "./session.ts";

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

export function loginDeps(env: Env, config: EdgeConfig, clientAddress: string, localAddress: string): LoginDeps {
  const limits = { max: config.login.maxFailures, windowMs: config.login.failureWindowMs };
  return {
    policy: loginPolicy(config),
    clientAddress,
    verifyLogin: async (userName, password) => {
      // The limiter is asked alongside the hash check, so it adds no latency to a login.
      const limiter = loginLimiterStub(env, clientAddress);
      const [allowed, account] = await Promise.all([limiter.allowed(limits), verifyLogin(env.DB, userName, password)]);
      if (!allowed) return "throttled";
      if (!account) await limiter.failed(limits);
      return account;
    },
    recordLogin: (accountId, playerData) => recordLogin(env.DB, accountId, playerData),
    // The directory answers with the room counts too: one round trip per login.
    directoryLogin: (user) => directoryStub(env).login(user),
    roomList: async (user, counts) => {
      const known = counts ?? (await directoryStub(env).roomCounts());
      return buildRoomList(config, known, { dialect: user.dialect, guest: user.guest, localAddress });
    },
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    now: () => Date.now(),
  };
}
