/**
 * RoomModeration for the shell: bans and the audit log in D1, kicks and announcements through
 * the directory. The room core never sees D1 or a stub; failures throw to the command, which
 * answers the caller (nothing is acknowledged that was not written).
 */
import { getAccountByName } from "../../edge/accounts.ts";
import { appendAudit } from "../../edge/moderation/audit.ts";
import { banText, listBans } from "../../edge/moderation/bans.ts";
import { listNames, loadLists, setListed } from "../../edge/moderation/lists.ts";
import { directoryStub } from "../../edge/objects.ts";
import { liftBanEverywhere, placeBan } from "../../edge/staff-actions.ts";
import type { RoomModeration } from "./moderation.ts";

export function edgeModeration(env: Env): RoomModeration {
  return {
    lists: (userId) => loadLists(env.DB, userId),
    setListed: (kind, userId, targetId, on) => setListed(env.DB, kind, userId, targetId, on),
    listNames: (kind, userId) => listNames(env.DB, kind, userId),
    audit: (entry) => appendAudit(env.DB, entry),
    ban: async (input, audit) => {
      const placed = await placeBan(env, input, audit);
      return placed.ok ? { ok: true, text: banText(placed.ban) } : placed;
    },
    unban: async (userName, audit) => {
      const account = await getAccountByName(env.DB, userName);
      if (!account) return null;
      const active = await listBans(env.DB, { active: true, userId: account.id, limit: 100 });
      for (const ban of active) await liftBanEverywhere(env, ban.id, audit);
      return active.length;
    },
    endSession: async (userId, reason) => {
      await directoryStub(env).kickUser(userId, reason);
    },
    announce: (text) => directoryStub(env).announce(text),
    online: () => directoryStub(env).onlinePlayers(),
  };
}
