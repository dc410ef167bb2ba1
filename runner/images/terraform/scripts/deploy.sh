#!/bin/bash
# Terraform deploy: plan and apply against the state in $ADE_STORAGE (the entrypoint saves it as
# storage.zip and restores it next time), then the outputs in the EnvironmentOutputs format.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

terraform plan -no-color -input=false -compact-warnings -lock=true -state="$state" -out="$plan" -var-file="$vars"
terraform apply -no-color -input=false -compact-warnings -auto-approve -lock=true -state="$state" "$plan"
terraform output -no-color -state="$state" -json | terraform-outputs >"$ADE_OUTPUTS"
echo "Terraform outputs written to $ADE_OUTPUTS"
