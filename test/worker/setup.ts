// Runs inside workerd before every workers-project test file: bring D1 up to the current schema.
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
