/** PUBLIC_BASE_URL, TRUSTED_FRONTS, RETRY_AFTER_SECONDS and SECURE_PARAMETERS_KEY: read, or refused naming the setting. */
import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig } from "../../../src/config";

const BASE = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };

describe("data-plane API settings", () => {
  it("default to the request's origin, no trusted front, 5 s and no key", () => {
    const config = loadConfig(BASE);
    expect(config.api).toEqual({ trustedFronts: [], retryAfterSeconds: 5 });
    expect(config.secureParametersKey).toBeUndefined();
  });

  it("reads every setting", () => {
    const key = randomBytes(32);
    const config = loadConfig({
      ...BASE,
      PUBLIC_BASE_URL: "https://devcenter.contoso.example/api/",
      TRUSTED_FRONTS: "10.0.0.0/8, 203.0.113.7, 2001:db8::/32",
      RETRY_AFTER_SECONDS: "15",
      SECURE_PARAMETERS_KEY: key.toString("base64"),
    });
    expect(config.api).toEqual({
      publicBaseUrl: "https://devcenter.contoso.example/api",
      trustedFronts: ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"],
      retryAfterSeconds: 15,
    });
    expect(config.secureParametersKey?.equals(key)).toBe(true);
  });

  it.each([
    ["PUBLIC_BASE_URL", "ftp://devcenter.example"],
    ["PUBLIC_BASE_URL", "https://devcenter.example/?x=1"],
    ["TRUSTED_FRONTS", "10.0.0.0/33"],
    ["TRUSTED_FRONTS", "front.example"],
    ["RETRY_AFTER_SECONDS", "0"],
    ["SECURE_PARAMETERS_KEY", randomBytes(16).toString("base64")],
    ["SECURE_PARAMETERS_KEY", "not base64 at all!"],
  ])("refuses %s=%s", (name, value) => {
    expect(() => loadConfig({ ...BASE, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, [name]: value })).toThrow(name);
  });
});
