#!/usr/bin/env bash
# Runs "$@" in a private D-Bus session whose gnome-keyring collection exists but is LOCKED
# (created unlocked, then the daemon is replaced without unlocking it).
set -euo pipefail
kr=$(mktemp -d -t airlock-locked-keyring.XXXXXX)
# no `exec` below: this trap must run (it left the folder in /tmp on every run); a folder a
# daemon is still writing into is reported, not made the exit status
trap 'rm -rf "$kr" || echo "locked-keyring.sh: could not remove $kr" >&2' EXIT
export XDG_DATA_HOME=$kr/data XDG_CACHE_HOME=$kr/cache XDG_CONFIG_HOME=$kr/config XDG_RUNTIME_DIR=$kr/run
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
status=0
dbus-run-session -- sh -c '
  printf %s pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  "$NODE" -e "require(\"keytar\").setPassword(\"airlock-lock-probe\", \"x\", \"y\")"
  gnome-keyring-daemon --replace --components=secrets --daemonize >/dev/null 2>&1 </dev/null
  sleep 1
  exec "$@"' sh "$@" 2> >(grep -v -E "dbus-daemon|Gtk-WARNING|gcr-prompter|fd limit|^$" >&2) || status=$?
exit "$status"
