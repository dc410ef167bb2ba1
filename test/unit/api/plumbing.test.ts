import { requireName, resolveUserId } from "../../../src/api/authz";
import { ApiError, ApiRequest, errorResponse } from "../../../src/api/http";
import { page, pageByKey, type Keyed } from "../../../src/api/paging";
import { LATEST_API_VERSION, requireApiVersion, SUPPORTED_API_VERSIONS } from "../../../src/api/versions";

const caller = { objectId: "0f8fad5b-d9cb-469f-a165-70867728950e", roles: [] };

function request(url: string): ApiRequest {
  return { method: "GET", url: new URL(url), headers: new Headers(), params: {} };
}

function thrown(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    return error as ApiError;
  }
  throw new Error("nothing was thrown");
}

describe("error shape", () => {
  it("is Azure.Core's, with x-ms-error-code, target and details only when set", () => {
    expect(errorResponse(new ApiError(404, "NotFound", "gone"))).toEqual({
      status: 404,
      headers: { "content-type": "application/json", "x-ms-error-code": "NotFound" },
      body: { error: { code: "NotFound", message: "gone" } },
    });
    const detailed = new ApiError(400, "Invalid", "bad", {
      target: "x",
      details: [{ code: "A", message: "a" }],
      headers: { "retry-after": "1" },
    });
    expect(errorResponse(detailed)).toEqual({
      status: 400,
      headers: { "content-type": "application/json", "x-ms-error-code": "Invalid", "retry-after": "1" },
      body: {
        error: { code: "Invalid", message: "bad", target: "x", details: [{ code: "A", message: "a" }] },
      },
    });
  });
});

describe("api-version", () => {
  it("accepts every listed version and names them all when one is missing or unknown", () => {
    for (const version of SUPPORTED_API_VERSIONS) {
      expect(requireApiVersion(request(`https://h/projects?api-version=${version}`))).toBe(version);
    }
    expect(LATEST_API_VERSION).toBe("2026-01-01-preview");
    expect(thrown(() => requireApiVersion(request("https://h/projects")))).toMatchObject({
      status: 400,
      code: "MissingApiVersionParameter",
    });
    for (const old of ["2022-03-01-preview", "2022-11-11-preview", "2023-01-01-preview"]) {
      const refused = thrown(() => requireApiVersion(request(`https://h/projects?api-version=${old}`)));
      expect(refused).toMatchObject({ status: 400, code: "UnsupportedApiVersion" });
      expect(refused.message).toContain("the oldest supported version is 2023-04-01");
    }
    const unknown = thrown(() => requireApiVersion(request("https://h/projects?api-version=2099-01-01")));
    expect(unknown).toMatchObject({ status: 400, code: "UnsupportedApiVersion" });
    expect(unknown.message).toBe(
      `The api-version "2099-01-01" is not supported; supported versions: ${SUPPORTED_API_VERSIONS.join(", ")}.`,
    );
  });
});

describe("names and users", () => {
  it("states the name rule", () => {
    expect(requireName("my-env_1.0", "environmentName")).toBe("my-env_1.0");
    for (const bad of ["ab", "-abc", "a b c", "x".repeat(64), undefined]) {
      expect(thrown(() => requireName(bad, "environmentName"))).toMatchObject({
        status: 400,
        code: "InvalidName",
        extra: { target: "environmentName" },
      });
    }
  });

  it("resolves me to the caller and keeps object ids (lower case)", () => {
    expect(resolveUserId("me", caller)).toBe(caller.objectId);
    expect(resolveUserId("7C9E6679-7425-40DE-944B-E07FC1F90AE7", caller)).toBe(
      "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    );
    for (const bad of ["ME", "alice", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", undefined]) {
      expect(thrown(() => resolveUserId(bad, caller))).toMatchObject({ status: 400, code: "InvalidUserId" });
    }
  });
});

describe("paging", () => {
  const items = Array.from({ length: 5 }, (_, i) => i);
  it("returns everything without nextLink when it fits", () => {
    expect(page(items, request("https://h/x?api-version=v"), 5)).toEqual({ value: items });
  });
  it("links to the next page and refuses tokens it did not issue", () => {
    const first = page(items, request("https://h/x?api-version=v"), 2);
    expect(first).toEqual({ value: [0, 1], nextLink: "https://h/x?api-version=v&%24skipToken=2" });
    expect(page(items, request(first.nextLink!), 2)).toEqual({
      value: [2, 3],
      nextLink: "https://h/x?api-version=v&%24skipToken=4",
    });
    expect(page(items, request("https://h/x?%24skipToken=4"), 2)).toEqual({ value: [4] });
    for (const token of ["-1", "abc", "1.5"]) {
      expect(thrown(() => page(items, request(`https://h/x?$skipToken=${token}`)))).toMatchObject({
        status: 400,
        code: "InvalidSkipToken",
      });
    }
  });
  it("takes maxpagesize for smaller pages and keeps it in nextLink", () => {
    const first = page(items, request("https://h/x?api-version=v&maxpagesize=3"));
    expect(first).toEqual({
      value: [0, 1, 2],
      nextLink: "https://h/x?api-version=v&maxpagesize=3&%24skipToken=3",
    });
    expect(page(items, request(first.nextLink!))).toEqual({ value: [3, 4] });
    for (const size of ["0", "101", "x"]) {
      expect(thrown(() => page(items, request(`https://h/x?maxpagesize=${size}`)))).toMatchObject({
        status: 400,
        code: "InvalidQueryParameter",
      });
    }
  });
});

describe("paging in key order", () => {
  const keys = ["a1", "b2", "c3", "d4", "e5"];
  const reads: { after: string | undefined; limit: number }[] = [];
  const read = async (after: string | undefined, limit: number): Promise<Keyed<string>[]> => {
    reads.push({ after, limit });
    return keys
      .filter((key) => after === undefined || key > after)
      .slice(0, limit)
      .map((key) => ({ key, value: key.toUpperCase() }));
  };
  const isKey = (key: string) => /^[a-z][0-9]$/.test(key);
  const token = (key: string) => Buffer.from(key).toString("base64url");

  beforeEach(() => (reads.length = 0));

  it("reads one page and one more item, and links the next page by the last key it returned", async () => {
    const first = await pageByKey(request("https://h/x?api-version=v&maxpagesize=2"), isKey, read);
    expect(first).toEqual({
      value: ["A1", "B2"],
      nextLink: `https://h/x?api-version=v&maxpagesize=2&%24skipToken=${token("b2")}`,
    });
    const second = await pageByKey(request(first.nextLink!), isKey, read);
    expect(second.value).toEqual(["C3", "D4"]);
    const third = await pageByKey(request(second.nextLink!), isKey, read);
    expect(third).toEqual({ value: ["E5"] });
    expect(reads).toEqual([
      { after: undefined, limit: 3 },
      { after: "b2", limit: 3 },
      { after: "d4", limit: 3 },
    ]);
  });

  it("gives no nextLink when the last page is exactly full", async () => {
    expect(await pageByKey(request("https://h/x?maxpagesize=5"), isKey, read)).toEqual({
      value: keys.map((key) => key.toUpperCase()),
    });
  });

  it("refuses tokens it did not issue, before reading anything", async () => {
    for (const bad of ["3", token("../x"), `${token("b2")}=`, "!!", token("")]) {
      await expect(pageByKey(request(`https://h/x?$skipToken=${bad}`), isKey, read)).rejects.toMatchObject({
        status: 400,
        code: "InvalidSkipToken",
      });
    }
    expect(reads).toEqual([]);
  });
});
