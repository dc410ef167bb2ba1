import { compareIndexes, brokenDefinitions, scanCatalog } from "../../../src/catalog/scan";
import { buildSnapshotZip, readSnapshotFolder } from "../../../src/catalog/snapshot";
import type { CatalogFiles } from "../../../src/catalog/sources";
import { MANIFEST_LIMITS } from "../../../src/core/limits";

const ref = { catalog: "samples" };

function files(entries: Record<string, string>): CatalogFiles {
  return new Map(Object.entries(entries).map(([name, text]) => [name, Buffer.from(text)]));
}

function manifest(name: string, extra = ""): string {
  return `name: ${name}\nrunner: Bicep\ntemplatePath: main.bicep\n${extra}`;
}

const text = (f: CatalogFiles) => Object.fromEntries([...f].map(([n, d]) => [n, Buffer.from(d).toString()]));

describe("scanCatalog", () => {
  it("indexes valid definitions with contract parameters, a serialized schema and their folder", () => {
    const { index, snapshotFiles } = scanCatalog(
      ref,
      "c1",
      files({
        "web/environment.yaml": manifest(
          "web",
          "description: A web app\nparameters:\n  - id: sku\n    name: SKU\n    type: string\n    default: B1\n    allowed: [B1, S1]\n  - id: https\n    type: boolean\n    default: true\n    readOnly: true\n",
        ),
        "web/main.bicep": "param sku string",
        "web/modules/app.bicep": "module",
        "README.md": "not part of any definition",
      }),
    );
    expect(index.errors).toEqual([]);
    expect(index.definitions).toHaveLength(1);
    const [web] = index.definitions;
    expect(web).toMatchObject({
      name: "web",
      path: "web",
      manifestFile: "web/environment.yaml",
      description: "A web app",
      runner: "Bicep",
      templatePath: "main.bicep",
      parameters: [
        { id: "sku", name: "SKU", type: "string", required: false, default: "B1", allowed: ["B1", "S1"] },
        { id: "https", type: "boolean", required: false, default: "true", readOnly: true },
      ],
    });
    expect(web.manifest).toMatchObject({
      name: "web",
      parameters: [
        { id: "sku", default: "B1" },
        { id: "https", default: true },
      ],
    });
    expect(JSON.parse(web.parametersSchema)).toMatchObject({
      type: "object",
      properties: { sku: { enum: ["B1", "S1"] } },
    });
    expect([...snapshotFiles.keys()].sort()).toEqual([
      "web/environment.yaml",
      "web/main.bicep",
      "web/modules/app.bicep",
    ]);
  });

  it("reports invalid manifests and missing templates with the file and the reason", () => {
    const { index } = scanCatalog(
      ref,
      "c1",
      files({
        "bad/environment.yaml": "name: x\nrunner: Bicep\n",
        "broken/manifest.yaml": "name: [unclosed",
        "notemplate/environment.yaml": manifest("notemplate"),
        "escape/environment.yaml": "name: escape\nrunner: ARM\ntemplatePath: ../web/main.bicep\n",
      }),
    );
    expect(index.definitions).toEqual([]);
    expect(index.errors.map((e) => [e.file, e.code])).toEqual([
      ["bad/environment.yaml", "InvalidManifest"],
      ["broken/manifest.yaml", "InvalidManifest"],
      ["escape/environment.yaml", "InvalidManifest"],
      ["notemplate/environment.yaml", "TemplateNotFound"],
    ]);
    const missing = index.errors.find((e) => e.code === "TemplateNotFound")!;
    expect(missing.message).toContain("main.bicep does not exist in the definition folder notemplate");
    expect(index.errors[0].issues.length).toBeGreaterThan(0);
    expect(index.errors[0].message).toContain("bad/environment.yaml#");
  });

  it("keeps the first of two definitions with the same name (sorted path order, any case) and reports the others", () => {
    const { index } = scanCatalog(
      ref,
      "c1",
      files({
        "b/environment.yaml": manifest("Counter"),
        "b/main.bicep": "",
        "a/environment.yaml": manifest("counter"),
        "a/main.bicep": "",
        "c/manifest.yaml": manifest("other"),
        "c/environment.yaml": manifest("other2"),
        "c/main.bicep": "",
      }),
    );
    expect(index.definitions.map((d) => [d.name, d.manifestFile])).toEqual([
      ["counter", "a/environment.yaml"],
      ["other2", "c/environment.yaml"],
    ]);
    expect(index.errors.map((e) => [e.file, e.code])).toEqual([
      ["b/environment.yaml", "DuplicateDefinitionName"],
      ["c/manifest.yaml", "DuplicateManifest"],
    ]);
    expect(index.errors[0].message).toContain("already used by a/environment.yaml");
  });

  it("finds .yml manifests (any case) and lists every other manifest of a folder as an error", () => {
    // Microsoft's Terraform samples use manifest.yml; environment.yml is as much a manifest.
    const { index } = scanCatalog(
      ref,
      "c1",
      files({
        "ml/manifest.yml": manifest("machine-learning"),
        "ml/main.bicep": "x",
        "web/Environment.YML": manifest("web"),
        "web/environment.yaml": manifest("web-preferred"),
        "web/main.bicep": "x",
        "both/environment.yml": manifest("both"),
        "both/manifest.yaml": manifest("both-too"),
        "both/main.bicep": "x",
      }),
    );
    expect(index.definitions.map((d) => [d.name, d.manifestFile])).toEqual([
      ["both", "both/environment.yml"],
      ["machine-learning", "ml/manifest.yml"],
      ["web-preferred", "web/environment.yaml"],
    ]);
    expect(index.errors.map((e) => [e.file, e.code])).toEqual([
      ["both/manifest.yaml", "DuplicateManifest"],
      ["web/Environment.YML", "DuplicateManifest"],
    ]);
  });

  it("publishes a definition whose default is outside its allowed values, with a warning", () => {
    const { index } = scanCatalog(
      ref,
      "c1",
      files({
        "app/environment.yaml": manifest(
          "ContainerApp",
          'parameters:\n  - id: cpuCore\n    type: string\n    default: ".5"\n    allowed: ["0.25", "0.5"]\n',
        ),
        "app/main.bicep": "x",
      }),
    );
    expect(index.errors).toEqual([]);
    expect(index.definitions[0]).toMatchObject({
      name: "ContainerApp",
      parameters: [{ id: "cpuCore", default: ".5", allowed: ["0.25", "0.5"] }],
      warnings: [
        {
          file: "app/environment.yaml",
          pointer: "/parameters/0/default",
          message: expect.stringContaining("is not one of the allowed values"),
        },
      ],
    });
  });

  it("does not publish a definition over a manifest limit, lists it as an error naming the limit, and indexes the others", () => {
    const parameters = Array.from({ length: MANIFEST_LIMITS.parameters + 1 }, (_, i) => `  - id: p${i}\n`);
    const { index } = scanCatalog(
      ref,
      "c1",
      files({
        "huge/environment.yaml": manifest("huge", `description: ${"d".repeat(5 * 1024 * 1024)}\n`),
        "huge/main.bicep": "",
        "wordy/environment.yaml": manifest("wordy", `summary: ${"s".repeat(MANIFEST_LIMITS.summary + 1)}\n`),
        "wordy/main.bicep": "",
        "many/environment.yaml": manifest("many", `parameters:\n${parameters.join("")}`),
        "many/main.bicep": "",
        "choices/environment.yaml": manifest(
          "choices",
          `parameters:\n  - id: pick\n    type: integer\n    allowed: [${Array.from({ length: MANIFEST_LIMITS.allowedValues + 1 }, (_, i) => i).join(", ")}]\n`,
        ),
        "choices/main.bicep": "",
        "fine/environment.yaml": manifest(
          "fine",
          `description: ${"d".repeat(MANIFEST_LIMITS.description)}\n`,
        ),
        "fine/main.bicep": "",
      }),
    );
    expect(index.definitions.map((d) => d.name)).toEqual(["fine"]);
    const messages = Object.fromEntries(index.errors.map((e) => [e.file, e]));
    expect(index.errors.every((e) => e.code === "InvalidManifest")).toBe(true);
    expect(messages["huge/environment.yaml"].message).toContain(
      `at most ${MANIFEST_LIMITS.fileBytes} are accepted`,
    );
    expect(messages["wordy/environment.yaml"].issues).toEqual([
      expect.objectContaining({
        pointer: "/summary",
        message: `has ${MANIFEST_LIMITS.summary + 1} characters; at most ${MANIFEST_LIMITS.summary} are accepted`,
      }),
    ]);
    expect(messages["many/environment.yaml"].message).toContain(
      `at most ${MANIFEST_LIMITS.parameters} are accepted`,
    );
    expect(messages["choices/environment.yaml"].issues).toEqual([
      expect.objectContaining({ pointer: "/parameters/0/allowed" }),
    ]);
  });

  it("accepts a definition at the catalog root", () => {
    const { index, snapshotFiles } = scanCatalog(
      ref,
      "c1",
      files({ "manifest.yaml": manifest("root"), "main.bicep": "x" }),
    );
    expect(index.definitions.map((d) => [d.name, d.path])).toEqual([["root", ""]]);
    expect(snapshotFiles.size).toBe(2);
  });

  it("hashes and snapshots exactly a folder's own files, whichever folders sort next to it", () => {
    // "app-b", "app.b" and "app0" sort around "app/...": none of their files belongs to definition app.
    const catalog = {
      "app/environment.yaml": manifest("app"),
      "app/main.bicep": "app",
      "app/sub/module.bicep": "nested",
      "app-b/environment.yaml": manifest("app-b"),
      "app-b/main.bicep": "app-b",
      "app.b/notes.txt": "no definition",
      "app0/environment.yaml": manifest("app0"),
      "app0/main.bicep": "app0",
      "zed/environment.yaml": manifest("zed"),
      "zed/main.bicep": "zed",
    };
    const hashes = (entries: Record<string, string>) =>
      Object.fromEntries(
        scanCatalog(ref, "c", files(entries)).index.definitions.map((d) => [d.name, d.contentHash]),
      );
    const before = hashes(catalog);
    expect(Object.keys(before)).toEqual(["app", "app-b", "app0", "zed"]);

    const neighbours = hashes({
      ...catalog,
      "app-b/main.bicep": "changed",
      "app.b/notes.txt": "changed",
      "app0/main.bicep": "changed",
    });
    expect(neighbours.app).toBe(before.app);
    expect(neighbours.zed).toBe(before.zed);
    expect(neighbours["app-b"]).not.toBe(before["app-b"]);
    expect(neighbours.app0).not.toBe(before.app0);
    expect(hashes({ ...catalog, "app/sub/module.bicep": "changed" }).app).not.toBe(before.app);

    const { snapshotFiles } = scanCatalog(ref, "c", files(catalog));
    expect([...snapshotFiles.keys()].sort()).toEqual(
      Object.keys(catalog)
        .filter((name) => name !== "app.b/notes.txt")
        .sort(),
    );
  });
});

