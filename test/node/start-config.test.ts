/** How `npm start` reads its settings (scripts/start-config.ts), without starting anything. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BRIDGE_DEFAULTS } from "../../bridge/config.ts";
import { BRIDGE_LIMIT_FLAGS, limitEnvName } from "../../bridge/limits.ts";
import { CONFIG_VARS, EDGE_VARS } from "../../edge/config.ts";
import {
  exposureWarning,
  parseStartArgs,
  resolveEdgeVars,
  StartError,
  startHelp,
  varFlag,
} from "../../scripts/start-config.ts";

describe("npm start settings", () => {
  it("a flag beats the environment, which beats wrangler.toml", () => {
    const file = { ALLOW_GUESTS: "true", TOKEN_GRACE_SECONDS: "5", MIN_LEGACY_PATCH: "4" };
    const args = parseStartArgs(["--allow-guests", "false"], { ALLOW_GUESTS: "true", TOKEN_GRACE_SECONDS: "7" });
    const { vars, config } = resolveEdgeVars(args, file, "wrangler.toml");
    expect(vars).toMatchObject({ ALLOW_GUESTS: "false", TOKEN_GRACE_SECONDS: "7", MIN_LEGACY_PATCH: "4" });
    expect(config.allowGuests).toBe(false);
    expect(config.tokenGraceSeconds).toBe(7);
    expect(config.minimumVersions.legacyPatch).toBe(4);
  });

  it("names where a bad value came from", () => {
    const fromEnv = parseStartArgs([], { LOGIN_MAX_FAILURES: "many" });
    expect(() => resolveEdgeVars(fromEnv, {}, "wrangler.toml")).toThrow(
      /LOGIN_MAX_FAILURES must be an integer .* \(from LOGIN_MAX_FAILURES in the environment\)/,
    );
    expect(() => resolveEdgeVars(parseStartArgs([], {}), { ROOM_HOST: "nowhere" }, "wrangler.toml")).toThrow(
      /ROOM_HOST .* \(from wrangler\.toml \[vars\]\)/,
    );
    expect(() => parseStartArgs(["--max-per-ip", "-1"], {})).toThrow(StartError);
  });

  it("takes the bridge limits as flags or BRIDGE_* variables, in the bridge's units", () => {
    const args = parseStartArgs(["--idle-timeout", "30"], { [limitEnvName("max-per-ip")]: "3" });
    expect(args.bridgeLimits).toEqual({ idleTimeoutMs: 30_000, maxConnectionsPerIp: 3 });
  });

  it("--help lists every Worker var and every bridge limit with its default", () => {
    const help = startHelp();
    for (const name of CONFIG_VARS) {
      const fallback = EDGE_VARS[name].default === "" ? "unset" : String(EDGE_VARS[name].default);
      expect(help).toMatch(new RegExp(`--${varFlag(name)} .*\\(default ${fallback}\\) \\[${name}\\]`));
    }
    for (const limit of BRIDGE_LIMIT_FLAGS) {
      expect(help).toContain(`(default ${BRIDGE_DEFAULTS[limit.option] / limit.scale}) [${limitEnvName(limit.flag)}]`);
    }
  });

  it("warns when the stack listens beyond this machine, not on loopback", () => {
    expect(exposureWarning("127.0.0.1", 8787)).toBeNull();
    expect(exposureWarning("0.0.0.0", 8787)).toMatch(/listens on 0\.0\.0\.0:8787 in plain HTTP: the admin API/);
  });

  it("docs/admin.md lists every Worker var with its default", () => {
    const doc = readFileSync(new URL("../../docs/admin.md", import.meta.url), "utf8");
    for (const name of CONFIG_VARS) {
      const fallback = EDGE_VARS[name].default === "" ? "unset" : String(EDGE_VARS[name].default);
      expect(doc, name).toMatch(new RegExp(`^\\| \`${name}\` \\| ${fallback}\\b`, "m"));
    }
  });
});
