#!/bin/bash
# ARM/Bicep deploy: $ADE_TEMPLATE_FILE to the environment's resource group as the runner identity,
# with the operation's parameters; outputs to $ADE_OUTPUTS (runner/arm/main.ts).
set -euo pipefail
arm-deploy deploy
