#!/bin/bash
# Always fails: the message (the `message` parameter) goes to stderr, which the runner reports as
# the operation's error details (DeploymentError, exit code 1).
set -e
message=$(node -p 'JSON.parse(process.env.ADE_OPERATION_PARAMETERS || "{}").message ?? "This deployment fails on purpose."')
echo "Starting a deployment of $ADE_ENVIRONMENT_NAME that will fail"
echo "$message" >&2
exit 1
