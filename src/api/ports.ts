/** What the data-plane handlers need; src/app-context.ts wires the adapters in. */
import type { CatalogRef } from "../catalog/model";
import type { CatalogState } from "../catalog/reader";
import type { SyncRequestPublisher } from "../catalog/events";
import type { DevCenterConfig } from "../core/devcenter-config";
import type { TokenVerifier } from "./auth";
import type { OriginSettings } from "./origin";

export interface ApiLogger {
  error(message: string): void;
}

/** Every handler's dependencies: who is calling, where clients reach us, where unexpected errors are logged. */
export interface ApiBaseDeps {
  verifier: TokenVerifier;
  /** PUBLIC_BASE_URL and TRUSTED_FRONTS; unset: URLs start with the request's own origin. */
  origin?: OriginSettings;
  /** RETRY_AFTER_SECONDS. */
  retryAfterSeconds?: number;
  log?: ApiLogger;
}

export interface CatalogStateReader {
  read(ref: CatalogRef): Promise<CatalogState>;
}

export interface DevCenterApiDeps extends ApiBaseDeps {
  devCenter: DevCenterConfig;
  catalogs: CatalogStateReader;
  /** Unset when no Event Grid topic is configured (the sync endpoints answer 503). */
  syncRequests?: SyncRequestPublisher;
  now?: () => Date;
}
