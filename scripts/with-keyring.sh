#!/usr/bin/env bash
# Runs "$@" inside a private D-Bus session with an unlocked, throw-away gnome-keyring,
# so keychain tests talk to a real Secret Service and leave nothing behind.
# No `exec` on the last step: the EXIT trap must still run to remove the temporary folder.
#
# gnome-keyring-daemon runs in the foreground here, so it is the session's own child: started
# daemonised, it went on making its keyrings in the folder after "$@" had returned, and outlived
# the session; the EXIT trap's `rm -rf` then met a folder still being filled ("Directory not
# empty": exit status 1 under `set -e`, not that of "$@") or the daemon remade it afterwards.
# "$@" starts once the daemon owns the Secret Service name, and the daemon is stopped (and
# waited for) once "$@" is done.
set -euo pipefail
kr=$(mktemp -d -t airlock-keyring.XXXXXX)
# a folder that cannot be removed is reported; it does not replace the exit status of "$@"
trap 'rm -rf "$kr" || echo "with-keyring.sh: could not remove $kr" >&2' EXIT
export XDG_DATA_HOME=$kr/data XDG_CACHE_HOME=$kr/cache XDG_CONFIG_HOME=$kr/config XDG_RUNTIME_DIR=$kr/run
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
status=0
# shellcheck disable=SC2016 # expanded by the inner sh
dbus-run-session -- sh -c '
  printf %s airlock-test | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  daemon=$!
  tries=0
  until dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
    [ "$tries" -lt 200 ] && kill -0 "$daemon" 2>/dev/null || break
    sleep 0.05
    tries=$((tries + 1))
  done
  status=0
  "$@" || status=$?
  kill "$daemon" 2>/dev/null
  wait "$daemon" 2>/dev/null
  exit "$status"' sh "$@" 2> >(grep -v 'Failed to set fd limit' >&2) || status=$?
exit "$status"
