#!/bin/bash
# ARM/Bicep delete: a Complete-mode deployment of an empty template removes the group's resources;
# the control plane then deletes the group (runner/arm/main.ts).
set -euo pipefail
arm-deploy delete
