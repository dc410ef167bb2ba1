import { normalizeTemplatePath, splitContainedPath } from "../../../src/core/paths";
import { formatIssues, jsonPointer } from "../../../src/core/result";
import { closest, parseYaml } from "../../../src/core/validation";

describe("formatIssues", () => {
  test("one `file#/pointer: message` line per issue; the root pointer is empty", () => {
    expect(
      formatIssues([
        { file: "catalog/web/environment.yaml", pointer: "/parameters/1/type", message: "must be one of …" },
        { file: "devcenter.yaml", pointer: "", message: "YAML syntax error at line 2, column 1: x" },
      ]),
    ).toBe(
      "catalog/web/environment.yaml#/parameters/1/type: must be one of …\n" +
        "devcenter.yaml#: YAML syntax error at line 2, column 1: x",
    );
  });

  test("no issues, no lines", () => {
    expect(formatIssues([])).toBe("");
  });
});

describe("jsonPointer", () => {
  test("escapes ~ and / (RFC 6901)", () => {
    expect(jsonPointer("parameters", "a/b~c", 0)).toBe("/parameters/a~1b~0c/0");
    expect(jsonPointer()).toBe("");
  });
});

describe("splitContainedPath", () => {
  test.each([
    ["/", []],
    ["", []],
    ["/Environments", ["Environments"]],
    ["Environments/web/", ["Environments", "web"]],
    ["./a/./b/../c", ["a", "c"]],
    ["a//b", ["a", "b"]],
  ])("%j → %j", (path, segments) => {
    expect(splitContainedPath(path)).toEqual({ ok: true, segments });
  });

  test.each([
    ["..", "stay inside"],
    ["/a/../..", "stay inside"],
    ["a\\b", 'not "\\"'],
    ["c:/x", "drive letter"],
    ["/C:/x", "drive letter"],
    ["a\tb", "control characters"],
  ])("%j is refused (%s)", (path, fragment) => {
    const result = splitContainedPath(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(fragment);
  });
});

describe("normalizeTemplatePath", () => {
  test("keeps a plain relative path", () => {
    expect(normalizeTemplatePath("infra/main.bicep")).toEqual({ ok: true, value: "infra/main.bicep" });
  });

  test.each(["/a.json", ".", "a/..", "a/.", "dir/"])("%j is not a file inside the folder", (path) => {
    expect(normalizeTemplatePath(path).ok).toBe(false);
  });
});

describe("closest (typo suggestions)", () => {
  const known = ["name", "version", "templatePath", "parameters"];
  test.each([
    ["TemplatePath", "templatePath"],
    ["templatepath", "templatePath"],
    ["paramters", "parameters"],
    ["verison", "version"],
    ["nme", undefined],
    ["location", undefined],
  ])("%s → %s", (typo, suggestion) => {
    expect(closest(typo, known)).toBe(suggestion);
  });
});

describe("parseYaml", () => {
  test("refuses alias bombs before anything walks the tree", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++) {
      const previous = `*l${i - 1}`.replace("*l0", "*a");
      levels.push(`l${i}: &l${i} [${Array(10).fill(previous).join(", ")}]`);
    }
    const result = parseYaml(levels.join("\n"), "bomb.yaml");
    expect(result).toEqual({
      ok: false,
      errors: [
        { file: "bomb.yaml", pointer: "", message: expect.stringContaining("more than 100000 values") },
      ],
    });
  });

  test("counts long lists without overflowing the stack", () => {
    const result = parseYaml(`[${Array(150_000).fill("0").join(",")}]`, "long.yaml");
    expect(result.ok).toBe(false);
  });

  test("accepts a reasonable document with aliases", () => {
    expect(parseYaml("a: &a [1, 2]\nb: *a\n", "ok.yaml")).toEqual({
      ok: true,
      value: { a: [1, 2], b: [1, 2] },
    });
  });
});
