#!/bin/bash
# Placeholder: the core image deploys nothing. Build your image on it with your own scripts/deploy.sh,
# or set ADE_ENABLE_CUSTOM_DEPLOY=true and put deploy.sh in the environment definition's folder.
echo "The core image has no deploy action; environment $ADE_ENVIRONMENT_NAME is left as it is."
