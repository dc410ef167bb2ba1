/**
 * A deployment's outputs (ARM: `{"name": {"type": "String", "value": ...}}`) as the EnvironmentOutputs
 * document; the contract takes ARM's type names as they are. An output without a value (ARM returns
 * none for secure outputs) is left out and named in `skipped`.
 */
import type { EnvironmentOutput, EnvironmentOutputs } from "../../src/runner-protocol/outputs";

export function environmentOutputs(outputs: Record<string, unknown>): {
  document: EnvironmentOutputs;
  skipped: string[];
} {
  const kept: [string, EnvironmentOutput][] = [];
  const skipped: string[] = [];
  for (const [name, output] of Object.entries(outputs)) {
    if (typeof output !== "object" || output === null || !("value" in output)) {
      skipped.push(name);
      continue;
    }
    const { type, value } = output as { type?: unknown; value: unknown };
    const typeName = typeof type === "string" ? type : "object";
    kept.push([name, { type: typeName, value, sensitive: /^secure/i.test(typeName) }]);
  }
  return { document: { outputs: Object.fromEntries(kept) }, skipped };
}
