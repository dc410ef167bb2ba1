/**
 * Composition root: the settings, the dev center config (read and validated once, at startup), the
 * storage adapters and what the function registrations hand to the handlers. Small on purpose;
 * each feature adds its wiring here.
 */
// First: telemetry must be in place before any Azure SDK module loads.
import "./telemetry/start";
import { environmentRecords } from "./storage/environment-records";
import { operationRecords } from "./storage/indexed-records";
import type { OpenTable } from "./storage/ports";
import { readFileSync } from "node:fs";
import type { InvocationContext } from "@azure/functions";
import { createVerifierFromConfig, TokenVerifier } from "./api/auth";
import { DevCenterApiDeps } from "./api/ports";
import { createStorageAdapters, StorageAdapters } from "./azure/storage";
import { createEventGridPublisher } from "./azure/event-grid-publisher";
import { SyncRequestPublisher } from "./catalog/events";
import { CATALOG_TABLE, CatalogRecord } from "./catalog/model";
import { CatalogStorage } from "./catalog/ports";
import { CatalogReader } from "./catalog/reader";
import { findConfiguredCatalog } from "./catalog/requests";
import { CatalogSourceError, createCatalogSource } from "./catalog/sources";
import { CatalogSyncDeps } from "./catalog/sync";
import { Config, ConfigError, getConfig, readSecretSetting } from "./config";
import { DevCenterConfig, parseDevCenterConfig } from "./core/devcenter-config";
import { formatIssues } from "./core/result";
import type { EnvironmentApiDeps } from "./api/environments";
import { createArmAdapters } from "./azure/arm";
import { createArmCredential } from "./azure/credentials";
import { createOperationActivities } from "./operations/activities";
import type { OperationActivities } from "./operations/activity-table";
import { TABLES, type ResourceGroupClaim } from "./storage/records";
import type { ExpiryDeps } from "./operations/expiry";
import type { OpenOperationIndex } from "./storage/open-operations";
import type { OperationScheduler } from "./operations/requests";
import { createRunnerApi, type RunnerApi } from "./runner-api/handlers";
import { newRunnerToken } from "./runner-protocol/token";
import { runnerContainerVariables } from "./runner-protocol/variables";
import { createSecureParameterSealer } from "./storage/secure-parameters";

/** Reads and validates the dev center config; the error names the file and every issue. */
export function loadDevCenterConfig(file: string): DevCenterConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(
      `The dev center config ${file} (DEVCENTER_CONFIG) cannot be read: ${(error as Error).message}`,
    );
  }
  const parsed = parseDevCenterConfig(text, file);
  if (!parsed.ok)
    throw new ConfigError(`The dev center config ${file} is not valid:\n${formatIssues(parsed.errors)}`);
  return parsed.value;
}

export interface AppContext {
  config: Config;
  devCenter: DevCenterConfig;
  storage: StorageAdapters;
  catalogStorage: CatalogStorage;
  /** What catalogs serve (records and cached indexes); findDefinition for the operations. */
  catalogs: CatalogReader;
  verifier: TokenVerifier;
  syncRequests?: SyncRequestPublisher;
  /** What the data-plane handlers get, logging to the invocation's log. */
  api(log?: InvocationContext): DevCenterApiDeps;
  /** What a catalog sync gets, logging to the invocation's log. */
  catalogSync(log?: InvocationContext): CatalogSyncDeps;
  /** What the environment handlers get; PUT and DELETE also need the invocation's durable client. */
  environmentApi(log?: InvocationContext, scheduler?: OperationScheduler): EnvironmentApiDeps;
  /** What the expiry sweep needs, with the invocation's durable client. */
  /** The periodic sweep's: it also ends abandoned operations, found among the open ones. */
  expiry(scheduler: OperationScheduler): ExpiryDeps & { operations: OpenOperationIndex };
  /** The operation activities, with the ARM adapters (made on first use). */
  operationActivities(): OperationActivities;
  /** The endpoints the runner's ade CLI calls (made on first use). */
  runnerApi(): RunnerApi;
}

const NO_SCHEDULER: OperationScheduler = {
  start: () => Promise.reject(new Error("This route cannot start operations.")),
  cancel: () => Promise.reject(new Error("This route cannot cancel operations.")),
  orchestrationState: () => Promise.reject(new Error("This route cannot look at orchestrations.")),
  cleanUp: () => Promise.reject(new Error("This route cannot start cleanups.")),
  runnerFinished: () => Promise.reject(new Error("This route cannot tell orchestrations.")),
  runnerReported: () => Promise.reject(new Error("This route cannot tell orchestrations.")),
};

