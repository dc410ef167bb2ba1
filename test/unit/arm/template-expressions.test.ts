/** The template language's expressions and functions, table-driven, evaluated in a fixed scope. */
import { TemplateError } from "../../../dev/arm/template/errors";
import { Evaluator, Scope } from "../../../dev/arm/template/evaluate";
import { guid, uniqueString } from "../../../dev/arm/template/unique";

const SUB = "11111111-2222-3333-4444-555555555555";

function scope(overrides: Partial<Scope> = {}): Scope {
  const parameters: Record<string, unknown> = {
    name: "Web App",
    count: 3,
    flag: true,
    tags: { env: "dev", Owner: "team" },
    list: ["a", "b", "c"],
  };
  const variables: Record<string, unknown> = { prefix: "pre", settings: { nested: { value: 42 } } };
  return {
    subscriptionId: SUB,
    resourceGroupName: "rg-1",
    loops: [],
    parameter: (n) => {
      const key = Object.keys(parameters).find((k) => k.toLowerCase() === n.toLowerCase());
      if (key === undefined) throw new TemplateError(`no parameter ${n}`);
      return parameters[key];
    },
    variable: (n) => variables[n],
    reference: (target, full) =>
      full ? { id: target, properties: { state: "on" } } : { state: "on", target },
    resourceGroup: () => ({
      id: `/subscriptions/${SUB}/resourceGroups/rg-1`,
      name: "rg-1",
      location: "westeurope",
    }),
    subscription: () => ({ id: `/subscriptions/${SUB}`, subscriptionId: SUB }),
    deployment: () => ({ name: "main" }),
    tenant: () => ({ tenantId: "t" }),
    userFunction: (n) =>
      n === "my.greet"
        ? { parameters: [{ name: "who" }], output: { value: "[format('hello {0}', parameters('who'))]" } }
        : undefined,
    ...overrides,
  };
}

const evaluator = new Evaluator();
const evaluate = (text: string, s: Scope = scope()) => evaluator.value(text, s);

