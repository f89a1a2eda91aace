/** `npm run deploy` refuses, before contacting Cloudflare, what would deploy a broken edge. */
import { describe, expect, it } from "vitest";
import { run } from "../e2e/service-helpers.ts";

describe("npm run deploy", () => {
  it("refuses the placeholders left in wrangler.toml, naming each, and a missing --env", async () => {
    const [production, noEnv] = [
      run("npm", ["run", "deploy", "--", "--env", "production"]),
      run("npm", ["run", "deploy"]),
    ];
    const [p, n] = await Promise.all([production.exited, noEnv.exited]);
    expect(p.code).toBe(2);
    expect(production.output()).toMatch(
      /not deploying:\n\s+wrangler\.toml \[env\.production\] D1 DB: database_id is the placeholder "REPLACE_ME-production-d1-database-id"; create the database \(npx wrangler d1 create metaserver\)/,
    );
    expect(production.output()).toMatch(/\[env\.production\] R2 FILMS: bucket_name is the placeholder/);
    expect(production.output()).not.toMatch(/\$ wrangler/); // nothing was run against Cloudflare
    expect(n.code).toBe(2);
    expect(noEnv.output()).toMatch(/say which: npm run deploy -- --env staging \| --env production/);
  });
});
