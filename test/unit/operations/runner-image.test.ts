import { ConfigError, DEFAULT_RUNNER_IMAGES, loadConfig } from "../../../src/config";
import { resolveRunnerImage } from "../../../src/operations/runner-image";

const base = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };

describe("RUNNER_IMAGES", () => {
  it("maps ARM and Bicep to the arm-bicep image and Terraform to the terraform image by default", () => {
    expect(loadConfig(base).operations.runnerImages).toEqual({
      ARM: "devcenter/runner-arm-bicep:latest",
      Bicep: "devcenter/runner-arm-bicep:latest",
      Terraform: "devcenter/runner-terraform:latest",
    });
  });

  it("merges over the defaults, adds aliases and removes one given null", () => {
    const images = loadConfig({
      ...base,
      RUNNER_IMAGES: '{"Bicep":"acr.io/bicep:2","Pulumi":"acr.io/pulumi:1","Terraform":null}',
    }).operations.runnerImages;
    expect(images).toEqual({
      ARM: DEFAULT_RUNNER_IMAGES.ARM,
      Bicep: "acr.io/bicep:2",
      Pulumi: "acr.io/pulumi:1",
    });
  });

  it.each([
    ['{"Bicep":""}', "not an image reference"],
    ['{"Bicep":7}', "not an image reference"],
    ['{"acr.io/x":"acr.io/y:1"}', "no alias"],
    ["[]", "JSON object"],
    ["{", "JSON object"],
  ])("refuses %s", (value, message) => {
    expect(() => loadConfig({ ...base, RUNNER_IMAGES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, RUNNER_IMAGES: value })).toThrow(message);
  });
});

describe("resolveRunnerImage", () => {
  const images = { ARM: "acr.io/arm:1", Terraform: "acr.io/tf:1" };

  it("maps an alias and keeps an image reference", () => {
    expect(resolveRunnerImage("ARM", images)).toBe("acr.io/arm:1");
    expect(resolveRunnerImage("myacr.azurecr.io/runners/custom:1.0", images)).toBe(
      "myacr.azurecr.io/runners/custom:1.0",
    );
  });

  it("fails an alias without an image, naming it and what RUNNER_IMAGES maps", () => {
    expect(() => resolveRunnerImage("Bicep", images)).toThrow(
      "The definition's runner Bicep has no image: RUNNER_IMAGES maps ARM, Terraform.",
    );
    expect(() => resolveRunnerImage("pulumi", {})).toThrow(
      "runner pulumi has no image: RUNNER_IMAGES maps no alias",
    );
    // Not an inherited property of a plain object either.
    expect(() => resolveRunnerImage("constructor", images)).toThrow("runner constructor has no image");
  });
});
