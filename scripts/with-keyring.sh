#!/usr/bin/env bash
# Runs "$@" inside a private D-Bus session with an unlocked, throw-away gnome-keyring,
# so keychain tests talk to a real Secret Service and leave nothing behind.
# No `exec` on the last step: the EXIT trap must still run to remove the temporary folder.
set -euo pipefail
kr=$(mktemp -d -t airlock-keyring.XXXXXX)
trap 'rm -rf "$kr"' EXIT
export XDG_DATA_HOME=$kr/data XDG_CACHE_HOME=$kr/cache XDG_CONFIG_HOME=$kr/config XDG_RUNTIME_DIR=$kr/run
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
status=0
dbus-run-session -- sh -c 'printf %s airlock-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' sh "$@" 2> >(grep -v 'Failed to set fd limit' >&2) || status=$?
exit "$status"
