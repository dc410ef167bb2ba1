#!/bin/bash
# Nothing to delete (the control plane deletes the resource group); reports how often it was deployed.
set -e
count=0
if [[ -f "$ADE_STORAGE/counter.json" ]]; then
    count=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).count' "$ADE_STORAGE/counter.json")
fi
echo "Deleting $ADE_ENVIRONMENT_NAME after its counter reached $count"
