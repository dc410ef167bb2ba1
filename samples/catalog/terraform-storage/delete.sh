#!/bin/bash
# Terraform destroy with the state the deploy left in $ADE_STORAGE.
set -e

command -v terraform >/dev/null || { echo "terraform-storage needs terraform on the runner's PATH." >&2; exit 1; }

state="$ADE_STORAGE/environment.tfstate"
plan="$ADE_TEMP/environment.tfplan"
vars="$ADE_TEMP/environment.tfvars.json"
echo "$ADE_OPERATION_PARAMETERS" >"$vars"

export ARM_USE_MSI=true ARM_CLIENT_ID="$ADE_CLIENT_ID" ARM_TENANT_ID="$ADE_TENANT_ID" ARM_SUBSCRIPTION_ID="$ADE_SUBSCRIPTION_ID"
export TF_VAR_resource_group_name="$ADE_RESOURCE_GROUP_NAME" TF_VAR_ade_location="$ADE_ENVIRONMENT_LOCATION"
export TF_VAR_ade_env_name="$ADE_ENVIRONMENT_NAME"

terraform init -no-color -input=false
terraform plan -no-color -input=false -compact-warnings -destroy -refresh=true -lock=true -state="$state" -out="$plan" -var-file="$vars"
terraform apply -no-color -input=false -compact-warnings -auto-approve -lock=true -state="$state" "$plan"
