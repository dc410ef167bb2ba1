/**
 * Entry point of runner/images/terraform/terraform-outputs.js: reads `terraform output -json` on
 * stdin and prints the EnvironmentOutputs document; a failure prints why and exits 1.
 */
import { readFileSync } from "node:fs";
import { terraformOutputs } from "./outputs";

try {
  const text = readFileSync(0, "utf8");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error("terraform output -json did not print JSON.");
  }
  process.stdout.write(`${JSON.stringify(terraformOutputs(document))}\n`);
} catch (error) {
  process.stderr.write(`terraform-outputs: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
