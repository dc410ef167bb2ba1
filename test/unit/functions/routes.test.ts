import { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { durableClientData } from "../../../dev/host/durable/client-api";
import { durableClient } from "../../../src/functions/routes";

function invocation(data: unknown): InvocationContext {
  const input = df.input.durableClient();
  const context = new InvocationContext({
    options: { trigger: { name: "request", type: "httpTrigger" }, extraInputs: [input], extraOutputs: [] },
  });
  context.extraInputs.set(input, data);
  return context;
}

describe("the durable client of HTTP routes", () => {
  const keys = { masterKey: "master-one", rpcKey: "rpc-one" };
  const data = (hub: string, hostKeys = keys) => durableClientData("http://127.0.0.1:7071", hub, hostKeys);

  it("is made once for the binding data every invocation gets, and again when the data change", () => {
    const first = durableClient(invocation(data("hubOne")));
    expect(durableClient(invocation(data("hubOne")))).toBe(first);
    expect(first.taskHubName).toBe("hubOne");
    const changed = durableClient(invocation(data("hubTwo")));
    expect(changed).not.toBe(first);
    expect(changed.taskHubName).toBe("hubTwo");
  });

  it("is made again when the host's key changes", () => {
    const before = durableClient(invocation(data("hubOne")));
    const after = durableClient(invocation(data("hubOne", { masterKey: "master-two", rpcKey: "rpc-two" })));
    expect(after).not.toBe(before);
    expect(durableClient(invocation(data("hubOne", { masterKey: "master-two", rpcKey: "rpc-two" })))).toBe(
      after,
    );
  });

  it("refuses an invocation without durable client data, as the library does", () => {
    expect(() => durableClient(invocation(undefined))).toThrow(/not a valid durable client input/);
  });
});
