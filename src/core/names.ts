/** Names: the contract's name rule and the deterministic Azure names the operations create. */

import { createHash } from "node:crypto";

/**
 * The data-plane name rule (projects, catalogs, definitions, environments, environment types):
 * 3–63 characters, a letter or digit first, then letters, digits, "-", "_" or ".".
 * No `v` flag: in that mode this character class is a syntax error.
 */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9-_.]{2,62}$/;

/** Readable statement of NAME_PATTERN for error messages. */
export const NAME_RULE = 'must be 3–63 characters: a letter or digit, then letters, digits, "-", "_" or "."';

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** Azure's limit on resource group names. */
export const RESOURCE_GROUP_NAME_MAX_LENGTH = 90;
const RESOURCE_GROUP_HASH_LENGTH = 10;
/** Characters Azure accepts in a resource group name (it also accepts other Unicode letters; we do not need them). */
const RESOURCE_GROUP_CHARACTERS = /^[a-zA-Z0-9_().-]+$/;
const RESOURCE_GROUP_ILLEGAL_CHARACTER = /[^a-zA-Z0-9_().-]/g;

/**
 * `{project}-{environment}` when that is a legal resource group name (≤ 90 characters, legal
 * characters, not ending with "."). Otherwise the illegal characters become "-", the name is cut and
 * `-{hash}` is appended, where the hash (sha256, 10 hex digits) covers the project and environment
 * names without case (Azure ignores case in names), so two pairs that differ only in case get the
 * same name and two different long pairs do not. A name can still be made on purpose to match
 * another pair's: the operations claim each name for one environment (resource-group-claims.ts).
 */
export function resourceGroupName(project: string, environment: string): string {
  const name = `${project}-${environment}`;
  const legal =
    name.length <= RESOURCE_GROUP_NAME_MAX_LENGTH &&
    RESOURCE_GROUP_CHARACTERS.test(name) &&
    !name.endsWith(".");
  if (legal) return name;
  const hash = createHash("sha256")
    .update(JSON.stringify([project.toLowerCase(), environment.toLowerCase()]))
    .digest("hex")
    .slice(0, RESOURCE_GROUP_HASH_LENGTH);
  const prefix = name
    .replace(RESOURCE_GROUP_ILLEGAL_CHARACTER, "-")
    .slice(0, RESOURCE_GROUP_NAME_MAX_LENGTH - RESOURCE_GROUP_HASH_LENGTH - 1);
  return `${prefix}-${hash}`;
}

/** The resource group name in an ARM resource group id, or undefined when it is not one. */
export function resourceGroupNameOfId(id: string): string | undefined {
  return /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)$/i.exec(id)?.[1];
}

/** The resource group an environment uses: the recorded one of an adopted environment, else resourceGroupName's. */
export function environmentResourceGroupName(
  project: string,
  environment: string,
  recordedResourceGroupId?: string,
): string {
  return (
    (recordedResourceGroupId && resourceGroupNameOfId(recordedResourceGroupId)) ||
    resourceGroupName(project, environment)
  );
}

/** `/subscriptions/{id}` of an ARM scope below (or at) a subscription; the scope itself otherwise. */
export function subscriptionScopeOf(scope: string): string {
  return /^\/subscriptions\/[^/]+/i.exec(scope)?.[0] ?? scope;
}

/** ARM id of a resource group. */
export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/** Our fixed namespace for name-based (v5) uuids; changing it would rename every role assignment. */
export const UUID_NAMESPACE = "61028bff-e849-4ead-ae7c-5684a69bb639";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** RFC 4122 name-based uuid, version 5 (SHA-1). */
export function uuidV5(name: string, namespace: string): string {
  if (!isUuid(namespace)) throw new Error("uuidV5: the namespace must be a uuid");
  const bytes = createHash("sha1")
    .update(Buffer.from(namespace.replace(/-/g, ""), "hex"))
    .update(name, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The role assignment's name (a uuid, as ARM requires): the same for the same operation, principal,
 * role definition and scope, so a retried activity finds its own assignment; different otherwise.
 * Inputs are compared without case, as ARM compares ids and uuids.
 */
export function roleAssignmentName(
  operationId: string,
  principalId: string,
  roleDefinitionId: string,
  scope: string,
): string {
  const key = JSON.stringify([operationId, principalId, roleDefinitionId, scope].map((s) => s.toLowerCase()));
  return uuidV5(key, UUID_NAMESPACE);
}
