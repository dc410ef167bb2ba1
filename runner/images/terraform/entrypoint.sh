#!/bin/bash
# Runs this image as a local process (the ARM emulator maps its reference to this folder): the Core
# image's entrypoint with this folder's scripts and tools, as the image built FROM Core has them.
# Not part of the image, which keeps Core's /entrypoint.sh.
# This file's folder, absolute ("" for /entrypoint.sh), without a process of its own.
case "${BASH_SOURCE[0]}" in
/*) here="${BASH_SOURCE[0]%/*}" ;;
*/*) here="$PWD/${BASH_SOURCE[0]%/*}" ;;
*) here="$PWD" ;;
esac
export ADE_SCRIPTS_DIR="$here/scripts"
export PATH="$here/bin:$here/../core/bin:$PATH"
exec bash "$here/../core/entrypoint.sh"