export function createAppContext(config: Config): AppContext {
  const devCenter = loadDevCenterConfig(config.devCenterConfigPath);
  const storage = createStorageAdapters(config.devCenterStorage);
  const catalogStorage: CatalogStorage = {
    records: storage.records<CatalogRecord>(CATALOG_TABLE),
    blobs: storage.blobs,
  };
  const reader = new CatalogReader(catalogStorage);
  const verifier = createVerifierFromConfig(config.auth);
  const syncRequests =
    config.eventGrid &&
    createEventGridPublisher(
      config.eventGrid.endpoint,
      config.eventGrid.key ?? createArmCredential(config.arm),
    );
  const apiBase = {
    verifier,
    origin: { trustedFronts: config.api.trustedFronts, publicBaseUrl: config.api.publicBaseUrl },
    retryAfterSeconds: config.api.retryAfterSeconds,
  };
  const secureParameters =
    config.secureParametersKey && createSecureParameterSealer(config.secureParametersKey);
  const open: OpenTable = (table) => storage.records(table);
  const environments = environmentRecords(open);
  const operations = operationRecords(open);
  const resourceGroupClaims = storage.records<ResourceGroupClaim>(TABLES.resourceGroupClaims);
  let activities: OperationActivities | undefined;
  let runnerApi: RunnerApi | undefined;
  return {
    config,
    devCenter,
    storage,
    catalogStorage,
    catalogs: reader,
    verifier,
    ...(syncRequests && { syncRequests }),
    api: (log) => ({
      ...apiBase,
      devCenter,
      catalogs: reader,
      ...(syncRequests && { syncRequests }),
      ...(log && { log: { error: (message: string) => log.error(message) } }),
    }),
    catalogSync: (log) => ({
      ...catalogStorage,
      source: (ref) => {
        const catalog = findConfiguredCatalog(devCenter, ref);
        if (!catalog)
          throw new CatalogSourceError(
            "CatalogNotConfigured",
            `The dev center config has no catalog ${ref.catalog}.`,
          );
        return createCatalogSource(catalog, (setting) => readSecretSetting(setting));
      },
      ...(log && { log: (message: string) => log.log(message) }),
    }),
    environmentApi: (log, scheduler) => ({
      ...apiBase,
      devCenter,
      catalogs: reader,
      environments,
      operations,
      resourceGroupClaims,
      blobs: storage.blobs,
      scheduler: scheduler ?? NO_SCHEDULER,
      ...(secureParameters && { secureParameters }),
      now: () => new Date(),
      ...(log && { log: { error: (message: string) => log.error(message) } }),
    }),
    expiry: (scheduler) => ({
      devCenter,
      catalogs: reader,
      environments,
      operations,
      resourceGroupClaims,
      scheduler,
      now: () => new Date(),
    }),
    operationActivities: () => {
      activities ??= createOperationActivities({
        environments,
        operations,
        resourceGroupClaims,
        blobs: storage.blobs,
        ...armAdapters(config),
        devCenter,
        settings: {
          devCenterId: devCenter.devCenter.name,
          tenantId: config.operations.tenantId,
          runnerApiEndpoint: config.runnerApi.endpoint,
          runnerResourceGroup: {
            name: config.operations.runnerResourceGroup,
            ...(config.operations.runnerSubscriptionId && {
              subscriptionId: config.operations.runnerSubscriptionId,
            }),
            ...(config.operations.runnerLocation && { location: config.operations.runnerLocation }),
          },
          runnerImages: config.operations.runnerImages,
          runnerEnvironment: runnerContainerVariables(config.runnerApi),
          timeoutMinutes: config.operations.timeoutMinutes,
          poll: config.operations.poll,
          retry: config.operations.retry,
          cleanupMaxAttempts: config.operations.cleanupMaxAttempts,
        },
        ...(secureParameters && { secureParameters }),
        newRunnerToken,
        now: () => new Date(),
      });
      return activities;
    },
    runnerApi: () => {
      runnerApi ??= createRunnerApi({
        operations,
        environments,
        blobs: storage.blobs,
        devCenter,
        settings: { environmentStorageCapBytes: config.runnerApi.environmentStorageCapBytes },
        ...(secureParameters && { secureParameters }),
      });
      return runnerApi;
    },
  };
}

function armAdapters(config: Config) {
  const arm = createArmAdapters(config);
  return { roles: arm.roleAssignments, resourceGroups: arm.resourceGroups, containers: arm.runnerContainers };
}

let context: AppContext | undefined;

/** The process-wide context, made on first use (the registrations call it when they load). */
export function getAppContext(): AppContext {
  context ??= createAppContext(getConfig());
  return context;
}
