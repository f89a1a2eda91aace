/** Staff levels per account (users.admin_level): more only if they earn their keep. */
export const AdminLevel = { player: 0, moderator: 1, admin: 2 } as const;
export type AdminLevel = (typeof AdminLevel)[keyof typeof AdminLevel];

export const MAX_ADMIN_LEVEL = AdminLevel.admin;

export function levelName(level: number): string {
  if (level >= AdminLevel.admin) return "admin";
  if (level >= AdminLevel.moderator) return "moderator";
  return "player";
}
