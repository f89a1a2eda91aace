import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// D1 migrations, applied inside workerd by test/worker/setup.ts.
const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  test: {
    coverage: {
      provider: "istanbul",
      include: ["protocol/**", "tunnel/**", "edge/**", "worker/**", "durable-objects/**", "bridge/**", "client/**"],
      thresholds: { lines: 80 },
    },
    projects: [
      {
        // Code that runs in the Worker, tested inside workerd.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: "test-admin", BRIDGE_TOKEN: "test-bridge" },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/worker/**/*.test.ts", "test/protocol/**/*.test.ts"],
          setupFiles: ["test/worker/setup.ts"],
        },
      },
      {
        // The bridge, the legacy client and the end-to-end tests over real TCP.
        test: {
          name: "node",
          include: ["test/e2e/**/*.test.ts", "test/node/**/*.test.ts", "test/room/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
