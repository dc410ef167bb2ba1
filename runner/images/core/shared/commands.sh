#!/bin/bash
# Helpers of the core image's entrypoint, also for scripts of images built on it: print a message
# and add it to the operation's log (a log that cannot be sent does not stop the operation).

verbose() {
    echo -e "$*"
    ade log --type verbose --content "$*" || true
}

log() {
    echo -e "$*"
    ade log --content "$*" || true
}

error() {
    echo -e "$*" >&2
    ade log --type error --content "$*" || true
}

# Runs a command with its stderr also appended to $ADE_ERROR_LOG, and waits until the copy is complete
# (the group { } keeps the process substitution in this shell, so $! is its pid).
recordErrors() {
    local status=0
    { "$@"; } 2> >(tee -a "$ADE_ERROR_LOG" >&2) || status=$?
    wait $!
    return $status
}
