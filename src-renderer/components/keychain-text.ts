/**
 * Main's "no persistent keychain" warning, as the app says it. Main words its ways out for
 * every surface (a terminal's `airlock keystore init`, an environment variable); the app has its
 * own way out — the passphrase field below the warning — and never tells anyone to run a
 * command. The first line (why there is no keychain) is kept as main wrote it.
 */
export function appKeychainWarning(warning: string): string {
  return warning
    .split('\n')
    .map((line) => {
      if (line.startsWith('Ways out:'))
        return "Ways out: start or unlock your desktop's keychain and open Airlock again, or type a passphrase below to create a passphrase store."
      const exists = /^(A passphrase store exists at .*?): to use it\b/.exec(line)
      if (exists) return `${exists[1]}: enter its passphrase below to use it.`
      return line
    })
    .join('\n')
}
