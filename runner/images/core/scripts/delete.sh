#!/bin/bash
# Placeholder: the core image deletes nothing itself (the control plane deletes the resource group).
# Build your image on it with your own scripts/delete.sh for anything else to clean up.
echo "The core image has no delete action; nothing to clean up for environment $ADE_ENVIRONMENT_NAME."
