/**
 * The image an operation's runner runs: a manifest `runner` with a "/" is an image reference itself;
 * anything else is an alias that RUNNER_IMAGES must map. An alias without an image fails the
 * operation here, before anything is created: no runner may "succeed" by running something else.
 */
import { OperationError } from "./failures";

export function resolveRunnerImage(runner: string, images: Record<string, string>): string {
  if (runner.includes("/")) return runner;
  const image = Object.prototype.hasOwnProperty.call(images, runner) ? images[runner] : undefined;
  if (image) return image;
  const mapped = Object.keys(images).sort();
  const known = mapped.length > 0 ? `RUNNER_IMAGES maps ${mapped.join(", ")}` : "RUNNER_IMAGES maps no alias";
  throw new OperationError(
    "RunnerImageNotFound",
    runner === ""
      ? `The environment definition names no runner, and ${known}.`
      : `The definition's runner ${runner} has no image: ${known}. Map ${runner} to a runner image in ` +
          "the RUNNER_IMAGES setting, or give the definition a full image reference such as " +
          "myregistry.azurecr.io/runners/custom:1.0.",
  );
}
