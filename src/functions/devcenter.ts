/**
 * Data-plane routes: projects, catalogs, environment definitions, environment types (GET); and the
 * caller's access to a project (ours, for the portal).
 */
import {
  getCatalog,
  getDefinition,
  getEnvironmentType,
  getProject,
  listCatalogs,
  listDefinitionsByCatalog,
  listDefinitionsByProject,
  listEnvironmentTypes,
  listProjects,
} from "../api/devcenter";
import { describeProjectAccess } from "../api/access";
import { functionsHandler } from "../api/host";
import { DevCenterApiDeps } from "../api/ports";
import { Handler } from "../api/pipeline";
import { getAppContext } from "../app-context";
import { httpRoute } from "./routes";

// Made when the app loads: a bad dev center config stops the start with the file and every issue.
const context = getAppContext();

const routes: [name: string, route: string, handler: Handler<DevCenterApiDeps>][] = [
  ["listProjects", "projects", listProjects],
  ["getProject", "projects/{projectName}", getProject],
  ["listCatalogs", "projects/{projectName}/catalogs", listCatalogs],
  ["getCatalog", "projects/{projectName}/catalogs/{catalogName}", getCatalog],
  [
    "listEnvironmentDefinitionsByCatalog",
    "projects/{projectName}/catalogs/{catalogName}/environmentDefinitions",
    listDefinitionsByCatalog,
  ],
  [
    "getEnvironmentDefinition",
    "projects/{projectName}/catalogs/{catalogName}/environmentDefinitions/{definitionName}",
    getDefinition,
  ],
  [
    "listEnvironmentDefinitionsByProject",
    "projects/{projectName}/environmentDefinitions",
    listDefinitionsByProject,
  ],
  ["listEnvironmentTypes", "projects/{projectName}/environmentTypes", listEnvironmentTypes],
  ["getEnvironmentType", "projects/{projectName}/environmentTypes/{environmentTypeName}", getEnvironmentType],
  ["describeProjectAccess", "management/projects/{projectName}/access", describeProjectAccess],
];

for (const [name, route, handler] of routes) {
  httpRoute(name, {
    route,
    methods: ["GET"],
    authLevel: "anonymous",
    handler: functionsHandler(context.api, handler),
  });
}
