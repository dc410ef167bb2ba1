/** ResourceGroups on @azure/arm-resources (one client per subscription). */
import { ResourceManagementClient } from "@azure/arm-resources";
import { CallOptions } from "../core/ports";
import { ResourceGroups } from "../operations/ports";
import { restStatus, toArmError } from "./arm-options";

export class ArmResourceGroups implements ResourceGroups {
  constructor(
    private readonly client: (subscriptionId: string) => ResourceManagementClient,
    private readonly pollIntervalMs: number,
  ) {}

  async ensure(
    subscriptionId: string,
    name: string,
    location: string,
    tags: Record<string, string>,
    options: CallOptions = {},
  ): Promise<{ id: string }> {
    try {
      const group = await this.client(subscriptionId).resourceGroups.createOrUpdate(
        name,
        { location, tags },
        { abortSignal: options.abortSignal },
      );
      return { id: group.id ?? `/subscriptions/${subscriptionId}/resourceGroups/${name}` };
    } catch (error) {
      throw toArmError(error, `Creating resource group ${name} in subscription ${subscriptionId}`);
    }
  }

  async exists(subscriptionId: string, name: string, options: CallOptions = {}): Promise<boolean> {
    try {
      const result = await this.client(subscriptionId).resourceGroups.checkExistence(name, {
        abortSignal: options.abortSignal,
      });
      return result.body;
    } catch (error) {
      throw toArmError(error, `Checking resource group ${name} in subscription ${subscriptionId}`);
    }
  }

  async delete(subscriptionId: string, name: string, options: CallOptions = {}): Promise<void> {
    try {
      await this.client(subscriptionId).resourceGroups.beginDeleteAndWait(name, {
        abortSignal: options.abortSignal,
        updateIntervalInMs: this.pollIntervalMs,
      });
    } catch (error) {
      if (restStatus(error) === 404) return;
      throw toArmError(error, `Deleting resource group ${name} in subscription ${subscriptionId}`);
    }
  }
}
