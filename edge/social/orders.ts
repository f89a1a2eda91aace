/**
 * Orders (Bungie's clans) in D1 (tables `orders`, `order_members`, migration 0007): the service
 * the admin API uses today and the player's web account will use later. Names are unique under
 * the user-name normalisation; both passwords are PBKDF2 hashes (edge/passwords.ts).
 *
 * Lapse rule (Bungie): an order with fewer than 3 members for 10 days lapses. `short_since` is
 * set when the membership falls under 3 and cleared when it reaches 3; an order short for 10
 * days counts as gone everywhere (lookups skip it) and `sweepLapsedOrders` deletes it.
 */
import { encodeMacRoman } from "../../protocol/macroman.ts";
import { normalizeUserName, stripUserName } from "../../protocol/text.ts";
import { blobBytes, isMacRomanText, MAX_PASSWORD_LENGTH } from "../accounts.ts";
import { hashPassword, PASSWORD_ALGORITHM, type PasswordHash, verifyPassword } from "../passwords.ts";

export const ORDER_MIN_MEMBERS = 3;
export const ORDER_LAPSE_MS = 10 * 24 * 60 * 60 * 1000;
/** Order names travel as C strings of the user-name size; mottos and URLs are profile-sized. */
export const MAX_ORDER_NAME_LENGTH = 31;
export const MAX_ORDER_TEXT_LENGTH = 127;
/** Order ids travel as an i16 in the player data and the player aux (§4.2, §4.3). */
export const MAX_ORDER_ID = 0x7fff;

export interface Order {
  id: number;
  /** Normalised (lookup) name. */
  name: string;
  displayName: string;
  motto: string;
  url: string;
  founderId: number | null;
  createdAt: number;
  /** Epoch ms since when it has had fewer than 3 members; null with 3 or more. */
  shortSince: number | null;
  members: OrderMemberRow[];
}

export interface OrderMemberRow {
  userId: number;
  joinedAt: number;
}

export interface NewOrder {
  name: string;
  founderId: number;
  memberPassword: string;
  maintenancePassword: string;
  motto?: string;
  url?: string;
}

export interface OrderEdit {
  name?: string;
  motto?: string;
  url?: string;
  memberPassword?: string;
  maintenancePassword?: string;
}

export type OrderError = { ok: false; reason: "invalid" | "duplicate" | "not-found" | "conflict"; message: string };
export type OrderResult<T> = { ok: true; value: T } | OrderError;

const fail = (reason: OrderError["reason"], message: string): OrderError => ({ ok: false, reason, message });

function checkName(name: string): string | null {
  const stripped = stripUserName(name);
  if (stripped.length === 0) return "order name is empty after removing formatting codes and spaces";
  if (stripped.length > MAX_ORDER_NAME_LENGTH) return `order name is longer than ${MAX_ORDER_NAME_LENGTH} characters`;
  if (!isMacRomanText(name)) return "order name has characters the Myth client cannot show (Mac Roman)";
  return null;
}

function checkText(field: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value.length > MAX_ORDER_TEXT_LENGTH) return `${field} is longer than ${MAX_ORDER_TEXT_LENGTH} characters`;
  if (value.length > 0 && !isMacRomanText(value)) return `${field} has characters the Myth client cannot show`;
  return null;
}

function checkPassword(field: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value.length === 0) return `${field} is empty`;
  if (value.length > MAX_PASSWORD_LENGTH) return `${field} is longer than ${MAX_PASSWORD_LENGTH} characters`;
  if (!isMacRomanText(value)) return `${field} has characters the Myth client cannot type (Mac Roman)`;
  return null;
}

/** The SQL condition "this order has not lapsed at ?". */
const LIVE = "(o.short_since IS NULL OR o.short_since > ?)";

