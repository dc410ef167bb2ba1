/** Entry point of the bundled CLI (runner/images/core/ade.js). */
import { runCli } from "./main";

runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ade: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 99;
  },
);