describe("template expressions", () => {
  it.each<[string, unknown]>([
    // literals, escapes, access
    ["plain text", "plain text"],
    ["[[not an expression]", "[not an expression]"],
    ["[]", "[]"],
    ["['it''s']", "it's"],
    ["[parameters('tags').env]", "dev"],
    ["[parameters('tags').owner]", "team"],
    ["[parameters('list')[1]]", "b"],
    ["[variables('settings').nested['value']]", 42],
    ["[variables('settings')['nested'].value]", 42],
    // strings
    ["[concat('a', 'b', 1)]", "ab1"],
    ["[concat(parameters('list'), createArray('d'))]", ["a", "b", "c", "d"]],
    ["[format('{0}-{1}-{0}', 'x', 2)]", "x-2-x"],
    ["[format('{{literal}} {0:D}', 7)]", "{literal} 7"],
    ["[toLower(parameters('name'))]", "web app"],
    ["[toUpper('abc')]", "ABC"],
    ["[replace(parameters('name'), ' ', '-')]", "Web-App"],
    ["[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]],
    ["[split('a.b', '.')]", ["a", "b"]],
    ["[substring('abcdef', 2, 3)]", "cde"],
    ["[substring('abcdef', 4)]", "ef"],
    ["[take('abcdef', 2)]", "ab"],
    ["[take(parameters('list'), 2)]", ["a", "b"]],
    ["[skip(parameters('list'), 2)]", ["c"]],
    ["[trim('  x ')]", "x"],
    ["[startsWith('Hello', 'he')]", true],
    ["[endsWith('Hello', 'LO')]", true],
    ["[indexOf('abcb', 'B')]", 1],
    ["[lastIndexOf('abcb', 'b')]", 3],
    ["[padLeft('7', 3, '0')]", "007"],
    ["[base64ToString(base64('héllo'))]", "héllo"],
    ["[uriComponent('a b&c')]", "a%20b%26c"],
    ["[uri('https://example.com/a/', 'b.json')]", "https://example.com/a/b.json"],
    ["[string(parameters('flag'))]", "True"],
    ["[string(createObject('a', 1))]", '{"a":1}'],
    ["[string(5)]", "5"],
    // numbers and conversions
    ["[int('42')]", 42],
    ["[add(1, mul(2, 3))]", 7],
    ["[sub(10, div(7, 2))]", 7],
    ["[mod(7, 3)]", 1],
    ["[min(3, 1, 2)]", 1],
    ["[max(createArray(3, 9))]", 9],
    ["[range(2, 3)]", [2, 3, 4]],
    ["[bool('TRUE')]", true],
    ["[json('{\"a\":[1,2]}').a[1]]", 2],
    ["[json('null')]", null],
    // logic
    ["[if(equals(parameters('count'), 3), 'three', 'other')]", "three"],
    ["[if(false(), parameters('missing'), 'lazy')]", "lazy"],
    ["[and(true(), not(false()))]", true],
    ["[or(false(), false())]", false],
    ["[and(false(), parameters('missing'))]", false],
    ["[equals(createArray(1, 'a'), createArray(1, 'a'))]", true],
    ["[equals('a', 'A')]", false],
    ["[greater(2, 1)]", true],
    ["[lessOrEquals('a', 'b')]", true],
    ["[coalesce(null(), 'x')]", "x"],
    // collections
    ["[length(parameters('list'))]", 3],
    ["[length(parameters('tags'))]", 2],
    ["[length('abcd')]", 4],
    ["[empty('')]", true],
    ["[empty(createObject())]", true],
    ["[empty(parameters('list'))]", false],
    ["[contains(parameters('list'), 'b')]", true],
    ["[contains(parameters('tags'), 'OWNER')]", true],
    ["[contains('hello', 'ell')]", true],
    ["[createObject('a', 1, 'b', createArray(2))]", { a: 1, b: [2] }],
    [
      "[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))]",
      { a: 1, b: 2, n: { x: 1, y: 2 } },
    ],
    ["[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]],
    ["[intersection(createArray(1, 2, 3), createArray(2, 3, 4))]", [2, 3]],
    ["[first(parameters('list'))]", "a"],
    ["[last(parameters('list'))]", "c"],
    ["[join(parameters('list'), '+')]", "a+b+c"],
    [
      "[items(createObject('b', 2, 'a', 1))]",
      [
        { key: "a", value: 1 },
        { key: "b", value: 2 },
      ],
    ],
    ["[tryGet(parameters('tags'), 'missing')]", null],
    ["[tryGet(variables('settings'), 'nested', 'value')]", 42],
    ["[map(parameters('list'), lambda('x', toUpper(lambdaVariables('x'))))]", ["A", "B", "C"]],
    ["[filter(range(0, 5), lambda('i', greater(lambdaVariables('i'), 2)))]", [3, 4]],
    ["[reduce(range(1, 3), 0, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))]", 6],
    [
      "[groupBy(createArray('ab', 'ac', 'b'), lambda('s', first(lambdaVariables('s'))))]",
      { a: ["ab", "ac"], b: ["b"] },
    ],
    [
      "[mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))]",
      { a: 10, b: 20 },
    ],
    [
      "[toObject(parameters('list'), lambda('x', toUpper(lambdaVariables('x'))))]",
      { A: "a", B: "b", C: "c" },
    ],
    [
      "[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]",
      [1, 2, 3],
    ],
    [
      "[shallowMerge(createArray(createObject('a', 1, 'n', createObject('x', 1)), createObject('n', createObject('y', 2))))]",
      { a: 1, n: { y: 2 } },
    ],
    ["[dataUriToString(dataUri('hi there'))]", "hi there"],
    ["[dateTimeAdd('2024-01-31T10:00:00Z', 'P1M')]", "2024-03-02T10:00:00Z"],
    ["[dateTimeAdd('2024-01-01T00:00:00Z', 'PT90M')]", "2024-01-01T01:30:00Z"],
    ["[dateTimeAdd('2024-01-10T00:00:00Z', '-P1W')]", "2024-01-03T00:00:00Z"],
    ["[dateTimeToEpoch('2024-01-01T00:00:00Z')]", 1704067200],
    ["[dateTimeFromEpoch(1704067200)]", "2024-01-01T00:00:00Z"],
    // deployment
    ["[resourceGroup().location]", "westeurope"],
    ["[subscription().subscriptionId]", SUB],
    ["[deployment().name]", "main"],
    ["[environment().suffixes.storage]", "core.windows.net"],
    [
      "[resourceId('Microsoft.Storage/storageAccounts', 'acct')]",
      `/subscriptions/${SUB}/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/acct`,
    ],
    [
      "[resourceId('other-rg', 'Microsoft.Web/sites/slots', 'site', 'staging')]",
      `/subscriptions/${SUB}/resourceGroups/other-rg/providers/Microsoft.Web/sites/site/slots/staging`,
    ],
    [
      "[resourceId('sub-2', 'rg-2', 'Microsoft.Web/sites', 'site')]",
      "/subscriptions/sub-2/resourceGroups/rg-2/providers/Microsoft.Web/sites/site",
    ],
    [
      "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')]",
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/abc`,
    ],
    [
      "[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]",
      "/providers/Microsoft.Management/managementGroups/mg",
    ],
    [
      "[extensionResourceId('/subscriptions/s/resourceGroups/r/providers/A.B/c/d', 'Microsoft.Authorization/locks', 'lock')]",
      "/subscriptions/s/resourceGroups/r/providers/A.B/c/d/providers/Microsoft.Authorization/locks/lock",
    ],
    ["[reference('acct').state]", "on"],
    ["[reference('acct', '2023-01-01', 'Full').properties.state]", "on"],
    ["[my.greet('you')]", "hello you"],
    ["[uniqueString('test')]", "rbgf3xv4ufgzg"],
  ])("%s → %j", (text, expected) => {
    expect(evaluate(text)).toEqual(expected);
  });

  it("evaluates copyIndex in the loop it names, with offsets", () => {
    const s = scope({
      loops: [
        { name: "outer", index: 2, unnamed: true },
        { name: "disks", index: 1, unnamed: false },
      ],
    });
    expect(evaluate("[copyIndex()]", s)).toBe(2);
    expect(evaluate("[copyIndex(1)]", s)).toBe(3);
    expect(evaluate("[copyIndex('disks')]", s)).toBe(1);
    expect(evaluate("[copyIndex('Disks', 10)]", s)).toBe(11);
    expect(() => evaluate("[copyIndex()]")).toThrow(/only valid inside a copy loop/);
  });

  it("expands property copy loops in objects", () => {
    const value = evaluator.value(
      {
        name: "vm",
        copy: [
          { name: "disks", count: "[parameters('count')]", input: { lun: "[copyIndex('disks')]", size: 8 } },
        ],
      },
      scope(),
    );
    expect(value).toEqual({
      name: "vm",
      disks: [
        { lun: 0, size: 8 },
        { lun: 1, size: 8 },
        { lun: 2, size: 8 },
      ],
    });
  });

  it.each<[string, RegExp]>([
    ["[listKeys('x', '2023-01-01')]", /The template function 'listKeys' is not valid or not supported/],
    ["[pickZones('Microsoft.Compute', 'virtualMachines', 'westeurope')]", /'pickZones'/],
    ["[listConnectionStrings('x', '2023-01-01')]", /'listConnectionStrings'/],
    ["[nope.fn()]", /'nope.fn'/],
    [
      "[parameters('tags').missing]",
      /property 'missing' doesn't exist, available properties are 'env, Owner'/,
    ],
    ["[parameters('list')[5]]", /index 5 is out of range/],
    ["[substring('abc', 2, 5)]", /must refer to a location within the string/],
    ["[resourceId('Microsoft.Web/sites/slots', 'site')]", /requires 2 resource name argument/],
    ["[concat('a']", /is not valid/],
    ["[toLower(1)]", /expects a string argument/],
    ["[div(1, 0)]", /cannot divide by zero/],
    ["[if('yes', 1, 2)]", /must be a boolean/],
    ["[json('{bad')]", /valid JSON string/],
    ["[dateTimeAdd('2024-01-01T00:00:00Z', '1 day')]", /ISO 8601 duration/],
    ["[format('{1}', 'a')]", /refers to argument 1, which is missing/],
  ])("fails %s with InvalidTemplate", (text, message) => {
    let error: unknown;
    try {
      evaluate(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({ code: "InvalidTemplate" });
    expect((error as Error).message).toMatch(message);
  });
});

describe("uniqueString and guid", () => {
  // Results Azure gives for these inputs.
  it.each<[string[], string]>([
    [["test"], "rbgf3xv4ufgzg"],
    [["hello", "world"], "a7wkljktk6wne"],
    [["abc"], "cgtzqvhu4i23s"],
    [["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"], "bmg7c6xu4tw46"],
    [["foo", "bar", "baz"], "xzi4ioaxtmth4"],
  ])("uniqueString(%j) = %s", (parts, expected) => {
    expect(uniqueString(parts)).toBe(expected);
  });

  it("makes guid a deterministic version-5 UUID of its arguments", () => {
    const a = guid(["scope", "role"]);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(guid(["scope", "role"])).toBe(a);
    expect(guid(["scope", "other"])).not.toBe(a);
  });
});
