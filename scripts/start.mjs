// Shim so `npm start` (package.json: "node scripts/start.mjs") runs the TypeScript entry point.
// Once package.json says "node --import tsx scripts/start.ts", this file can go.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("./start.ts", import.meta.url));
const child = spawn(process.execPath, ["--import", "tsx", entry, ...process.argv.slice(2)], { stdio: "inherit" });
// A terminal's Ctrl-C reaches both processes; forwarding covers `kill <pid>` of this one.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
