/**
 * /admin/orders: orders (Bungie's clans) for staff — create, edit, add and remove members,
 * sweep lapsed ones. The rules live in edge/social/orders.ts, which the player's web account
 * will use too; every change here writes an audit_log row after it.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { writeAudit } from "../../../edge/accounts.ts";
import {
  addOrderMember,
  createOrder,
  editOrder,
  getOrder,
  type Order,
  type OrderResult,
  removeOrderMember,
  sweepLapsedOrders,
} from "../../../edge/social/orders.ts";
import type { AppEnv } from "../../context.ts";
import { httpError, validationHook } from "../../errors.ts";
import { errors, IdParam } from "./schemas.ts";

const ACTOR = "admin-token";

const OrderView = z
  .object({
    id: z.number().int(),
    name: z.string().openapi({ description: "normalised (lookup) name" }),
    displayName: z.string(),
    motto: z.string(),
    url: z.string(),
    founderId: z.number().int().nullable(),
    createdAt: z.number().int(),
    shortSince: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "since when it has had fewer than 3 members (epoch ms); it lapses 10 days later" }),
    members: z.array(z.object({ userId: z.number().int(), joinedAt: z.number().int() })),
  })
  .openapi("Order");

const NewOrder = z
  .object({
    name: z.string().openapi({ example: "Crows" }),
    founderId: z.number().int().positive(),
    memberPassword: z.string().openapi({ description: "members join with it (web account)" }),
    maintenancePassword: z.string().openapi({ description: "maintainers edit the order with it" }),
    motto: z.string().optional(),
    url: z.string().optional(),
  })
  .openapi("NewOrder");

const OrderEdit = z
  .object({
    name: z.string().optional(),
    motto: z.string().optional(),
    url: z.string().optional(),
    memberPassword: z.string().optional(),
    maintenancePassword: z.string().optional(),
  })
  .openapi("OrderEdit");

const MemberBody = z.object({ userId: z.number().int().positive() }).openapi("OrderMemberAdd");
const MemberParams = IdParam.extend({
  userId: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "userId", in: "path" }, example: 2 }),
});

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** The service's answer as HTTP: 400 invalid, 404 not found, 409 duplicate or conflict. */
function unwrap(result: OrderResult<Order>): Order {
  if (result.ok) return result.value;
  const status = result.reason === "invalid" ? 400 : result.reason === "not-found" ? 404 : 409;
  httpError(status, result.message, { reason: result.reason });
}

export const orders = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

orders.openapi(
  createRoute({
    method: "post",
    path: "/orders",
    summary: "Create an order (the founder becomes its first member)",
    request: { body: { required: true, content: { "application/json": { schema: NewOrder } } } },
    responses: { 201: json(OrderView, "Created"), ...errors(400, 401, 409) },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const order = unwrap(await createOrder(c.env.DB, input));
    await writeAudit(
      c.env.DB,
      { actor: ACTOR, action: "order.create", detail: { name: input.name } },
      String(order.id),
    );
    return c.json(order, 201);
  },
);

orders.openapi(
  createRoute({
    method: "get",
    path: "/orders/{id}",
    summary: "One order with its members (lapsed orders are gone)",
    request: { params: IdParam },
    responses: { 200: json(OrderView, "The order"), ...errors(400, 401, 404) },
  }),
  async (c) => {
    const order = await getOrder(c.env.DB, c.req.valid("param").id);
    if (!order) httpError(404, "no such order");
    return c.json(order, 200);
  },
);

orders.openapi(
  createRoute({
    method: "patch",
    path: "/orders/{id}",
    summary: "Edit name, motto, URL or passwords",
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: OrderEdit } } } },
    responses: { 200: json(OrderView, "The order as it is now"), ...errors(400, 401, 404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const edit = c.req.valid("json");
    const order = unwrap(await editOrder(c.env.DB, id, edit));
    // Which fields changed, never the passwords themselves.
    await writeAudit(
      c.env.DB,
      { actor: ACTOR, action: "order.edit", detail: { fields: Object.keys(edit) } },
      String(id),
    );
    return c.json(order, 200);
  },
);

orders.openapi(
  createRoute({
    method: "post",
    path: "/orders/{id}/members",
    summary: "Add a member (a player is in one order at a time)",
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: MemberBody } } } },
    responses: { 200: json(OrderView, "The order as it is now"), ...errors(400, 401, 404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { userId } = c.req.valid("json");
    const order = unwrap(await addOrderMember(c.env.DB, id, userId));
    await writeAudit(c.env.DB, { actor: ACTOR, action: "order.member.add", detail: { userId } }, String(id));
    return c.json(order, 200);
  },
);

orders.openapi(
  createRoute({
    method: "delete",
    path: "/orders/{id}/members/{userId}",
    summary: "Remove a member",
    request: { params: MemberParams },
    responses: { 200: json(OrderView, "The order as it is now"), ...errors(400, 401, 404) },
  }),
  async (c) => {
    const { id, userId } = c.req.valid("param");
    const order = unwrap(await removeOrderMember(c.env.DB, id, userId));
    await writeAudit(c.env.DB, { actor: ACTOR, action: "order.member.remove", detail: { userId } }, String(id));
    return c.json(order, 200);
  },
);

orders.openapi(
  createRoute({
    method: "post",
    path: "/orders/sweep",
    summary: "Delete orders that lapsed (fewer than 3 members for 10 days)",
    responses: {
      200: json(z.object({ lapsed: z.number().int() }).openapi("OrderSweep"), "How many went"),
      ...errors(401),
    },
  }),
  async (c) => {
    const lapsed = await sweepLapsedOrders(c.env.DB);
    if (lapsed > 0) await writeAudit(c.env.DB, { actor: ACTOR, action: "order.sweep", detail: { lapsed } }, "orders");
    return c.json({ lapsed }, 200);
  },
);
