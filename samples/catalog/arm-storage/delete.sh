#!/bin/bash
# The control plane deletes the environment's resource group, and with it the storage account;
# nothing else was created outside it.
set -e
echo "Deleting $ADE_ENVIRONMENT_NAME: its resources go with the resource group"