describe("compareIndexes and brokenDefinitions", () => {
  const v1 = scanCatalog(
    ref,
    "c1",
    files({
      "a/environment.yaml": manifest("alpha"),
      "a/main.bicep": "1",
      "b/environment.yaml": manifest("beta"),
      "b/main.bicep": "1",
      "c/environment.yaml": manifest("gamma"),
      "c/main.bicep": "1",
    }),
  ).index;

  it("counts added, updated, unchanged, removed, invalid and conflicts by name", () => {
    const v2 = scanCatalog(
      ref,
      "c2",
      files({
        "a/environment.yaml": manifest("alpha"),
        "a/main.bicep": "1",
        "b/environment.yaml": manifest("beta"),
        "b/main.bicep": "2",
        "d/environment.yaml": manifest("delta"),
        "d/main.bicep": "1",
        "e/environment.yaml": "name: e",
        "f/environment.yaml": manifest("delta"),
        "f/main.bicep": "1",
      }),
    ).index;
    expect(compareIndexes(v1, v2)).toEqual({
      added: 1,
      updated: 1,
      unchanged: 1,
      removed: 1,
      validationErrors: 1,
      conflicts: 1,
    });
    expect(compareIndexes(undefined, v1)).toMatchObject({ added: 3, removed: 0 });
    expect(brokenDefinitions(v1, v2)).toBeUndefined();
  });

  it("fails a commit that breaks a published definition, naming it and keeping the served commit", () => {
    const v2 = scanCatalog(
      ref,
      "c2",
      files({
        "a/environment.yaml": "name: alpha\nrunner: 42\n",
        "a/main.bicep": "1",
        "b/environment.yaml": manifest("beta"),
        "c/environment.yaml": manifest("gamma"),
        "c/main.bicep": "1",
      }),
    ).index;
    const error = brokenDefinitions(v1, v2);
    expect(error?.code).toBe("PublishedDefinitionBroken");
    expect(error?.message).toContain("alpha (a/environment.yaml), beta (b/environment.yaml)");
    expect(error?.message).toContain("keeps serving commit c1");
    expect(error?.details?.length).toBeGreaterThan(0);
  });
});

