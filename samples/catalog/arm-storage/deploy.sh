#!/bin/bash
# ARM/Bicep deploy in the ADE way: sign in as the runner identity, deploy $ADE_TEMPLATE_FILE to the
# environment's resource group with $ADE_OPERATION_PARAMETERS, and hand the deployment's outputs
# (ARM's format is ADE's) to the runner.
set -e

command -v az >/dev/null || { echo "arm-storage needs the Azure CLI (az) on the runner's PATH." >&2; exit 1; }

# {"a": 1} → ARM's parameter file format {"parameters": {"a": {"value": 1}}}.
parameters=$(node -p '
const values = JSON.parse(process.env.ADE_OPERATION_PARAMETERS || "{}");
JSON.stringify({
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  contentVersion: "1.0.0.0",
  parameters: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }])),
});
')
deployment="ade-$(date +%Y%m%d-%H%M%S)"

az login --identity --allow-no-subscriptions --only-show-errors --output none
az deployment group create --subscription "$ADE_SUBSCRIPTION_ID" --resource-group "$ADE_RESOURCE_GROUP_NAME" \
    --name "$deployment" --template-file "$ADE_TEMPLATE_FILE" --parameters "$parameters" \
    --only-show-errors --output none

outputs=$(az deployment group show --subscription "$ADE_SUBSCRIPTION_ID" --resource-group "$ADE_RESOURCE_GROUP_NAME" \
    --name "$deployment" --query properties.outputs --output json)
echo "{\"outputs\": ${outputs:-null}}" >"$ADE_OUTPUTS"
echo "Outputs written for ADE"
