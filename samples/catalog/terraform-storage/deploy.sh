#!/bin/bash
# Terraform deploy in the ADE way: the state lives in $ADE_STORAGE (saved by the runner after the run),
# parameters come from $ADE_OPERATION_PARAMETERS, and the outputs are converted to ADE's format.
set -e

command -v terraform >/dev/null || { echo "terraform-storage needs terraform on the runner's PATH." >&2; exit 1; }

state="$ADE_STORAGE/environment.tfstate"
plan="$ADE_TEMP/environment.tfplan"
vars="$ADE_TEMP/environment.tfvars.json"
echo "$ADE_OPERATION_PARAMETERS" >"$vars"

# The runner identity, as the azurerm provider expects it.
export ARM_USE_MSI=true ARM_CLIENT_ID="$ADE_CLIENT_ID" ARM_TENANT_ID="$ADE_TENANT_ID" ARM_SUBSCRIPTION_ID="$ADE_SUBSCRIPTION_ID"
export TF_VAR_resource_group_name="$ADE_RESOURCE_GROUP_NAME" TF_VAR_ade_location="$ADE_ENVIRONMENT_LOCATION"
export TF_VAR_ade_env_name="$ADE_ENVIRONMENT_NAME"

terraform init -no-color -input=false
terraform plan -no-color -input=false -compact-warnings -refresh=true -lock=true -state="$state" -out="$plan" -var-file="$vars"
terraform apply -no-color -input=false -compact-warnings -auto-approve -lock=true -state="$state" "$plan"

# Terraform's output types (bool, list, map, set, tuple, object) in ADE's words.
terraform output -state="$state" -json | node -e '
const tf = JSON.parse(require("fs").readFileSync(0, "utf8"));
const kind = (type) => {
  const name = Array.isArray(type) ? type[0] : type;
  return { bool: "boolean", list: "array", set: "array", tuple: "array", map: "object", object: "object" }[name] ?? name;
};
const outputs = Object.fromEntries(
  Object.entries(tf).map(([name, o]) => [name, { type: kind(o.type), value: o.value, sensitive: o.sensitive }]),
);
require("fs").writeFileSync(process.env.ADE_OUTPUTS, JSON.stringify({ outputs }));
'
echo "Outputs written for ADE"
