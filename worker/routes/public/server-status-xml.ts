/**
 * /ServerStatus.xml in the shape of Mariusnet's public feed, so the third-party tools written for
 * it keep working: one <player> per player online with the child elements the public iOS client
 * (spongefile/Mariusnet, XMLParser.m) reads — clienttype ("Myth: TFL", "Myth: SB", "Myth: TWA",
 * "Marathon"), roomname, playername (nick), login, primarycolors (six hex digits, no "#": the
 * client both scans it as a hex int and strips a "#"), rankicon (caste image 0-16), icon, afk and
 * ingame ("1"/"0"). Extra elements its parser ignores: secondarycolors, team, guest. The root
 * element's name is not read by that client; ours is <ServerStatus>. rankicon is the account's
 * overall caste from ranked play (ratings, category -1) in every room, as Mariusnet showed one
 * rank per account; guests and players without a rating have 0 (dagger).
 */
import { CLIENT_TYPE, type LiveRoom } from "./live.ts";

function xmlText(s: string): string {
  // Control characters other than tab/newline are not allowed in XML 1.0 at all.
  let clean = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) clean += ch;
  }
  return clean.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

const hex6 = (rgb: number) => (rgb & 0xffffff).toString(16).toUpperCase().padStart(6, "0");

export function serverStatusXml(rooms: readonly LiveRoom[], castes: ReadonlyMap<number, number>): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', "<ServerStatus>"];
  for (const { room, status } of rooms) {
    for (const p of status.players) {
      const el = (name: string, value: string | number) => `    <${name}>${xmlText(String(value))}</${name}>`;
      out.push(
        "  <player>",
        el("clienttype", CLIENT_TYPE[room.game]),
        el("roomname", room.name),
        el("playername", p.nick),
        el("login", p.userName),
        el("primarycolors", hex6(p.primaryColor)),
        el("secondarycolors", hex6(p.secondaryColor)),
        el("rankicon", p.guest ? 0 : (castes.get(p.userId) ?? 0)),
        el("icon", p.coatOfArms),
        el("afk", p.away ? 1 : 0),
        el("ingame", p.inGame ? 1 : 0),
        el("guest", p.guest ? 1 : 0),
        "  </player>",
      );
    }
  }
  out.push("</ServerStatus>", "");
  return out.join("\n");
}
