/**
 * AWS Signature Version 4 verification for the loopback AWS emulator (header-signed requests,
 * `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`), written from
 * AWS's own description of the signing process:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * (canonical request → string to sign → signing key → signature) and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html (credential scope,
 * X-Amz-Date, the 5-minute clock window, signed headers that must include `host`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** What the Authorization header names. */
export interface SigV4Credential {
  accessKeyId: string
  date: string
  region: string
  service: string
}

/** Why a request is refused; `type` is the error AWS answers with. */
export interface SigV4Failure {
  type:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'UnrecognizedClientException'
    | 'InvalidSignatureException'
  message: string
}

const AUTH = /^AWS4-HMAC-SHA256 (.+)$/
const SKEW_MS = 5 * 60 * 1000

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()

/** UriEncode as the signing page defines it: every byte but A-Z a-z 0-9 - _ . ~ escaped. */
export function uriEncode(text: string, keepSlash = false): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'))
  } catch {
    return text
  }
}

/** Parses the Authorization header; undefined when there is none at all. */
export function parseAuthorization(
  header: string | undefined
):
  | { credential: SigV4Credential; signedHeaders: string[]; signature: string }
  | SigV4Failure
  | undefined {
  if (!header) return undefined
  const m = AUTH.exec(header)
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
  const malformed: SigV4Failure = {
    type: 'IncompleteSignatureException',
    message: 'The request signature does not conform to AWS standards.'
  }
  if (!m) return malformed
  const parts = new Map<string, string>()
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !parts.has(k))
  if (missing.length)
    return {
      type: 'IncompleteSignatureException',
      message: missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ')
    }
  const scope = parts.get('Credential')!.split('/')
  if (scope.length !== 5 || scope[4] !== 'aws4_request') return malformed
  return {
    credential: {
      accessKeyId: scope[0]!,
      date: scope[1]!,
      region: scope[2]!,
      service: scope[3]!
    },
    signedHeaders: parts.get('SignedHeaders')!.split(';'),
    signature: parts.get('Signature')!
  }
}

/** The canonical request for `req` with `body`, over the headers it says it signed. */
export function canonicalRequest(
  req: IncomingMessage,
  body: Buffer,
  signedHeaders: readonly string[]
): string {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const rawPath = q < 0 ? url : url.slice(0, q)
  // Services other than S3 encode each path segment twice: the client sent it encoded once.
  const path =
    rawPath
      .split('/')
      .map((s) => uriEncode(s))
      .join('/') || '/'
  const query = (q < 0 ? '' : url.slice(q + 1))
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=')
      const key = eq < 0 ? pair : pair.slice(0, eq)
      const value = eq < 0 ? '' : pair.slice(eq + 1)
      return [uriEncode(decode(key)), uriEncode(decode(value))] as const
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const values = new Map<string, string[]>()
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase()
    const list = values.get(name) ?? []
    list.push(req.rawHeaders[i + 1]!.trim().replace(/ +/g, ' '))
    values.set(name, list)
  }
  const headers = signedHeaders.map((h) => `${h}:${(values.get(h) ?? []).join(',')}\n`).join('')
  // The hash of the bytes that arrived (JSON and query services), whatever a header claims.
  const payload = sha256(body)
  return [req.method ?? 'GET', path, query, headers, signedHeaders.join(';'), payload].join('\n')
}

/** The signature of `stringToSign` with the key derived from `secret` and the scope. */
export function sign(secret: string, credential: SigV4Credential, stringToSign: string): string {
  const kDate = hmac(`AWS4${secret}`, credential.date)
  const kRegion = hmac(kDate, credential.region)
  const kService = hmac(kRegion, credential.service)
  const kSigning = hmac(kService, 'aws4_request')
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex')
}

/** `YYYYMMDDTHHMMSSZ` → milliseconds, or NaN. */
function amzDateMs(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!m) return NaN
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
}

const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z'

/**
 * Checks `req`'s signature. `secretFor` gives the secret key of an access key id (undefined:
 * not a key this account knows). Returns the credential scope, or why AWS would refuse.
 */
export function verifySigV4(
  req: IncomingMessage,
  body: Buffer,
  secretFor: (accessKeyId: string) => string | undefined,
  now = Date.now()
):
  | { ok: true; credential: SigV4Credential }
  | ({ ok: false; credential?: SigV4Credential } & SigV4Failure) {
  const parsed = parseAuthorization(req.headers.authorization)
  if (!parsed)
    return {
      ok: false,
      type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token'
    }
  if ('type' in parsed) return { ok: false, ...parsed }
  const { credential, signedHeaders, signature } = parsed
  const secret = secretFor(credential.accessKeyId)
  if (secret === undefined)
    return {
      ok: false,
      credential,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.'
    }
  const dateHeader = (req.headers['x-amz-date'] as string | undefined) ?? ''
  const when = amzDateMs(dateHeader)
  if (Number.isNaN(when))
    return {
      ok: false,
      credential,
      type: 'IncompleteSignatureException',
      message: `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`
    }
  if (!signedHeaders.includes('host'))
    return {
      ok: false,
      credential,
      type: 'InvalidSignatureException',
      message: `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`
    }
  if (dateHeader.slice(0, 8) !== credential.date)
    return {
      ok: false,
      credential,
      type: 'InvalidSignatureException',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${credential.date}' != '${dateHeader.slice(0, 8)}', from '${dateHeader}'.`
    }
  if (when < now - SKEW_MS || when > now + SKEW_MS)
    return {
      ok: false,
      credential,
      type: 'InvalidSignatureException',
      message:
        when < now - SKEW_MS
          ? `Signature expired: ${dateHeader} is now earlier than ${amzDate(now - SKEW_MS)} (${amzDate(now)} - 5 min.)`
          : `Signature not yet current: ${dateHeader} is still later than ${amzDate(now + SKEW_MS)} (${amzDate(now)} + 5 min.)`
    }
  const scope = `${credential.date}/${credential.region}/${credential.service}/aws4_request`
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    dateHeader,
    scope,
    sha256(canonicalRequest(req, body, signedHeaders))
  ].join('\n')
  const expected = Buffer.from(sign(secret, credential, stringToSign))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return {
      ok: false,
      credential,
      type: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
    }
  return { ok: true, credential }
}
