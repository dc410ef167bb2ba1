#!/bin/bash
# Terraform delete: destroy what the saved state in $ADE_STORAGE holds; no state, nothing to destroy.
set -euo pipefail

if [[ ! -f "$ADE_STORAGE/environment.tfstate" ]]; then
    echo "No Terraform state in the environment's storage: nothing to destroy."
    exit 0
fi
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

terraform plan -no-color -input=false -compact-warnings -destroy -lock=true -state="$state" -out="$plan" -var-file="$vars"
terraform apply -no-color -input=false -compact-warnings -auto-approve -lock=true -state="$state" "$plan"
