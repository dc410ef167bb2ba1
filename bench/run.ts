/**
 * `npm run bench`: runs every benchmark in bench/ (compiled), one process each, the dev host's
 * first, then the others by name. A benchmark is any bench/*.ts that prints its figures, except the
 * shared figure helpers in measure.ts.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const FIRST = "devhost.js";
const HELPERS = new Set(["measure.js", path.basename(__filename)]);

const benchmarks = readdirSync(__dirname)
  .filter((file) => file.endsWith(".js") && !HELPERS.has(file))
  .sort((a, b) => (a === FIRST ? -1 : b === FIRST ? 1 : a.localeCompare(b)));

let failed = 0;
for (const file of benchmarks) {
  process.stdout.write(`== ${file.replace(/\.js$/, "")}\n`);
  const result = spawnSync(process.execPath, [path.join(__dirname, file)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