describe("snapshot zip", () => {
  it("is deterministic and gives back one definition folder", () => {
    const f = files({ "a/environment.yaml": "m", "a/x/main.bicep": "t", "b/environment.yaml": "n" });
    const zip = buildSnapshotZip(f);
    expect(Buffer.from(buildSnapshotZip(new Map([...f].reverse()))).equals(Buffer.from(zip))).toBe(true);
    expect(text(readSnapshotFolder(zip, "a"))).toEqual({ "environment.yaml": "m", "x/main.bicep": "t" });
    expect(readSnapshotFolder(zip, "").size).toBe(3);
  });

  it("deflates larger files and gives every file back byte for byte", () => {
    const template = Buffer.from("resource site 'Microsoft.Web/sites@2022-03-01' = {}\n".repeat(400));
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
    const f: CatalogFiles = new Map<string, Uint8Array>([
      ["web/environment.yaml", Buffer.from(manifest("web"))],
      ["web/main.bicep", template],
      ["web/logo.bin", binary],
      ["web/empty.txt", Buffer.alloc(0)],
    ]);
    const zip = buildSnapshotZip(f);
    expect(zip.length).toBeLessThan(template.length / 10 + binary.length + 1000);
    const back = readSnapshotFolder(zip, "web");
    expect([...back.keys()].sort()).toEqual(["empty.txt", "environment.yaml", "logo.bin", "main.bicep"]);
    for (const [name, data] of back)
      expect(Buffer.from(data).equals(Buffer.from(f.get(`web/${name}`)!))).toBe(true);
    expect(Buffer.from(buildSnapshotZip(new Map([...f].reverse()))).equals(Buffer.from(zip))).toBe(true);
  });
});
