#!/bin/bash
# Counts this environment's deployments. The count lives in $ADE_STORAGE, which the runner uploads
# after each run and restores before the next, so it survives redeploys. Writes one output of every
# type to $ADE_OUTPUTS. JSON is handled with node (on every runner) rather than jq.
set -e

state="$ADE_STORAGE/counter.json"
previous=0
if [[ -f "$state" ]]; then
    previous=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).count' "$state")
fi
step=$(node -p 'JSON.parse(process.env.ADE_OPERATION_PARAMETERS || "{}").step ?? 1')
count=$((previous + step))
echo "{\"count\": $count}" >"$state"
echo "Deployment of $ADE_ENVIRONMENT_NAME: counter $previous -> $count (step $step)"

COUNT=$count node -e '
const params = JSON.parse(process.env.ADE_OPERATION_PARAMETERS || "{}");
const count = Number(process.env.COUNT);
const outputs = {
  label: { type: "string", value: params.label ?? "demo" },
  count: { type: "int", value: count },
  half: { type: "number", value: count / 2 },
  even: { type: "boolean", value: count % 2 === 0 },
  history: { type: "array", value: Array.from({ length: Math.min(count, 10) }, (_, i) => i + 1) },
  environment: { type: "object", value: { name: process.env.ADE_ENVIRONMENT_NAME, type: process.env.ADE_ENVIRONMENT_TYPE } },
  secret: { type: "securestring", value: `counter-secret-${count}` },
};
require("fs").writeFileSync(process.env.ADE_OUTPUTS, JSON.stringify({ outputs }, null, 2));
'
echo "Outputs written to $ADE_OUTPUTS"
