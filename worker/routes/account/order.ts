/**
 * /account/order: create an order, join one (its member password), leave it, and for its
 * maintainers (the maintenance password, asked at each edit as Bungie's order pages did) edit
 * motto, URL and passwords — all through edge/social/orders.ts. Founding, joining and leaving
 * push a fresh 20 to the player's and its order mates' game clients (push.ts). The Myth client has no
 * order-management messages; this page and the admin API are the only ways.
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { getAccount } from "../../../edge/accounts.ts";
import {
  addOrderMember,
  createOrder,
  editOrder,
  findOrderByName,
  getOrder,
  MAX_ORDER_NAME_LENGTH,
  MAX_ORDER_TEXT_LENGTH,
  ORDER_MIN_MEMBERS,
  type OrderEdit,
  orderIdOf,
  removeOrderMember,
  verifyOrderPassword,
} from "../../../edge/social/orders.ts";
import { withConfig } from "../../config-middleware.ts";
import type { AppEnv } from "../../context.ts";
import type { WebSession } from "../../web/session.ts";
import { csrfField, when } from "../dashboard/layout.ts";
import { type AccountPageOptions, accountPage, auditOwn, field, signedIn, THROTTLED, throttledCheck } from "./guard.ts";
import { pushSocialChange } from "./push.ts";

export const order = new Hono<AppEnv>();

const orderTarget = (id: number) => `order:${id}`;

async function orderPage(c: Context<AppEnv>, s: WebSession, options: Omit<AccountPageOptions, "title"> = {}) {
  const id = await orderIdOf(c.env.DB, s.account.id);
  const current = id === null ? null : await getOrder(c.env.DB, id);
  const csrf = s.csrf;
  if (!current) {
    return accountPage(
      c,
      s,
      { title: "Order", ...options },
      html`<p class="note">You are in no order. Found one or join one with its member password.</p>
        <form class="card" method="post" action="/account/order/join">
          ${csrfField(csrf)}
          <h2>Join an order</h2>
          <p><label>Order name<br /><input name="name" maxlength="${MAX_ORDER_NAME_LENGTH}" required /></label></p>
          <p><label>Member password<br /><input name="password" type="password" maxlength="15" required /></label></p>
          <button>Join</button>
        </form>
        <form class="card" method="post" action="/account/order/create">
          ${csrfField(csrf)}
          <h2>Found an order</h2>
          <p><label>Name<br /><input name="name" maxlength="${MAX_ORDER_NAME_LENGTH}" required /></label></p>
          <p><label>Motto<br /><input name="motto" maxlength="${MAX_ORDER_TEXT_LENGTH}" /></label></p>
          <p><label>URL<br /><input name="url" maxlength="${MAX_ORDER_TEXT_LENGTH}" /></label></p>
          <p><label>Member password (members join with it)<br /><input name="memberPassword" type="password" maxlength="15" required /></label></p>
          <p><label>Maintenance password (edits the order)<br /><input name="maintenancePassword" type="password" maxlength="15" required /></label></p>
          <button>Found the order</button>
          <p class="note">An order with fewer than ${ORDER_MIN_MEMBERS} members for 10 days lapses.</p>
        </form>`,
    );
  }
  const members = await Promise.all(current.members.map((m) => getAccount(c.env.DB, m.userId)));
  return accountPage(
    c,
    s,
    { title: `Order: ${current.displayName}`, ...options },
    html`<div class="card">
        <p data-testid="order-name"><b>${current.displayName}</b></p>
        ${current.motto ? html`<p>${current.motto}</p>` : ""}
        ${current.url ? html`<p class="note">${current.url}</p>` : ""}
        ${
          current.shortSince === null
            ? ""
            : html`<p class="error">Fewer than ${ORDER_MIN_MEMBERS} members since ${when(current.shortSince)}: it lapses 10 days after that.</p>`
        }
        <table>
          <tr><th>Member</th><th>Joined</th></tr>
          ${current.members.map(
            (m, i) => html`<tr><td>${members[i]?.displayName ?? `#${m.userId}`}</td><td>${when(m.joinedAt)}</td></tr>`,
          )}
        </table>
      </div>
      <form class="card" method="post" action="/account/order/leave">
        ${csrfField(csrf)}<button class="danger">Leave ${current.displayName}</button>
      </form>
      <form class="card" method="post" action="/account/order/edit">
        ${csrfField(csrf)}
        <h2>Maintain the order</h2>
        <p><label>Maintenance password<br /><input name="maintenance" type="password" maxlength="15" required /></label></p>
        <p><label>Motto<br /><input name="motto" maxlength="${MAX_ORDER_TEXT_LENGTH}" value="${current.motto}" /></label></p>
        <p><label>URL<br /><input name="url" maxlength="${MAX_ORDER_TEXT_LENGTH}" value="${current.url}" /></label></p>
        <p><label>New member password (blank: unchanged)<br /><input name="memberPassword" type="password" maxlength="15" /></label></p>
        <p><label>New maintenance password (blank: unchanged)<br /><input name="maintenancePassword" type="password" maxlength="15" /></label></p>
        <button>Save</button>
      </form>`,
  );
}

order.get(
  "/account/order",
  withConfig,
  signedIn((c, s) => orderPage(c, s)),
);

order.post(
  "/account/order/create",
  withConfig,
  signedIn(async (c, s, form) => {
    const result = await createOrder(c.env.DB, {
      name: field(form, "name", 64),
      founderId: s.account.id,
      memberPassword: field(form, "memberPassword", 64),
      maintenancePassword: field(form, "maintenancePassword", 64),
      motto: field(form, "motto"),
      url: field(form, "url"),
    });
    if (!result.ok) return orderPage(c, s, { error: `Not founded: ${result.message}.`, status: 400 });
    await auditOwn(c, s, {
      action: "account.order.create",
      target: orderTarget(result.value.id),
      detail: { name: result.value.displayName },
    });
    pushSocialChange(c, s.account.id, { orders: [result.value.id] });
    return c.redirect("/account/order?done=Order%20founded.", 303);
  }),
);

order.post(
  "/account/order/join",
  withConfig,
  signedIn(async (c, s, form) => {
    const found = await findOrderByName(c.env.DB, field(form, "name", 64));
    const password = field(form, "password", 64);
    // An unknown order and a wrong password get one answer, and both spend the failure budget.
    const ok = await throttledCheck(c, async () =>
      found ? verifyOrderPassword(c.env.DB, found.id, "member", password) : false,
    );
    if (ok === "throttled") return orderPage(c, s, { error: THROTTLED, status: 429 });
    if (!ok || !found) return orderPage(c, s, { error: "No order with that name and member password.", status: 403 });
    const result = await addOrderMember(c.env.DB, found.id, s.account.id);
    if (!result.ok) return orderPage(c, s, { error: `Not joined: ${result.message}.`, status: 400 });
    await auditOwn(c, s, { action: "account.order.join", target: orderTarget(found.id) });
    pushSocialChange(c, s.account.id, { orders: [found.id] });
    return c.redirect("/account/order?done=Joined.", 303);
  }),
);

order.post(
  "/account/order/leave",
  withConfig,
  signedIn(async (c, s) => {
    const id = await orderIdOf(c.env.DB, s.account.id);
    if (id === null) return orderPage(c, s, { error: "You are in no order.", status: 400 });
    const result = await removeOrderMember(c.env.DB, id, s.account.id);
    if (!result.ok) return orderPage(c, s, { error: `Not left: ${result.message}.`, status: 400 });
    await auditOwn(c, s, { action: "account.order.leave", target: orderTarget(id) });
    pushSocialChange(c, s.account.id, { orders: [id] });
    return c.redirect("/account/order?done=You%20left%20the%20order.", 303);
  }),
);

order.post(
  "/account/order/edit",
  withConfig,
  signedIn(async (c, s, form) => {
    const id = await orderIdOf(c.env.DB, s.account.id);
    if (id === null) return orderPage(c, s, { error: "You are in no order.", status: 400 });
    const maintenance = field(form, "maintenance", 64);
    const ok = await throttledCheck(c, () => verifyOrderPassword(c.env.DB, id, "maintenance", maintenance));
    if (ok === "throttled") return orderPage(c, s, { error: THROTTLED, status: 429 });
    if (!ok) return orderPage(c, s, { error: "Wrong maintenance password.", status: 403 });
    const edit: OrderEdit = { motto: field(form, "motto"), url: field(form, "url") };
    const member = field(form, "memberPassword", 64);
    const maint = field(form, "maintenancePassword", 64);
    if (member) edit.memberPassword = member;
    if (maint) edit.maintenancePassword = maint;
    const result = await editOrder(c.env.DB, id, edit);
    if (!result.ok) return orderPage(c, s, { error: `Not saved: ${result.message}.`, status: 400 });
    // Which fields changed, never the passwords themselves.
    await auditOwn(c, s, {
      action: "account.order.edit",
      target: orderTarget(id),
      detail: {
        motto: edit.motto,
        url: edit.url,
        memberPassword: member !== "",
        maintenancePassword: maint !== "",
      },
    });
    return c.redirect("/account/order?done=Order%20saved.", 303);
  }),
);
