import yaml from "js-yaml";
import {
  catalogsForProject,
  findCatalog,
  findEnvironmentType,
  findProject,
  findProjectEnvironmentType,
  isAdmin,
  isMember,
  parseDevCenterConfig,
  runnerRoleScope,
  type DevCenterConfig,
} from "../../../src/core/devcenter-config";
import type { Result } from "../../../src/core/result";

const FILE = "samples/devcenter.yaml";
const SUB = "00000000-0000-0000-0000-000000000001";
const ALICE = "aaaaaaaa-0000-4000-8000-000000000001";
const BOB = "bbbbbbbb-0000-4000-8000-000000000002";
const CLIENT = "cccccccc-0000-4000-8000-000000000003";
const PRINCIPAL = "dddddddd-0000-4000-8000-000000000004";
const IDENTITY = `/subscriptions/${SUB}/resourceGroups/identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner`;

/** The documented example, with real uuids. */
const EXAMPLE = `
devCenter:
  name: local
  location: westeurope
catalogs:
  - name: samples
    localPath: samples/catalog
environmentTypes:
  - name: Dev
    displayName: Development
  - name: Test
projects:
  - name: demo
    description: Demo project
    displayName: Demo
    maxDevBoxesPerUser: 0
    members: ["*"]
    admins: [${ALICE.toUpperCase()}]
    catalogs:
      - name: team-catalog
        gitUrl: https://github.com/org/repo.git
        branch: main
        path: Environments/
        secretSetting: CATALOG_TOKEN
    environmentTypes:
      - environmentType: dev
        status: Enabled
        deploymentTargetId: /subscriptions/${SUB}
        location: northeurope
        runnerIdentity:
          resourceId: ${IDENTITY}
          clientId: ${CLIENT}
          principalId: ${PRINCIPAL}
        runnerRole: { roleName: Owner, scope: resourceGroup }
        creatorRoleAssignment: { roles: [Contributor] }
        userRoleAssignments:
          - { principalId: ${BOB}, roles: [Reader] }
      - environmentType: Test
        deploymentTargetId: /subscriptions/${SUB}
        runnerIdentity: { resourceId: ${IDENTITY}, clientId: ${CLIENT}, principalId: ${PRINCIPAL} }
        runnerRole: { roleName: Contributor, scope: subscription }
  - name: private
    members: [${BOB}]
`;

function parsed(text: string): DevCenterConfig {
  const result = parseDevCenterConfig(text, FILE);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe("parseDevCenterConfig: valid", () => {
  test("the documented example, with every default filled in", () => {
    expect(parsed(EXAMPLE)).toEqual({
      devCenter: { name: "local", location: "westeurope" },
      catalogs: [{ name: "samples", localPath: "samples/catalog", path: "/" }],
      environmentTypes: [{ name: "Dev", displayName: "Development" }, { name: "Test" }],
      projects: [
        {
          name: "demo",
          description: "Demo project",
          displayName: "Demo",
          maxDevBoxesPerUser: 0,
          members: ["*"],
          admins: [ALICE],
          catalogs: [
            {
              name: "team-catalog",
              project: "demo",
              gitUrl: "https://github.com/org/repo.git",
              branch: "main",
              path: "/Environments",
              secretSetting: "CATALOG_TOKEN",
            },
          ],
          environmentTypes: [
            {
              environmentType: "Dev",
              status: "Enabled",
              deploymentTargetId: `/subscriptions/${SUB}`,
              subscriptionId: SUB,
              location: "northeurope",
              runnerIdentity: { resourceId: IDENTITY, clientId: CLIENT, principalId: PRINCIPAL },
              runnerRole: { roleName: "Owner", scope: "resourceGroup" },
              creatorRoleAssignment: { roles: ["Contributor"] },
              userRoleAssignments: [{ principalId: BOB, roles: ["Reader"] }],
            },
            {
              environmentType: "Test",
              status: "Enabled",
              deploymentTargetId: `/subscriptions/${SUB}`,
              subscriptionId: SUB,
              location: "westeurope",
              runnerIdentity: { resourceId: IDENTITY, clientId: CLIENT, principalId: PRINCIPAL },
              runnerRole: { roleName: "Contributor", scope: "subscription" },
              creatorRoleAssignment: { roles: [] },
              userRoleAssignments: [],
            },
          ],
        },
        { name: "private", members: [BOB], admins: [], catalogs: [], environmentTypes: [] },
      ],
    });
  });

  test("only a dev center: no catalogs, types or projects", () => {
    expect(parsed("devCenter: { name: local, location: westeurope }\n")).toEqual({
      devCenter: { name: "local", location: "westeurope" },
      catalogs: [],
      environmentTypes: [],
      projects: [],
    });
  });

  test("runner role defaults to Owner on the resource group", () => {
    const config = parsed(EXAMPLE.replace("runnerRole: { roleName: Owner, scope: resourceGroup }", ""));
    expect(config.projects[0].environmentTypes[0].runnerRole).toEqual({
      roleName: "Owner",
      scope: "resourceGroup",
    });
  });
});

// Edits put any value anywhere (wrong types included), which a precise type would forbid.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDocument = any;

/** The example as an object, changed by `edit`, as YAML. */
function variant(edit: (config: AnyDocument) => void): string {
  const config = yaml.load(EXAMPLE) as AnyDocument;
  edit(config);
  return yaml.dump(config);
}

type Expected = [pointer: string, fragment: string][];

function expectIssues<T>(result: Result<T>, expected: Expected): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const actual = result.errors.map((e) => [e.pointer, e.message]);
  expect(result.errors.every((e) => e.file === FILE)).toBe(true);
  expect(actual).toHaveLength(expected.length);
  for (const [pointer, fragment] of expected) {
    expect(actual).toContainEqual([pointer, expect.stringContaining(fragment)]);
  }
}

