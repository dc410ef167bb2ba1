import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { createStorageCredential } from "../../../src/azure/credentials";
import { loadConfig } from "../../../src/config";

describe("storage and Event Grid connection settings", () => {
  it("reads a connection string, and DEVCENTER_STORAGE defaults to AzureWebJobsStorage", () => {
    const config = loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true" });
    expect(config.webJobsStorage).toEqual({
      kind: "connectionString",
      connectionString: "UseDevelopmentStorage=true",
    });
    expect(config.devCenterStorage).toBe(config.webJobsStorage);
  });

  it("builds the public endpoints from __accountName, with the managed identity settings", () => {
    const config = loadConfig({
      AzureWebJobsStorage__accountName: "stdevcenter1",
      AzureWebJobsStorage__credential: "managedidentity",
      DEVCENTER_STORAGE__accountName: "stdata2",
      DEVCENTER_STORAGE__clientId: "11111111-1111-1111-1111-111111111111",
    });
    expect(config.webJobsStorage).toEqual({
      kind: "identity",
      blobServiceUri: "https://stdevcenter1.blob.core.windows.net",
      tableServiceUri: "https://stdevcenter1.table.core.windows.net",
      managedIdentity: true,
    });
    expect(config.devCenterStorage).toEqual({
      kind: "identity",
      blobServiceUri: "https://stdata2.blob.core.windows.net",
      tableServiceUri: "https://stdata2.table.core.windows.net",
      managedIdentity: false,
      clientId: "11111111-1111-1111-1111-111111111111",
    });
  });

  it("prefers the connection string when both forms are set, as the Functions host does", () => {
    const config = loadConfig({
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      AzureWebJobsStorage__accountName: "st1x",
    });
    expect(config.webJobsStorage.kind).toBe("connectionString");
  });

  it("refuses a missing connection, a bad account name, a bad URI and an unknown credential, naming the setting", () => {
    expect(() => loadConfig({})).toThrow(/AzureWebJobsStorage .*or AzureWebJobsStorage__accountName/);
    expect(() => loadConfig({ AzureWebJobsStorage__accountName: "Not_A_Name" })).toThrow(
      /AzureWebJobsStorage__accountName must be a storage account name/,
    );
    expect(() =>
      loadConfig({
        AzureWebJobsStorage__blobServiceUri: "blob.example",
        AzureWebJobsStorage__tableServiceUri: "x",
      }),
    ).toThrow(/AzureWebJobsStorage__blobServiceUri must be an https:\/\/ URL/);
    expect(() =>
      loadConfig({ AzureWebJobsStorage__accountName: "st1x", AzureWebJobsStorage__credential: "secret" }),
    ).toThrow(/AzureWebJobsStorage__credential must be managedidentity/);
  });

  it("publishes with the topic key when EVENTGRID_KEY is set, else with Entra ID (never with the emulator credential)", () => {
    const base = {
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      EVENTGRID_ENDPOINT: "https://t.westeurope-1.eventgrid.azure.net/api/events",
    };
    expect(loadConfig({ ...base, EVENTGRID_KEY: "k" }).eventGrid).toEqual({
      endpoint: base.EVENTGRID_ENDPOINT,
      key: "k",
    });
    expect(loadConfig(base).eventGrid).toEqual({ endpoint: base.EVENTGRID_ENDPOINT });
    expect(() =>
      loadConfig({ ...base, AZURE_CREDENTIAL: "emulator", ARM_ENDPOINT: "https://127.0.0.1:8443" }),
    ).toThrow(/EVENTGRID_KEY is required with AZURE_CREDENTIAL=emulator/);
  });

  it("picks the credential the storage settings name", () => {
    const identity = { kind: "identity", blobServiceUri: "https://a", tableServiceUri: "https://b" } as const;
    expect(createStorageCredential({ ...identity, managedIdentity: true })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(createStorageCredential({ ...identity, managedIdentity: false, clientId: "c" })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(createStorageCredential({ ...identity, managedIdentity: false })).toBeInstanceOf(
      DefaultAzureCredential,
    );
  });
});
