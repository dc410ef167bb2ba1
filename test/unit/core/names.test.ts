import {
  NAME_PATTERN,
  RESOURCE_GROUP_NAME_MAX_LENGTH,
  isUuid,
  isValidName,
  resourceGroupId,
  resourceGroupName,
  roleAssignmentName,
  uuidV5,
} from "../../../src/core/names";
import manifestSchema from "../../../src/core/schemas/manifest.schema.json";
import configSchema from "../../../src/core/schemas/devcenter-config.schema.json";

describe("name rule", () => {
  test.each(["abc", "a-b", "A_b.c", "0ab", "a--", "a..", `a${"b".repeat(62)}`])("accepts %s", (name) => {
    expect(isValidName(name)).toBe(true);
  });

  test.each(["", "ab", "-ab", "_ab", ".ab", "a b", "ab/", "abc$", "äbc", `a${"b".repeat(63)}`, "abc\n"])(
    "rejects %j",
    (name) => {
      expect(isValidName(name)).toBe(false);
    },
  );

  test("is the contract's pattern, without the v flag, and the schemas use the same one", () => {
    expect(NAME_PATTERN.source).toBe("^[a-zA-Z0-9][a-zA-Z0-9-_.]{2,62}$");
    expect(NAME_PATTERN.flags).toBe("");
    expect(() => new RegExp(NAME_PATTERN.source, "v")).toThrow();
    expect(manifestSchema.properties.name.pattern).toBe(NAME_PATTERN.source);
    expect(configSchema.definitions.name.pattern).toBe(NAME_PATTERN.source);
  });
});

describe("resourceGroupName", () => {
  const LEGAL = /^[a-zA-Z0-9_().-]+$/;

  test("is {project}-{environment} when that is short and legal", () => {
    expect(resourceGroupName("demo", "my-env")).toBe("demo-my-env");
    expect(resourceGroupName("a".repeat(45), "b".repeat(44))).toBe(`${"a".repeat(45)}-${"b".repeat(44)}`);
  });

  test("cuts long names to 90 characters and appends a stable hash", () => {
    const project = "p".repeat(63);
    const name = resourceGroupName(project, "e".repeat(63));
    expect(name).toHaveLength(RESOURCE_GROUP_NAME_MAX_LENGTH);
    expect(name).toMatch(/^p{63}-e{15}-[0-9a-f]{10}$/);
    expect(resourceGroupName(project, "e".repeat(63))).toBe(name);
  });

  test("long names that share a prefix do not collide", () => {
    const names = new Set<string>();
    for (let i = 0; i < 1000; i++) names.add(resourceGroupName("p".repeat(63), `${"e".repeat(60)}${i}`));
    expect(names.size).toBe(1000);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(RESOURCE_GROUP_NAME_MAX_LENGTH);
  });

  test("the hash covers where the project ends, so a long pair never matches another split", () => {
    const a = resourceGroupName("p".repeat(50), "q".repeat(50));
    const b = resourceGroupName("p".repeat(51), "q".repeat(49));
    expect(a).not.toBe(b);
  });

  test("a trailing '.' (legal in our names, not in Azure's) gets the hash after it", () => {
    const name = resourceGroupName("demo", "env.");
    expect(name).toMatch(/^demo-env\.-[0-9a-f]{10}$/);
    expect(name.endsWith(".")).toBe(false);
  });

  test("characters Azure does not accept are replaced, and the result stays unique", () => {
    const a = resourceGroupName("demo", "my env");
    const b = resourceGroupName("demo", "my/env");
    expect(a).toMatch(LEGAL);
    expect(b).toMatch(LEGAL);
    expect(a).not.toBe(b);
    expect(a).not.toBe("demo-my-env");
  });

  test("resourceGroupId", () => {
    expect(resourceGroupId("00000000-0000-0000-0000-000000000001", "demo-env")).toBe(
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/demo-env",
    );
  });
});

describe("uuid v5", () => {
  test("matches the RFC 4122 vector (DNS namespace, www.example.com)", () => {
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });

  test("rejects a namespace that is not a uuid", () => {
    expect(() => uuidV5("x", "not-a-uuid")).toThrow("namespace");
  });

  test("isUuid", () => {
    expect(isUuid("2ED6657D-e927-568b-95e1-2665a8aea6a2")).toBe(true);
    expect(isUuid("2ed6657d-e927-568b-95e1-2665a8aea6a")).toBe(false);
    expect(isUuid("zed6657d-e927-568b-95e1-2665a8aea6a2")).toBe(false);
  });
});

describe("roleAssignmentName", () => {
  const args: [string, string, string, string] = [
    "6f1a3c1e-0000-4000-8000-000000000001",
    "11111111-2222-3333-4444-555555555555",
    "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/demo-env",
  ];

  test("is a version 5, RFC 4122 variant uuid", () => {
    expect(roleAssignmentName(...args)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  test("same inputs, same name; case does not matter (ARM ignores it)", () => {
    expect(roleAssignmentName(...args)).toBe(roleAssignmentName(...args));
    expect(roleAssignmentName(...(args.map((a) => a.toUpperCase()) as typeof args))).toBe(
      roleAssignmentName(...args),
    );
  });

  test.each([0, 1, 2, 3])("changing input %i changes the name", (index) => {
    const changed = [...args] as typeof args;
    changed[index] = `${changed[index]}0`;
    expect(roleAssignmentName(...changed)).not.toBe(roleAssignmentName(...args));
  });

  test("inputs cannot be shifted into one another", () => {
    expect(roleAssignmentName("a", "bc", "d", "e")).not.toBe(roleAssignmentName("ab", "c", "d", "e"));
  });
});
