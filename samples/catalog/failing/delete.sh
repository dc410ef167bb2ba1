#!/bin/bash
# Deleting works, so a failed environment can be cleaned up.
set -e
echo "Deleting $ADE_ENVIRONMENT_NAME: nothing was ever deployed"
