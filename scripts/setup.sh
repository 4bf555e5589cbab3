#!/usr/bin/env bash
# Installs everything Airlock needs on a fresh Debian 12 machine:
# system packages (apt) and the npm dependencies from the lockfile.
# Safe to run again; it never downloads binaries outside apt and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libsecret-1-dev       # keytar builds against it
  gnome-keyring dbus dbus-x11  # a real Secret Service for keychain tests
  chromium              # Playwright drives Debian's Chromium (no browser download)
  xvfb                  # a display for headed runs and screenshots
  python3-cryptography python3-yaml  # oracles for Fernet and YAML tests; the core benchmark anchor
  postgresql-client mariadb-client  # psql / mysql for tests and benchmarks
  # Real clients for the interop suite (test/integration/interop): Vault, AWS, Azure Key Vault.
  python3-hvac python3-boto3 awscli python3-azure
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && ! command -v apt-get >/dev/null; then
  # Not Debian: install the equivalents by hand. Tests whose tools are missing say so when they
  # skip (the interop suite names the client it could not find).
  echo "setup: no apt-get here; install the equivalents of: ${missing[*]}" >&2
elif [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Electron's binary and Playwright's browsers cannot be downloaded here; never try.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  # The Node 24 that npm scripts run under is this platform's `node-<os>-<arch>` package, an
  # optional dependency pinned with its sha512 in package-lock.json (docs/build-security.md),
  # so `npm ci` checks it like every other package. Native modules (keytar) are built against
  # the headers it ships, never downloaded: node-gyp would otherwise fetch headers, which fails
  # offline and without a user npm config naming a nodedir. So: install without scripts, then
  # run every install script with nodedir pointing there, then our own prepare step.
  npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
  headers=$PWD/node_modules/node-$(uname -s | tr A-Z a-z)-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')
  [ -d "$headers/include/node" ] || { echo "setup: no Node headers in $headers" >&2; exit 1; }
  npm_config_nodedir=$headers npm rebuild --loglevel=error
  npm run --silent prepare
fi
echo "setup: done"