/** Creates an order with its founder as first member (a founder already in an order is refused). */
export async function createOrder(db: D1Database, input: NewOrder, now = Date.now()): Promise<OrderResult<Order>> {
  const problem =
    checkName(input.name) ??
    checkText("motto", input.motto) ??
    checkText("url", input.url) ??
    checkPassword("memberPassword", input.memberPassword) ??
    checkPassword("maintenancePassword", input.maintenancePassword);
  if (problem) return fail("invalid", problem);
  await sweepLapsedOrders(db, now);
  const name = normalizeUserName(input.name);
  const founder = await db.prepare("SELECT id FROM users WHERE id = ?").bind(input.founderId).first();
  if (!founder) return fail("invalid", `no user with id ${input.founderId}`);
  if (await orderIdOf(db, input.founderId, now)) return fail("conflict", "the founder is already in an order");
  const [member, maintenance] = await Promise.all([
    hashPassword(encodeMacRoman(input.memberPassword)),
    hashPassword(encodeMacRoman(input.maintenancePassword)),
  ]);
  try {
    const [inserted] = await db.batch<{ id: number }>([
      db
        .prepare(
          `INSERT INTO orders (name, display_name, motto, url, founder_id, member_password_hash, member_password_salt,
             member_password_iterations, maintenance_password_hash, maintenance_password_salt,
             maintenance_password_iterations, password_algorithm, created_at, short_since)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        )
        .bind(
          name,
          input.name.trim(),
          input.motto ?? "",
          input.url ?? "",
          input.founderId,
          member.hash,
          member.salt,
          member.iterations,
          maintenance.hash,
          maintenance.salt,
          maintenance.iterations,
          PASSWORD_ALGORITHM,
          now,
          // One member: short of 3 from the start (the 10 days to find two more run from now).
          now,
        ),
      db
        .prepare("INSERT INTO order_members (order_id, user_id, joined_at) VALUES (last_insert_rowid(), ?, ?)")
        .bind(input.founderId, now),
    ]);
    const id = inserted?.results[0]?.id;
    // The id travels as an i16 (§4.2): past that, refuse rather than show a wrong order.
    if (id === undefined || id > MAX_ORDER_ID) {
      if (id !== undefined) await db.prepare("DELETE FROM orders WHERE id = ?").bind(id).run();
      return fail("conflict", "no order ids left");
    }
  } catch (e) {
    if (/UNIQUE constraint failed: orders\.name/i.test(String((e as Error).message)))
      return fail("duplicate", `an order named "${name}" already exists`);
    if (/UNIQUE constraint failed/i.test(String((e as Error).message)))
      return fail("conflict", "the founder is already in an order");
    throw e;
  }
  const created = await findOrderByName(db, name, now);
  if (!created) throw new Error("order vanished after insert");
  return { ok: true, value: created };
}

interface OrderRow {
  id: number;
  name: string;
  display_name: string;
  motto: string;
  url: string;
  founder_id: number | null;
  created_at: number;
  short_since: number | null;
}

async function withMembers(db: D1Database, row: OrderRow | null): Promise<Order | null> {
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    motto: row.motto,
    url: row.url,
    founderId: row.founder_id,
    createdAt: row.created_at,
    shortSince: row.short_since,
    members: await orderMembers(db, row.id),
  };
}

/** A live (not lapsed) order by id. */
export async function getOrder(db: D1Database, id: number, now = Date.now()): Promise<Order | null> {
  const row = await db
    .prepare(`SELECT o.* FROM orders o WHERE o.id = ? AND ${LIVE}`)
    .bind(id, now - ORDER_LAPSE_MS)
    .first<OrderRow>();
  return withMembers(db, row);
}

export async function findOrderByName(db: D1Database, name: string, now = Date.now()): Promise<Order | null> {
  const row = await db
    .prepare(`SELECT o.* FROM orders o WHERE o.name = ? AND ${LIVE}`)
    .bind(normalizeUserName(name), now - ORDER_LAPSE_MS)
    .first<OrderRow>();
  return withMembers(db, row);
}

/** Members, earliest first. */
export async function orderMembers(db: D1Database, orderId: number): Promise<OrderMemberRow[]> {
  const rows = await db
    .prepare("SELECT user_id, joined_at FROM order_members WHERE order_id = ? ORDER BY joined_at, user_id")
    .bind(orderId)
    .all<{ user_id: number; joined_at: number }>();
  return rows.results.map((r) => ({ userId: r.user_id, joinedAt: r.joined_at }));
}

/** The live order a user belongs to, or null. */
export async function orderIdOf(db: D1Database, userId: number, now = Date.now()): Promise<number | null> {
  const row = await db
    .prepare(`SELECT o.id FROM order_members m JOIN orders o ON o.id = m.order_id WHERE m.user_id = ? AND ${LIVE}`)
    .bind(userId, now - ORDER_LAPSE_MS)
    .first<{ id: number }>();
  return row?.id ?? null;
}

/** The user's live order, id and shown name (player_info 17), or null. */
export async function orderNameOf(
  db: D1Database,
  userId: number,
  now = Date.now(),
): Promise<{ id: number; displayName: string } | null> {
  const row = await db
    .prepare(
      `SELECT o.id, o.display_name FROM order_members m JOIN orders o ON o.id = m.order_id WHERE m.user_id = ? AND ${LIVE}`,
    )
    .bind(userId, now - ORDER_LAPSE_MS)
    .first<{ id: number; display_name: string }>();
  return row ? { id: row.id, displayName: row.display_name } : null;
}

/** How many orders are live (player_info's total_orders). */
export async function countLiveOrders(db: D1Database, now = Date.now()): Promise<number> {
  const row = await db
    .prepare(`SELECT count(*) AS n FROM orders o WHERE ${LIVE}`)
    .bind(now - ORDER_LAPSE_MS)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The user's live order and its member ids (for 20 and 16), or null. */
export async function orderMatesOf(
  db: D1Database,
  userId: number,
  now = Date.now(),
): Promise<{ orderId: number; members: number[] } | null> {
  const orderId = await orderIdOf(db, userId, now);
  if (orderId === null) return null;
  return { orderId, members: (await orderMembers(db, orderId)).map((m) => m.userId) };
}

/** Re-derives short_since after a membership change. */
function shortSinceUpdate(db: D1Database, orderId: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE orders SET short_since = CASE
         WHEN (SELECT count(*) FROM order_members WHERE order_id = ?1) >= ?2 THEN NULL
         ELSE coalesce(short_since, ?3) END
       WHERE id = ?1`,
    )
    .bind(orderId, ORDER_MIN_MEMBERS, now);
}

/** Adds a user to an order (a user in another live order is refused). */
export async function addOrderMember(
  db: D1Database,
  orderId: number,
  userId: number,
  now = Date.now(),
): Promise<OrderResult<Order>> {
  const order = await getOrder(db, orderId, now);
  if (!order) return fail("not-found", "no such order");
  const user = await db.prepare("SELECT id FROM users WHERE id = ?").bind(userId).first();
  if (!user) return fail("invalid", `no user with id ${userId}`);
  const current = await orderIdOf(db, userId, now);
  if (current === orderId) return { ok: true, value: order };
  if (current !== null) return fail("conflict", "the user is already in another order");
  await db.batch([
    // A membership of a lapsed order may linger until the sweep: it gives way.
    db.prepare("DELETE FROM order_members WHERE user_id = ?").bind(userId),
    db.prepare("INSERT INTO order_members (order_id, user_id, joined_at) VALUES (?, ?, ?)").bind(orderId, userId, now),
    shortSinceUpdate(db, orderId, now),
  ]);
  return { ok: true, value: (await getOrder(db, orderId, now)) as Order };
}

/** Removes a user from an order. */
export async function removeOrderMember(
  db: D1Database,
  orderId: number,
  userId: number,
  now = Date.now(),
): Promise<OrderResult<Order>> {
  const order = await getOrder(db, orderId, now);
  if (!order) return fail("not-found", "no such order");
  if (!order.members.some((m) => m.userId === userId)) return fail("not-found", "the user is not a member");
  await db.batch([
    db.prepare("DELETE FROM order_members WHERE order_id = ? AND user_id = ?").bind(orderId, userId),
    shortSinceUpdate(db, orderId, now),
  ]);
  return { ok: true, value: (await getOrder(db, orderId, now)) as Order };
}

/** Changes name, motto, URL or passwords. */
export async function editOrder(
  db: D1Database,
  orderId: number,
  edit: OrderEdit,
  now = Date.now(),
): Promise<OrderResult<Order>> {
  const problem =
    (edit.name === undefined ? null : checkName(edit.name)) ??
    checkText("motto", edit.motto) ??
    checkText("url", edit.url) ??
    checkPassword("memberPassword", edit.memberPassword) ??
    checkPassword("maintenancePassword", edit.maintenancePassword);
  if (problem) return fail("invalid", problem);
  if (!(await getOrder(db, orderId, now))) return fail("not-found", "no such order");
  const statements: D1PreparedStatement[] = [];
  if (edit.name !== undefined)
    statements.push(
      db
        .prepare("UPDATE orders SET name = ?, display_name = ? WHERE id = ?")
        .bind(normalizeUserName(edit.name), edit.name.trim(), orderId),
    );
  if (edit.motto !== undefined)
    statements.push(db.prepare("UPDATE orders SET motto = ? WHERE id = ?").bind(edit.motto, orderId));
  if (edit.url !== undefined)
    statements.push(db.prepare("UPDATE orders SET url = ? WHERE id = ?").bind(edit.url, orderId));
  for (const [field, value] of [
    ["member", edit.memberPassword],
    ["maintenance", edit.maintenancePassword],
  ] as const) {
    if (value === undefined) continue;
    const pw = await hashPassword(encodeMacRoman(value));
    statements.push(
      db
        .prepare(
          `UPDATE orders SET ${field}_password_hash = ?, ${field}_password_salt = ?, ${field}_password_iterations = ? WHERE id = ?`,
        )
        .bind(pw.hash, pw.salt, pw.iterations, orderId),
    );
  }
  if (statements.length > 0) {
    try {
      await db.batch(statements);
    } catch (e) {
      if (/UNIQUE constraint failed/i.test(String((e as Error).message)))
        return fail("duplicate", "an order with that name already exists");
      throw e;
    }
  }
  return { ok: true, value: (await getOrder(db, orderId, now)) as Order };
}

/** Checks an order's member or maintenance password (for the web account's join and edit). */
export async function verifyOrderPassword(
  db: D1Database,
  orderId: number,
  which: "member" | "maintenance",
  password: string,
): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT ${which}_password_hash AS hash, ${which}_password_salt AS salt, ${which}_password_iterations AS iterations,
         password_algorithm AS algorithm FROM orders WHERE id = ?`,
    )
    .bind(orderId)
    .first<{ hash: unknown; salt: unknown; iterations: number; algorithm: string }>();
  if (!row) return false;
  const stored: PasswordHash = {
    algorithm: row.algorithm,
    iterations: row.iterations,
    salt: blobBytes(row.salt),
    hash: blobBytes(row.hash),
  };
  return verifyPassword(encodeMacRoman(password), stored);
}

/** Deletes orders that lapsed by `now` (their memberships go with them); returns how many. */
export async function sweepLapsedOrders(db: D1Database, now = Date.now()): Promise<number> {
  const result = await db
    .prepare("DELETE FROM orders WHERE short_since IS NOT NULL AND short_since <= ?")
    .bind(now - ORDER_LAPSE_MS)
    .run();
  return result.meta.changes;
}