const PET = "/projects/0/environmentTypes/0";

describe("parseDevCenterConfig: invalid", () => {
  test.each<[string, string, Expected]>([
    ["YAML syntax error", "devCenter:\n  name: local\n location: x\n", [["", "YAML syntax error at line 3"]]],
    ["empty file", "# nothing\n", [["", "the configuration is empty"]]],
    ["missing devCenter", "projects: []\n", [["/devCenter", '"devCenter" is required']]],
    [
      "unknown field with a suggestion",
      variant((c) => (c.project = [])),
      [["/project", 'did you mean "projects"']],
    ],
    [
      "dev center name too short",
      variant((c) => (c.devCenter.name = "dc")),
      [["/devCenter/name", "3–63 characters"]],
    ],
    [
      "location not a short region name",
      variant((c) => (c.devCenter.location = "West Europe")),
      [["/devCenter/location", "such as westeurope"]],
    ],
    [
      "catalog with both sources",
      variant((c) => (c.catalogs[0].gitUrl = "https://example.com/r.git")),
      [["/catalogs/0", "exactly one source"]],
    ],
    [
      "catalog with no source",
      variant((c) => delete c.catalogs[0].localPath),
      [["/catalogs/0", "exactly one source"]],
    ],
    [
      "branch on a local catalog",
      variant((c) => (c.catalogs[0].branch = "main")),
      [["/catalogs/0/branch", "only applies to a git catalog"]],
    ],
    [
      "secretSetting on a local catalog",
      variant((c) => (c.catalogs[0].secretSetting = "TOKEN")),
      [["/catalogs/0/secretSetting", "only applies to a git catalog"]],
    ],
    [
      "git URL over http",
      variant((c) => (c.projects[0].catalogs[0].gitUrl = "http://github.com/org/repo.git")),
      [["/projects/0/catalogs/0/gitUrl", "must use https"]],
    ],
    [
      "git URL that is not a URL",
      variant((c) => (c.projects[0].catalogs[0].gitUrl = "github.com/org/repo")),
      [["/projects/0/catalogs/0/gitUrl", "must be an https URL"]],
    ],
    [
      "catalog path leaving the repository",
      variant((c) => (c.projects[0].catalogs[0].path = "/Environments/../../etc")),
      [["/projects/0/catalogs/0/path", "stay inside"]],
    ],
    [
      "secretSetting that is not a setting name",
      variant((c) => (c.projects[0].catalogs[0].secretSetting = "1-token")),
      [["/projects/0/catalogs/0/secretSetting", "must be a setting name"]],
    ],
    [
      "duplicate dev center catalog",
      variant((c) => c.catalogs.push({ name: "SAMPLES", localPath: "x" })),
      [["/catalogs/1/name", 'duplicate catalog name "SAMPLES": /catalogs/0']],
    ],
    [
      "project catalog named like a dev center catalog",
      variant((c) => (c.projects[0].catalogs[0].name = "samples")),
      [["/projects/0/catalogs/0/name", "already used by a dev center catalog"]],
    ],
    [
      "duplicate project catalog",
      variant((c) => c.projects[0].catalogs.push({ name: "team-catalog", localPath: "x" })),
      [["/projects/0/catalogs/1/name", "duplicate catalog name"]],
    ],
    [
      "duplicate environment type",
      variant((c) => c.environmentTypes.push({ name: "dev" })),
      [["/environmentTypes/2/name", "duplicate environment type name"]],
    ],
    [
      "duplicate project",
      variant((c) => (c.projects[1].name = "Demo")),
      [["/projects/1/name", "duplicate project name"]],
    ],
    [
      "project name invalid",
      variant((c) => (c.projects[1].name = "my project")),
      [["/projects/1/name", "3–63 characters"]],
    ],
    [
      "member that is not a uuid",
      variant((c) => c.projects[1].members.push("bob@example.com")),
      [
        [
          "/projects/1/members/1",
          'an object id (a uuid such as 00000000-0000-0000-0000-000000000000) or "*"',
        ],
      ],
    ],
    [
      "duplicate member (case ignored)",
      variant((c) => c.projects[1].members.push(BOB.toUpperCase())),
      [["/projects/1/members/1", "duplicate member"]],
    ],
    [
      "admin that is '*'",
      variant((c) => c.projects[0].admins.push("*")),
      [["/projects/0/admins/1", "must be a uuid"]],
    ],
    [
      "duplicate admin",
      variant((c) => c.projects[0].admins.push(ALICE)),
      [["/projects/0/admins/1", "duplicate admin"]],
    ],
    [
      "negative dev box limit",
      variant((c) => (c.projects[0].maxDevBoxesPerUser = -1)),
      [["/projects/0/maxDevBoxesPerUser", "must be 0 or more"]],
    ],
    [
      "fractional dev box limit",
      variant((c) => (c.projects[0].maxDevBoxesPerUser = 1.5)),
      [["/projects/0/maxDevBoxesPerUser", "must be an integer"]],
    ],
    [
      "unknown environment type",
      variant((c) => (c.projects[0].environmentTypes[0].environmentType = "Prod")),
      [[`${PET}/environmentType`, 'unknown environment type "Prod"; the dev center defines: Dev, Test']],
    ],
    [
      "unknown environment type when none are defined",
      variant((c) => delete c.environmentTypes),
      [
        [`${PET}/environmentType`, "none (add it under environmentTypes)"],
        ["/projects/0/environmentTypes/1/environmentType", "unknown environment type"],
      ],
    ],
    [
      "duplicate project environment type",
      variant((c) => (c.projects[0].environmentTypes[1].environmentType = "DEV")),
      [["/projects/0/environmentTypes/1/environmentType", "duplicate environment type"]],
    ],
    [
      "status neither Enabled nor Disabled",
      variant((c) => (c.projects[0].environmentTypes[0].status = "On")),
      [[`${PET}/status`, '"Enabled", "Disabled"']],
    ],
    [
      "deployment target that is a resource group",
      variant(
        (c) =>
          (c.projects[0].environmentTypes[0].deploymentTargetId = `/subscriptions/${SUB}/resourceGroups/rg`),
      ),
      [[`${PET}/deploymentTargetId`, "must be a subscription id"]],
    ],
    [
      "deployment target with a bad uuid",
      variant((c) => (c.projects[0].environmentTypes[0].deploymentTargetId = "/subscriptions/1234")),
      [[`${PET}/deploymentTargetId`, 'found "/subscriptions/1234"']],
    ],
    [
      "missing runner identity",
      variant((c) => delete c.projects[0].environmentTypes[0].runnerIdentity),
      [[`${PET}/runnerIdentity`, '"runnerIdentity" is required']],
    ],
    [
      "runner identity without client id",
      variant((c) => delete c.projects[0].environmentTypes[0].runnerIdentity.clientId),
      [[`${PET}/runnerIdentity/clientId`, "the identity's client id"]],
    ],
    [
      "runner identity client id not a uuid",
      variant((c) => (c.projects[0].environmentTypes[0].runnerIdentity.clientId = "runner")),
      [[`${PET}/runnerIdentity/clientId`, "must be a uuid"]],
    ],
    [
      "runner identity resource id of another kind",
      variant(
        (c) =>
          (c.projects[0].environmentTypes[0].runnerIdentity.resourceId = `/subscriptions/${SUB}/resourceGroups/rg`),
      ),
      [[`${PET}/runnerIdentity/resourceId`, "user-assigned managed identity"]],
    ],
    [
      "runner role scope unknown",
      variant((c) => (c.projects[0].environmentTypes[0].runnerRole.scope = "managementGroup")),
      [[`${PET}/runnerRole/scope`, '"resourceGroup", "subscription"']],
    ],
    [
      "runner role without a name",
      variant((c) => delete c.projects[0].environmentTypes[0].runnerRole.roleName),
      [[`${PET}/runnerRole/roleName`, "is required"]],
    ],
    [
      "creator roles repeated",
      variant((c) => c.projects[0].environmentTypes[0].creatorRoleAssignment.roles.push("Contributor")),
      [[`${PET}/creatorRoleAssignment/roles/1`, "repeats item 0"]],
    ],
    [
      "user role assignment principal not a uuid",
      variant((c) => (c.projects[0].environmentTypes[0].userRoleAssignments[0].principalId = "bob")),
      [[`${PET}/userRoleAssignments/0/principalId`, "must be a uuid"]],
    ],
    [
      "user role assignment principal repeated",
      variant((c) =>
        c.projects[0].environmentTypes[0].userRoleAssignments.push({ principalId: BOB, roles: ["Owner"] }),
      ),
      [[`${PET}/userRoleAssignments/1/principalId`, "duplicate principal"]],
    ],
  ])("%s", (_title, text, expected) => {
    expectIssues(parseDevCenterConfig(text, FILE), expected);
  });

  test("a git URL with credentials is refused without repeating them", () => {
    const result = parseDevCenterConfig(
      variant(
        (c) => (c.projects[0].catalogs[0].gitUrl = "https://x-token:ghp_secret123@github.com/org/repo.git"),
      ),
      FILE,
    );
    expectIssues(result, [["/projects/0/catalogs/0/gitUrl", "must not contain credentials"]]);
    expect(JSON.stringify(result)).not.toContain("ghp_secret123");
  });
});

