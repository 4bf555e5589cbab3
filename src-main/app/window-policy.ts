/**
 * The security policy of the app's window as pure functions, so tests check it without an
 * Electron binary: where it may navigate (only the app's own page), which links leave for
 * the system browser (HTTPS to a short list of documentation hosts; anything else is
 * dropped), and which permission it gets. The web preferences are written out in main.ts,
 * where the static check reads them.
 */

/** Hosts whose HTTPS links open in the system browser (Airflow and provider docs, the SDKs). */
export const EXTERNAL_HOSTS: readonly string[] = [
  'airflow.apache.org',
  'github.com',
  'docs.aws.amazon.com',
  'learn.microsoft.com',
  'cloud.google.com',
  'developer.hashicorp.com',
  'www.astronomer.io'
]

/** Whether a link may be handed to the system browser. */
export function externalLinkAllowed(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    EXTERNAL_HOSTS.includes(parsed.hostname)
  )
}

/** Whether a navigation stays on the app's own page (`appUrl`: the built file or dev server). */
export function isAppUrl(url: string, appUrl: string, dev: boolean): boolean {
  if (dev) return url === appUrl || url.startsWith(appUrl.endsWith('/') ? appUrl : `${appUrl}/`)
  return url.split('#')[0] === appUrl
}

/** The one permission the renderer gets: writing the clipboard (copy, cleared later). */
export function permissionAllowed(permission: string): boolean {
  return permission === 'clipboard-sanitized-write'
}
