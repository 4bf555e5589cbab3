#!/usr/bin/env bash
# The whole test suite: every runner, then one closing line `N passed, N failed, N skipped`
# that counts every test that ran. Exit 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NO_PROXY=127.0.0.1,localhost
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0

# Built once here; the vitest and Playwright global setups skip their own build when told so.
if node scripts/build-cli.mjs; then export AIRLOCK_TEST_BUILT=1; else status=1; fi

# Vitest: unit (main, renderer) and integration projects, with a JSON report to count.
# Keychain tests need a Secret Service: run under a private D-Bus session with a
# throw-away, unlocked gnome-keyring when the tools exist (scripts/with-keyring.sh).
runner=()
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  runner=(bash scripts/with-keyring.sh)
fi
"${runner[@]}" npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" || status=1

# Playwright: the app in web mode (airlock serve on the demo) in Debian's Chromium, and the
# Electron tier (skipped where no Electron binary exists). Under the same throw-away keyring,
# since applying a plan needs an OS keychain. JSON report counted below.
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" "${runner[@]}" \
  npx playwright test --reporter=list,json </dev/null || status=1

node scripts/count-tests.mjs "$results" || status=1
exit $status
