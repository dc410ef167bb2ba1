#!/bin/bash
# Placeholder: the core image has no deploy of its own, and an operation that deployed nothing must
# not succeed. Build your image on it with your own scripts/deploy.sh (as runner/images/arm-bicep and
# runner/images/terraform do), or set ADE_ENABLE_CUSTOM_DEPLOY=true and put deploy.sh in the
# environment definition's folder.
echo "The core image has no deploy action: nothing was deployed for environment $ADE_ENVIRONMENT_NAME." \
    "Use a runner image with a deploy script (ARM, Bicep, Terraform or your own) or a definition with deploy.sh." >&2
exit 1
