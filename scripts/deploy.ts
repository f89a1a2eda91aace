/**
 * `npm run deploy -- --env staging|production`: deploys the edge in the upgrade order
 * (docs/admin.md, "Upgrades"): checks first, then the D1 migrations, then the Worker. Bridges
 * are upgraded after it, by the operator.
 *
 * Refused before anything reaches Cloudflare: no --env (the top level is the local setup), a
 * REPLACE_ME placeholder left in wrangler.toml (D1 database id, R2 bucket), a Worker var that
 * does not parse, or a secret (ADMIN_TOKEN, BRIDGE_TOKEN) not set on that Worker.
 */
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { ConfigError, loadConfig } from "../edge/config.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const PLACEHOLDER = /replace[-_]?me/i;
const SECRETS = ["ADMIN_TOKEN", "BRIDGE_TOKEN"];

class DeployError extends Error {}

/** What is wrong with an environment of the wrangler configuration, found without the network. */
export async function deployProblems(env: string, configPath = join(ROOT, "wrangler.toml")): Promise<string[]> {
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: configPath, env });
  const where = `wrangler.toml [env.${env}]`;
  const problems: string[] = [];
  for (const db of config.d1_databases) {
    if (!db.database_id || PLACEHOLDER.test(db.database_id)) {
      problems.push(
        `${where} D1 ${db.binding}: database_id is the placeholder ${JSON.stringify(db.database_id)}; ` +
          `create the database (npx wrangler d1 create ${db.database_name}) and put its id there`,
      );
    }
  }
  for (const bucket of config.r2_buckets) {
    if (!bucket.bucket_name || PLACEHOLDER.test(bucket.bucket_name)) {
      problems.push(
        `${where} R2 ${bucket.binding}: bucket_name is the placeholder ${JSON.stringify(bucket.bucket_name)}; ` +
          "create a bucket (npx wrangler r2 bucket create <name>) and put its name there",
      );
    }
  }
  const vars = Object.fromEntries(
    Object.entries(config.vars ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  try {
    loadConfig(vars);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(`${where} [vars]: ${error.message}`);
  }
  return problems;
}

function wrangler(args: string[]): Promise<void> {
  console.log(`\n$ wrangler ${args.join(" ")}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, stdio: "inherit" });
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new DeployError(`wrangler ${args[0]} failed (exit ${code})`)),
    );
  });
}

async function missingSecrets(env: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [WRANGLER, "secret", "list", "--env", env], {
      cwd: ROOT,
    }));
  } catch (error) {
    throw new DeployError(
      `cannot list the Worker's secrets (logged in? npx wrangler login): ${(error as Error).message}`,
    );
  }
  const names = new Set((JSON.parse(stdout) as { name: string }[]).map((s) => s.name));
  return SECRETS.filter((s) => !names.has(s));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { env: { type: "string" } } });
  const env = values.env;
  if (env !== "staging" && env !== "production") {
    throw new DeployError("say which: npm run deploy -- --env staging | --env production (the top level is local)");
  }
  const problems = await deployProblems(env);
  if (problems.length > 0) throw new DeployError(`not deploying:\n  ${problems.join("\n  ")}`);
  const missing = await missingSecrets(env);
  if (missing.length > 0) {
    throw new DeployError(
      `not deploying: secret ${missing.join(", ")} not set (npx wrangler secret put ${missing[0]} --env ${env})`,
    );
  }
  // Migrations first: the new code may need the new schema; the old code ignores added columns and tables.
  await wrangler(["d1", "migrations", "apply", "DB", "--remote", "--env", env]);
  await wrangler(["deploy", "--env", env]);
  console.log(`\nedge deployed (${env}); now upgrade the bridges, one at a time (docs/admin.md, "Upgrades")`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(`deploy: ${(error as Error).message}`);
    process.exit(error instanceof DeployError ? 2 : 1);
  });
}
