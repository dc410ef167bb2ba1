import { globToRegExp, resolveBindingOptions, resolveSettingReferences } from "../../../dev/host/settings";

describe("app settings and entry files", () => {
  it("resolves %SETTING% references, anywhere in a value", () => {
    const env = { HUB: "devcenter", SCHEDULE: "0 */5 * * * *" };
    expect(resolveSettingReferences("%HUB%", env)).toBe("devcenter");
    expect(resolveSettingReferences("prefix-%HUB%-suffix", env)).toBe("prefix-devcenter-suffix");
    expect(resolveSettingReferences("no references", env)).toBe("no references");
    expect(() => resolveSettingReferences("%MISSING%", env)).toThrow(
      "'%MISSING%' does not resolve to a value",
    );
    expect(resolveBindingOptions({ schedule: "%SCHEDULE%", nested: ["%HUB%", 3], flag: true }, env)).toEqual({
      schedule: "0 */5 * * * *",
      nested: ["devcenter", 3],
      flag: true,
    });
  });

  it("reads package.json main globs", () => {
    expect(globToRegExp("*.js").test("health.js")).toBe(true);
    expect(globToRegExp("*.js").test("sub/health.js")).toBe(false);
    expect(globToRegExp("**/*.js").test("sub/deep/health.js")).toBe(true);
    expect(globToRegExp("**/*.js").test("health.js")).toBe(true);
    expect(globToRegExp("fn?.js").test("fn1.js")).toBe(true);
    expect(globToRegExp("*.js").test("health.js.map")).toBe(false);
  });
});
