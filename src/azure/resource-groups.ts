/** ResourceGroups on @azure/arm-resources (one client per subscription). */
import { ResourceManagementClient } from "@azure/arm-resources";
import { ArmProgress, ResourceGroups } from "../operations/ports";
import { armProgress, toArmError } from "./arm-options";
import { restStatus } from "./rest-errors";

export class ArmResourceGroups implements ResourceGroups {
  constructor(private readonly client: (subscriptionId: string) => ResourceManagementClient) {}

  async ensure(
    subscriptionId: string,
    name: string,
    location: string,
    tags: Record<string, string>,
  ): Promise<{ id: string }> {
    try {
      const group = await this.client(subscriptionId).resourceGroups.createOrUpdate(name, { location, tags });
      return { id: group.id ?? `/subscriptions/${subscriptionId}/resourceGroups/${name}` };
    } catch (error) {
      throw toArmError(error, `Creating resource group ${name} in subscription ${subscriptionId}`);
    }
  }

  async exists(subscriptionId: string, name: string): Promise<boolean> {
    try {
      const result = await this.client(subscriptionId).resourceGroups.checkExistence(name);
      return result.body;
    } catch (error) {
      throw toArmError(error, `Checking resource group ${name} in subscription ${subscriptionId}`);
    }
  }

  async beginDelete(subscriptionId: string, name: string): Promise<ArmProgress> {
    try {
      return await armProgress(await this.client(subscriptionId).resourceGroups.beginDelete(name));
    } catch (error) {
      if (restStatus(error) === 404) return { done: true };
      throw toArmError(error, `Deleting resource group ${name} in subscription ${subscriptionId}`);
    }
  }

  async pollDelete(subscriptionId: string, name: string, resumeFrom: string): Promise<ArmProgress> {
    try {
      // With resumeFrom the SDK sends no new DELETE: it looks at the operation once.
      return await armProgress(
        await this.client(subscriptionId).resourceGroups.beginDelete(name, { resumeFrom }),
      );
    } catch (error) {
      throw toArmError(error, `Deleting resource group ${name} in subscription ${subscriptionId}`);
    }
  }
}
