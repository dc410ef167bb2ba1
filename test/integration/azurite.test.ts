import { TableClient } from "@azure/data-tables";
import { startAzurite, RunningAzurite } from "../../dev/azurite";

describe("embedded Azurite", () => {
  let azurite: RunningAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite.stop());

  it("serves tables on loopback with the development account", async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, "smoke", {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: "p", rowKey: "r", value: 42 });
    const entity = await table.getEntity<{ value: number }>("p", "r");
    expect(entity.value).toBe(42);
  });
});
