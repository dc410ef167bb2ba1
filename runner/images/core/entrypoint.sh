#!/bin/bash
# The core runner image's entrypoint: fetches the operation, runs its script through `ade execute`,
# then uploads state and outputs, reports a failure and tells the control plane it is done.
# Paths are below $ADE_ROOT (/ade in the image) and the scripts folder is $ADE_SCRIPTS_DIR (the
# image's /scripts), so the same files run in a container and as a local process.
set -e

IMAGE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${IMAGE_DIR%/}/shared/commands.sh"

declare -A exitCodeMap=([1]=DeploymentError [7]=InvalidEndpoint [8]=InvalidDevCenterId [9]=CliSetupError
    [10]=InvalidOperationId [11]=RequestFailed [12]=InvalidCliInput [13]=FileOperationError
    [14]=EnvironmentStorageExceeded [15]=SecurityError [16]=DeploymentIdentitySignInError [17]=CliUpgradeError
    [99]=UnknownError)

export ADE_ROOT="${ADE_ROOT:-/ade}"
ADE_SCRIPTS_DIR="${ADE_SCRIPTS_DIR:-${IMAGE_DIR%/}/scripts}"
# Set before init (which exports the same values) so that finish() works even when init fails.
export ADE_STORAGE="$ADE_ROOT/storage" ADE_OUTPUTS="$ADE_ROOT/temp/output.json" ADE_ERROR_LOG="$ADE_ROOT/temp/error.log"
mkdir -p "$ADE_STORAGE" "$(dirname "$ADE_OUTPUTS")"
touch "$ADE_OUTPUTS" "$ADE_ERROR_LOG"
# This entrypoint's own messages wait in this file for the next ade command, which sends them first:
# a message costs no process of its own (ade execute keeps the file from the script it runs).
export ADE_PENDING_LOG="$ADE_ROOT/temp/entrypoint-log.txt"

# note TYPE MESSAGE: prints the message (errors to stderr) and queues it for the operation's log,
# one `{ISO time} [TYPE] text` line per line, as `ade log` writes them.
note() {
    local type=$1 line time
    shift
    time="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
    if [[ "$type" == error ]]; then echo -e "$*" >&2; else echo -e "$*"; fi
    while IFS= read -r line; do
        printf '%s [%s] %s\n' "$time" "$type" "$line" >>"$ADE_PENDING_LOG"
    done <<<"$*"
}

# On exit, whatever happened: save state and outputs, report a failure, then say the runner is done.
finish() {
    local code=$1 status stateLost=""
    set +e
    if [[ -n "$(ls -A "$ADE_STORAGE")" ]]; then
        note verbose "Uploading environment state from $ADE_STORAGE"
        recordErrors ade files upload --folder-path "$ADE_STORAGE"
        status=$?
        # The ade CLI retried until the operation's deadline, or the state is over a limit: either
        # way the state the script made is lost (the CLI's error, in the error log, says why).
        ((status != 0)) && stateLost=1
        ((code == 0)) && code=$status
    fi
    if [[ -s "$ADE_OUTPUTS" ]]; then
        note verbose "Uploading outputs"
        recordErrors ade outputs upload --file "$ADE_OUTPUTS"
        status=$?
        ((code == 0)) && code=$status
    fi
    if ((code != 0)); then
        local name="${exitCodeMap[$code]:-UnknownError}"
        if [[ -n "$stateLost" ]]; then
            name=EnvironmentStateNotSaved
            echo "The environment state in $ADE_STORAGE did not reach storage; the resources the script changed may not match the saved state." >>"$ADE_ERROR_LOG"
        fi
        note error "Operation failed with $name (exit code $code)"
        # The error log's last 16000 bytes, from a line's start: a cut inside a line could keep the
        # end of a secure value, too little of it to be recognised and masked.
        local details
        details="$(tail -c 16000 "$ADE_ERROR_LOG")"
        if (($(wc -c <"$ADE_ERROR_LOG") > 16000)) && [[ "$details" == *$'\n'* ]]; then
            details="${details#*$'\n'}"
        fi
        ade operation-result --code "$name" \
            --message "${ADE_OPERATION_NAME:-The operation} failed with $name (exit code $code): $details"
    else
        note log "Operation completed successfully!"
    fi
    ade finished --exit-code "$code"
    exit "$code"
}
trap 'finish $?' EXIT

# Ends the run as a DeploymentError whose details are the message.
fail() {
    note error "$*"
    echo "$*" >>"$ADE_ERROR_LOG"
    exit 1
}

# One process checks the CLI against the control plane (as `ade upgrade` does), exports the ADE
# variables, downloads the definition and the saved state; a failure to read the state stops the run
# (deploying without it would overwrite it).
note verbose "Initializing runner"
init="$(recordErrors ade init --download-state)"
eval "$init"
if [[ -n "$(ls -A "$ADE_STORAGE")" ]]; then
    note verbose "Downloaded the environment state to $ADE_STORAGE"
fi

cd "$(dirname "$ADE_TEMPLATE_FILE")"
note verbose "Working in the definition folder $PWD"

# The operation's script: [operation].sh from the definition folder when custom deploy is on and it
# has one, else from the scripts folder.
script=""
if [[ "$ADE_ENABLE_CUSTOM_DEPLOY" == true ]]; then
    script="$(find "$PWD" -maxdepth 1 -type f -iname "$ADE_OPERATION_NAME.sh" | head -n 1)"
fi
if [[ -z "$script" ]]; then
    script="$(find "$ADE_SCRIPTS_DIR" -maxdepth 1 -type f -iname "$ADE_OPERATION_NAME.sh" | head -n 1)"
fi
if [[ -z "$script" ]]; then
    fail "Operation $ADE_OPERATION_NAME is not supported: no $ADE_OPERATION_NAME.sh in $ADE_SCRIPTS_DIR."
fi
if [[ ! -x "$script" ]]; then
    fail "Script $script is not marked as executable."
fi

note verbose "Executing $script"
recordErrors ade execute --operation "$ADE_OPERATION_NAME" --command "$script"
