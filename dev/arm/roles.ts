/** The built-in role definitions the emulator knows, with their real, well-known ids. */
export interface BuiltInRole {
  id: string;
  roleName: string;
  description: string;
  actions: string[];
  notActions: string[];
}

export const BUILT_IN_ROLES: BuiltInRole[] = [
  {
    id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    roleName: "Owner",
    description:
      "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
    actions: ["*"],
    notActions: [],
  },
  {
    id: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    roleName: "Contributor",
    description:
      "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
    actions: ["*"],
    notActions: [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
    ],
  },
  {
    id: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    roleName: "Reader",
    description: "View all resources, but does not allow you to make any changes.",
    actions: ["*/read"],
    notActions: [],
  },
  {
    id: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    roleName: "User Access Administrator",
    description: "Lets you manage user access to Azure resources.",
    actions: ["*/read", "Microsoft.Authorization/*"],
    notActions: [],
  },
  // The Dev Center project roles, so that a dev center's members can be assigned as in ADE.
  {
    id: "18e40d4e-8d2e-438d-97e1-9528336e149c",
    roleName: "Deployment Environments User",
    description: "Provides access to create and manage your own environments in a project.",
    actions: ["Microsoft.DevCenter/projects/read", "Microsoft.DevCenter/projects/*/read"],
    notActions: [],
  },
  {
    id: "331c37c6-af14-46d9-b9f4-e1909e1b95a0",
    roleName: "DevCenter Project Admin",
    description: "Provides access to manage project resources.",
    actions: ["Microsoft.DevCenter/projects/*"],
    notActions: [],
  },
  {
    id: "eb960402-bf75-4cc3-8d68-35b34f960f72",
    roleName: "Deployment Environments Reader",
    description: "Provides read access to all environments in a project.",
    actions: ["Microsoft.DevCenter/projects/read", "Microsoft.DevCenter/projects/*/read"],
    notActions: [],
  },
];

export function builtInRoleById(id: string): BuiltInRole | undefined {
  const guid = id.split("/").pop()?.toLowerCase();
  return BUILT_IN_ROLES.find((role) => role.id === guid);
}
