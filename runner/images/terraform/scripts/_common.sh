#!/bin/bash
# Shared by deploy.sh and delete.sh (sourced): the terraform CLI, the runner identity for the azurerm
# provider, the environment as TF_VAR_* (as ADE's Terraform image sets them), the parameters as a
# .tfvars.json (JSON keeps their types) and `terraform init` with the local backend.

if ! command -v terraform >/dev/null; then
    echo "The Terraform runner needs the terraform CLI on PATH, and there is none. The runner-terraform image" \
        "installs it (build argument TERRAFORM_VERSION, or TERRAFORM_DISTRIBUTION=opentofu); locally," \
        "install Terraform (or OpenTofu, linked as terraform) on the machine that runs the ARM emulator." >&2
    exit 1
fi

state="$ADE_STORAGE/environment.tfstate"
plan="$ADE_TEMP/environment.tfplan"
vars="$ADE_TEMP/environment.tfvars.json"
mkdir -p "$ADE_STORAGE" "$ADE_TEMP"
printf '%s\n' "${ADE_OPERATION_PARAMETERS:-"{}"}" >"$vars"

export ARM_USE_MSI=true ARM_CLIENT_ID="${ADE_CLIENT_ID:-}" ARM_TENANT_ID="${ADE_TENANT_ID:-}"
export ARM_SUBSCRIPTION_ID="${ADE_SUBSCRIPTION_ID:-}"
export TF_VAR_resource_group_name="${ADE_RESOURCE_GROUP_NAME:-}" TF_VAR_ade_env_name="${ADE_ENVIRONMENT_NAME:-}"
export TF_VAR_env_name="${ADE_ENVIRONMENT_NAME:-}" TF_VAR_ade_subscription="${ADE_SUBSCRIPTION_ID:-}"
export TF_VAR_ade_location="${ADE_ENVIRONMENT_LOCATION:-}" TF_VAR_ade_environment_type="${ADE_ENVIRONMENT_TYPE:-}"
# No input prompts, and no update check (Terraform's checkpoint calls out to the internet).
export TF_IN_AUTOMATION=true TF_INPUT=false CHECKPOINT_DISABLE=1

terraform version -no-color
terraform init -no-color -input=false
