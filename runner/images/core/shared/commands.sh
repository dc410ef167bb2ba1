#!/bin/bash
# Helpers of the core image's entrypoint, also for scripts of images built on it. The names and
# meanings are those of ADE's Core image, so scripts written for it run unchanged: print a message
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

# A section title in the console and the log.
header() {
    echo -e "\n>>> $* ...\n"
    ade log --content ">>> $* ..." || true
}

# Runs a command with its stderr also appended to $ADE_ERROR_LOG (when set), and waits until the copy
# is complete (the group { } keeps the process substitution in this shell, so $! is its pid).
recordErrors() {
    local status=0
    if [[ -z "$ADE_ERROR_LOG" ]]; then
        "$@" || status=$?
        return $status
    fi
    { "$@"; } 2> >(tee -a "$ADE_ERROR_LOG" >&2) || status=$?
    wait $!
    return $status
}

# ADE's Core downloads a newer CLI when `ade upgrade` names one. This CLI ships inside the image and
# never does: `ade upgrade` fails (CliUpgradeError) when the image must be rebuilt.
upgradeCli() {
    local url
    url="$(recordErrors ade upgrade)" || return $?
    if [[ -n "$url" ]]; then
        error "ade upgrade named a download ($url); this image's CLI is upgraded by rebuilding the image."
        return 17
    fi
    verbose "ADE CLI is up to date"
}

# Runs a command through `ade execute` (output to the console and the log, stderr also to the error
# log), then takes over the variables it exported, which `ade execute` leaves in diff.sh.
# Returns the command's exit code.
executeCommand() {
    local status=0
    recordErrors ade execute --operation "$ADE_OPERATION_NAME" --command "$@" || status=$?
    source "${TMPDIR:-/tmp}/diff.sh"
    return $status
}
