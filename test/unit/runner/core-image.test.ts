/**
 * The Core image carries what ADE's Core image carries, so that Dockerfiles written FROM ADE's Core
 * (Microsoft's ARM-Bicep, Terraform and DeploymentStacks images run dos2unix, wget and unzip) build
 * FROM ours. Read from our Dockerfile: the packages it installs, where the CLI and scripts go.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const DOCKERFILE = readFileSync(join(__dirname, "../../../runner/images/core/Dockerfile"), "utf8");
/** The instructions, continuation lines joined, comments dropped. */
const INSTRUCTIONS = DOCKERFILE.replace(/\\\n/g, " ")
  .split("\n")
  .filter((line) => line.trim() && !line.trim().startsWith("#"));

function installed(): Set<string> {
  const packages = new Set<string>();
  for (const line of INSTRUCTIONS.filter((l) => l.startsWith("RUN "))) {
    for (const command of line.slice(4).split("&&")) {
      const words = command.trim().split(/\s+/);
      if (words[0] === "tdnf" && words[1] === "install")
        words
          .slice(2)
          .filter((w) => !w.startsWith("-"))
          .forEach((w) => packages.add(w));
    }
  }
  return packages;
}

describe("the Core image", () => {
  it("installs the packages ADE's Core installs on the same azure-cli base", () => {
    expect(INSTRUCTIONS).toContain("FROM mcr.microsoft.com/azure-cli:2.67.0");
    const packages = installed();
    for (const name of ["jq", "dos2unix", "libicu", "wget", "unzip", "curl"])
      expect(packages).toContain(name);
  });

  it("has ADE's layout: /adecli/ade on PATH, /entrypoint.sh, /shared and /scripts", () => {
    expect(INSTRUCTIONS).toEqual(
      expect.arrayContaining([
        "COPY ade.js /adecli/ade",
        "COPY entrypoint.sh /entrypoint.sh",
        "COPY shared/ /shared/",
        "COPY scripts/ /scripts/",
        'ENTRYPOINT ["/entrypoint.sh"]',
        "STOPSIGNAL SIGTERM",
      ]),
    );
    expect(INSTRUCTIONS.find((line) => line.startsWith("ENV "))).toMatch(/\bPATH=\/adecli:\$PATH\b/);
  });
});
