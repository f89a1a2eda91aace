/**
 * The D1 schema this code needs: the migrations (migrations/*.sql, applied by `wrangler d1
 * migrations apply`, which records them in d1_migrations) that must be applied before the edge
 * may report healthy. A test (test/node/schema.test.ts) keeps this list equal to the folder, so
 * adding a migration file means adding its name here.
 */
export const REQUIRED_MIGRATIONS: readonly string[] = [
  "0001_init.sql",
  "0002_abuse.sql",
  "0003_moderation.sql",
  "0004_results.sql",
  "0005_web_sessions.sql",
  "0006_films.sql",
  "0007_social.sql",
];

/** D1's error for a query on a table that does not exist (the schema is behind). */
export function isMissingTable(error: unknown): boolean {
  return error instanceof Error && /no such table/i.test(error.message);
}
