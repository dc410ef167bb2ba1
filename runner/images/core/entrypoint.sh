#!/bin/bash
# The core runner image's entrypoint: `ade entrypoint` runs the whole operation in one process
# (runner/cli/entrypoint.ts): init with the saved state, the operation's script through what
# `ade execute` does, then the state and outputs uploads, the failure report and the finished notice.
# Paths are below $ADE_ROOT (/ade in the image) and the scripts folder is $ADE_SCRIPTS_DIR (the
# image's /scripts), so the same files run in a container and as a local process.
# This file's folder, absolute ("" for /entrypoint.sh), without a process of its own.
case "${BASH_SOURCE[0]}" in
/*) here="${BASH_SOURCE[0]%/*}" ;;
*/*) here="$PWD/${BASH_SOURCE[0]%/*}" ;;
*) here="$PWD" ;;
esac
export ADE_ROOT="${ADE_ROOT:-/ade}"
export ADE_SCRIPTS_DIR="${ADE_SCRIPTS_DIR:-$here/scripts}"
exec ade entrypoint
