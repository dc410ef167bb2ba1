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
  it("is made once for the binding data every invocation gets, and again when the data change", () => {
    const first = durableClient(invocation(durableClientData("http://127.0.0.1:7071", "hubOne")));
    const second = durableClient(invocation(durableClientData("http://127.0.0.1:7071", "hubOne")));
    expect(second).toBe(first);
    expect(first.taskHubName).toBe("hubOne");
    const changed = durableClient(invocation(durableClientData("http://127.0.0.1:7071", "hubTwo")));
    expect(changed).not.toBe(first);
    expect(changed.taskHubName).toBe("hubTwo");
  });

  it("refuses an invocation without durable client data, as the library does", () => {
    expect(() => durableClient(invocation(undefined))).toThrow(/not a valid durable client input/);
  });
});
