import { loadTelemetryConfig } from "../../../src/config";

describe("telemetry settings", () => {
  it("sends nothing by default, and to the console or OTLP when asked", () => {
    expect(loadTelemetryConfig({})).toEqual({ kind: "none" });
    expect(loadTelemetryConfig({ TELEMETRY_EXPORTER: "console" })).toEqual({ kind: "console" });
    expect(loadTelemetryConfig({ TELEMETRY_EXPORTER: "otlp" })).toEqual({ kind: "otlp" });
    expect(() => loadTelemetryConfig({ TELEMETRY_EXPORTER: "jaeger" })).toThrow(
      /TELEMETRY_EXPORTER must be none, console or otlp/,
    );
  });

  it("uses Azure Monitor when a connection string is set, with Entra ID as the authentication string says", () => {
    const connectionString =
      "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/";
    expect(
      loadTelemetryConfig({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        TELEMETRY_EXPORTER: "console",
      }),
    ).toEqual({
      kind: "azureMonitor",
      connectionString,
      entraId: false,
    });
    expect(
      loadTelemetryConfig({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
          "Authorization=AAD;ClientId=11111111-1111-1111-1111-111111111111",
      }),
    ).toEqual({
      kind: "azureMonitor",
      connectionString,
      entraId: true,
      clientId: "11111111-1111-1111-1111-111111111111",
    });
    expect(() =>
      loadTelemetryConfig({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Key=abc",
      }),
    ).toThrow(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be Authorization=AAD/);
  });
});
