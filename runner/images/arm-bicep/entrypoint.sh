#!/bin/bash
# Runs this image as a local process (the ARM emulator maps its reference to this folder): the Core
# image's entrypoint with this folder's scripts and tools, as the image built FROM Core has them.
# Not part of the image, which keeps Core's /entrypoint.sh.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ADE_SCRIPTS_DIR="$here/scripts"
export PATH="$here/bin:$here/../core/bin:$PATH"
exec bash "$here/../core/entrypoint.sh"
