import { compileRoute, comparePrecedence, RouteTemplateError } from "../../../dev/host/routes";

describe("route templates", () => {
  it("matches literals case-insensitively and tolerates a trailing slash", () => {
    const route = compileRoute("projects/list");
    expect(route.match("/projects/list")).toEqual({});
    expect(route.match("/Projects/LIST/")).toEqual({});
    expect(route.match("/projects/list/extra")).toBeUndefined();
    expect(route.match("/projects")).toBeUndefined();
  });

  it("captures and decodes parameters", () => {
    const route = compileRoute("projects/{project}/environments/{name}");
    expect(route.match("/projects/p1/environments/my%20env")).toEqual({ project: "p1", name: "my env" });
    expect(route.match("/projects/p1/environments")).toBeUndefined();
    expect(route.match("/projects/p1/environments/%E0%A4%A")).toBeUndefined();
  });

  it("applies inline constraints", () => {
    expect(compileRoute("items/{id:int}").match("/items/12")).toEqual({ id: "12" });
    expect(compileRoute("items/{id:int}").match("/items/1.5")).toBeUndefined();
    expect(
      compileRoute("items/{id:guid}").match("/items/0f8fad5b-d9cb-469f-a165-70867728950e"),
    ).toBeDefined();
    expect(compileRoute("items/{id:guid}").match("/items/nope")).toBeUndefined();
    expect(compileRoute("n/{x:int:range(1,5)}").match("/n/5")).toEqual({ x: "5" });
    expect(compileRoute("n/{x:int:range(1,5)}").match("/n/6")).toBeUndefined();
    expect(compileRoute("s/{x:alpha:minlength(2)}").match("/s/ab")).toEqual({ x: "ab" });
    expect(compileRoute("s/{x:alpha:minlength(2)}").match("/s/a")).toBeUndefined();
    expect(compileRoute("r/{v:regex(^a+b$)}").match("/r/aab")).toEqual({ v: "aab" });
    expect(compileRoute("r/{v:regex(^a+b$)}").match("/r/abb")).toBeUndefined();
    expect(compileRoute("b/{v:bool}").match("/b/TRUE")).toEqual({ v: "TRUE" });
  });

  it("supports optional, default and catch-all parameters", () => {
    const optional = compileRoute("users/{id?}");
    expect(optional.match("/users")).toEqual({});
    expect(optional.match("/users/7")).toEqual({ id: "7" });
    expect(compileRoute("greet/{name=world}").match("/greet")).toEqual({ name: "world" });
    const rest = compileRoute("files/{*path}");
    expect(rest.match("/files/a/b/c.txt")).toEqual({ path: "a/b/c.txt" });
    expect(rest.match("/files")).toEqual({});
    expect(compileRoute("files/{**path}").match("/files/x/y")).toEqual({ path: "x/y" });
  });

  it("supports several parameters in one segment", () => {
    expect(compileRoute("dl/{file}.{ext}").match("/dl/archive.tar.gz")).toEqual({
      file: "archive",
      ext: "tar.gz",
    });
    expect(compileRoute("dl/{file}.{ext:alpha}").match("/dl/a.1")).toBeUndefined();
  });

  it("matches the empty template at the root only", () => {
    expect(compileRoute("").match("/")).toEqual({});
    expect(compileRoute("").match("")).toEqual({});
    expect(compileRoute("").match("/x")).toBeUndefined();
  });

  it("orders literals before constrained parameters, before free ones, before catch-alls", () => {
    const templates = ["files/{*path}", "files/{name}", "files/{id:int}", "files/readme"];
    const ordered = templates
      .map(compileRoute)
      .sort(comparePrecedence)
      .map((r) => r.template);
    expect(ordered).toEqual(["files/readme", "files/{id:int}", "files/{name}", "files/{*path}"]);
    const shorter = ["items/{id?}", "items"]
      .map(compileRoute)
      .sort(comparePrecedence)
      .map((r) => r.template);
    expect(shorter).toEqual(["items", "items/{id?}"]);
  });

  it("rejects malformed templates", () => {
    expect(() => compileRoute("a/{*rest}/b")).toThrow(RouteTemplateError);
    expect(() => compileRoute("a/{id:nosuch}")).toThrow("unknown constraint");
    expect(() => compileRoute("a/{id")).toThrow("unbalanced");
    expect(() => compileRoute("a/{1x}")).toThrow("bad parameter name");
  });
});
