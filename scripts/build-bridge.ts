/**
 * `npm run build:bridge [-- --out DIR] [--pack]`: the bridge as an installable package, plain
 * JavaScript with one runtime dependency (ws): compiles bridge/ (and the protocol/ and tunnel/
 * modules it imports) with tsc, then adds packaging/bridge/ (package.json with the `myth-bridge`
 * bin, its lockfile, the systemd unit, a README). An operator copies the folder (or the
 * tarball --pack makes) to the bridge machine and runs `npm ci --omit=dev` there.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGING = join(ROOT, "packaging", "bridge");
const SHIPPED = ["package.json", "package-lock.json", "myth-bridge.service", "README.md"];

export async function buildBridge(out: string): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.bridge.json"), "--outDir", out], {
      cwd: ROOT,
    });
  } catch (error) {
    const e = error as { stdout?: string; message: string };
    throw new Error(`compiling the bridge failed:\n${e.stdout || e.message}`);
  }
  for (const file of SHIPPED) await copyFile(join(PACKAGING, file), join(out, file));
  const bin = JSON.parse(await readFile(join(PACKAGING, "package.json"), "utf8")).bin["myth-bridge"] as string;
  await chmod(join(out, bin), 0o755);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: "string" }, pack: { type: "boolean" } } });
  const out = resolve(values.out ?? join(ROOT, "dist", "bridge"));
  try {
    await buildBridge(out);
    console.log(`bridge package in ${out} (install: npm ci --omit=dev there; run: node bridge/cli.js --help)`);
    if (values.pack) {
      const { stdout } = await promisify(execFile)("npm", ["pack", "--pack-destination", resolve(out, "..")], {
        cwd: out,
      });
      console.log(`tarball: ${resolve(out, "..", stdout.trim().split("\n").pop() ?? "")}`);
    }
  } catch (error) {
    console.error(`build:bridge: ${(error as Error).message}`);
    process.exit(1);
  }
}