describe("lookups", () => {
  const config = parsed(EXAMPLE);
  const demo = findProject(config, "demo")!;
  const privateProject = findProject(config, "private")!;

  test("findProject ignores case and returns undefined for unknown projects", () => {
    expect(findProject(config, "DEMO")?.name).toBe("demo");
    expect(findProject(config, "nope")).toBeUndefined();
  });

  test("findEnvironmentType", () => {
    expect(findEnvironmentType(config, "dev")).toEqual({ name: "Dev", displayName: "Development" });
    expect(findEnvironmentType(config, "Prod")).toBeUndefined();
  });

  test("findProjectEnvironmentType", () => {
    expect(findProjectEnvironmentType(config, "Demo", "test")?.runnerRole.scope).toBe("subscription");
    expect(findProjectEnvironmentType(config, "private", "Dev")).toBeUndefined();
    expect(findProjectEnvironmentType(config, "nope", "Dev")).toBeUndefined();
  });

  test("catalogsForProject: the dev center's, then the project's", () => {
    expect(catalogsForProject(config, demo).map((c) => [c.name, c.project])).toEqual([
      ["samples", undefined],
      ["team-catalog", "demo"],
    ]);
    expect(catalogsForProject(config, privateProject).map((c) => c.name)).toEqual(["samples"]);
  });

  test("findCatalog sees only the project's catalogs", () => {
    expect(findCatalog(config, demo, "Team-Catalog")?.gitUrl).toBe("https://github.com/org/repo.git");
    expect(findCatalog(config, privateProject, "team-catalog")).toBeUndefined();
    expect(findCatalog(config, privateProject, "samples")?.localPath).toBe("samples/catalog");
  });

  test("isMember: '*' admits every object id, a list admits its ids (any case) and the admins", () => {
    expect(isMember(demo, BOB)).toBe(true);
    expect(isMember(privateProject, BOB.toUpperCase())).toBe(true);
    expect(isMember(privateProject, ALICE)).toBe(false);
    expect(isMember(demo, "*")).toBe(false);
    expect(isMember(demo, "")).toBe(false);
  });

  test("admins are members even when not listed", () => {
    const config2 = parsed(variant((c) => (c.projects[1].admins = [ALICE])));
    const project = findProject(config2, "private")!;
    expect(isAdmin(project, ALICE)).toBe(true);
    expect(isMember(project, ALICE)).toBe(true);
  });

  test("isAdmin", () => {
    expect(isAdmin(demo, ALICE.toUpperCase())).toBe(true);
    expect(isAdmin(demo, BOB)).toBe(false);
    expect(isAdmin(privateProject, BOB)).toBe(false);
  });

  test("runnerRoleScope: the resource group, or the whole subscription", () => {
    const dev = findProjectEnvironmentType(config, "demo", "Dev")!;
    const test = findProjectEnvironmentType(config, "demo", "Test")!;
    expect(runnerRoleScope(dev, "demo-env")).toBe(`/subscriptions/${SUB}/resourceGroups/demo-env`);
    expect(runnerRoleScope(test, "demo-env")).toBe(`/subscriptions/${SUB}`);
  });
});
