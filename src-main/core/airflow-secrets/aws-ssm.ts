/**
 * How Airflow's `SystemsManagerParameterStoreBackend` names parameters (reference §12.3), as
 * pure functions: given the provider's `backend_kwargs` and an id, the exact parameter name
 * Airflow asks SSM Parameter Store for — or why it asks for none — plus Parameter Store's own
 * limits (names, hierarchy depth, value size and tier). Transcribed from
 * `providers/amazon/src/airflow/providers/amazon/aws/secrets/systems_manager.py`
 * (`__init__`, `_get_secret`, `_ensure_leading_slash`), `BaseSecretsBackend.build_path` and
 * the provider's tests (`providers/amazon/tests/unit/amazon/aws/secrets/test_systems_manager.py`).
 *
 * The rules, exactly:
 * - A prefix that is not null is `rstrip("/")`ped (so `"/"` becomes `""`); `null` turns that
 *   kind of lookup off. There is no `sep`: it is always `/`.
 * - `*_lookup_pattern`: as for Secrets Manager, Python `re.match(pattern, id, re.IGNORECASE)`
 *   when the pattern is truthy (see aws-secrets-manager.ts).
 * - Name: `build_path(prefix, id)` = `prefix + "/" + id`, then a `/` is put in front when the
 *   name does not start with one. So an empty prefix gives `/<id>`, and `airflow/connections`
 *   gives `/airflow/connections/<id>`.
 * - Read with `get_parameter(Name=…, WithDecryption=True)`; only ParameterNotFound reads as
 *   not found, every other error (a name the service refuses, access denied) is an error.
 * - The value is read as it is stored: URI or connection JSON for connections (through
 *   `deserialize_connection`, so `description` survives in JSON), raw text for variables.
 * - The AWS providers have no team-scoped names (the newest signature takes `team_name` and
 *   ignores it).
 *
 * Parameter Store's own rules (AWS API reference, PutParameter; "Parameter Store quotas"):
 * names are case-sensitive, of `a-zA-Z0-9_.-` and `/`, fully qualified (leading `/`) when
 * hierarchical, at most 15 levels and 1011 characters, and may not start with `aws` or `ssm`
 * (any case); values are 1 byte to 4 KB in the Standard tier and up to 8 KB in the Advanced
 * tier (which AWS charges for and never downgrades), and may not hold `{{…}}` (Parameter
 * Store does not nest parameters).
 */
/**
 * Where Airflow's SSM Parameter Store backend looks, and what it makes of a parameter's
 * value (reference §12.3). Source: `providers/amazon/src/airflow/providers/amazon/aws/
 * secrets/systems_manager.py` (`_get_secret`, `_ensure_leading_slash`) and
 * `BaseSecretsBackend.get_connection`: the value (read with decryption) is a URI or
 * connection JSON for connections, verbatim text for variables.
 */
import {
  parseLookupPatterns,
  type AwsLookup,
  type AwsLookupKind,
  type AwsNameReading,
  type LookupPattern,
  explainAwsLookup
} from './aws-secrets-manager'
import { awsIdsForName, awsLookup, awsPrefixOf } from './aws-secrets-manager'
import { pyRstrip } from '../codecs/py-str'
import { prefixKwargs } from './kwargs'
import { writtenLoss } from './written'
import { connectionEnvValue } from '../codecs/connection-value'
import { parseConnectionValue } from '../codecs/connection-json'
import type { ConnectionFields, Dialect } from '../model'
import { decodeText, decodeAfterExplain, type DecodeFn, type ExplainFn } from './types'

export type { AwsLookup, AwsLookupKind, AwsNameReading } from './aws-secrets-manager'

/** The provider's defaults for `backend_kwargs`. */
export const AWS_SSM_DEFAULTS = {
  connections_prefix: '/airflow/connections',
  variables_prefix: '/airflow/variables',
  config_prefix: '/airflow/config'
} as const

/** Largest value of a Standard-tier parameter, in bytes. */
export const SSM_STANDARD_MAX_BYTES = 4096
/** Largest value of an Advanced-tier parameter, in bytes. */
export const SSM_ADVANCED_MAX_BYTES = 8192
/** Deepest parameter hierarchy. */
export const SSM_MAX_LEVELS = 15
/** Longest parameter name (AWS counts it against the ARN form; see `ssmParameterNameProblem`). */
export const SSM_MAX_NAME_LENGTH = 1011

/** The naming part of `backend_kwargs`, as the backend's `__init__` leaves it. */
export interface AwsSsmNaming {
  /** After `rstrip("/")`; `null` = connections are not looked up here. */
  connectionsPrefix: string | null
  variablesPrefix: string | null
  configPrefix: string | null
  /** `null` = every id is looked up. */
  patterns: Readonly<Record<AwsLookupKind, LookupPattern | null>>
}

/**
 * Reads `backend_kwargs` (parsed JSON) the way `SystemsManagerParameterStoreBackend.__init__`
 * does. Throws a `usage` error for a prefix that is not text or null. AWS session kwargs
 * (`region_name`, `endpoint_url`, …) are ignored here.
 */
export function parseAwsSsmKwargs(kwargs: Readonly<Record<string, unknown>> = {}): AwsSsmNaming {
  const service = 'AWS SSM Parameter Store'
  return {
    ...prefixKwargs(kwargs, AWS_SSM_DEFAULTS, service, (v) =>
      v === null ? null : pyRstrip(v, '/')
    ),
    patterns: parseLookupPatterns(kwargs, service)
  }
}

/** The prefix configured for a kind (`null` = off). */
export function ssmPrefixOf(naming: AwsSsmNaming, kind: AwsLookupKind): string | null {
  return awsPrefixOf(naming, kind)
}

/** `_ensure_leading_slash(build_path(prefix, id))`. */
export function ssmParameterName(prefix: string, id: string): string {
  const path = `${prefix}/${id}`
  return path.startsWith('/') ? path : `/${path}`
}

/** What every name of a kind starts with: `ssmParameterName(prefix, "")`. */
export function ssmNameHead(prefix: string): string {
  return ssmParameterName(prefix, '')
}

/**
 * The `Path` that lists a kind with `GetParametersByPath` / DescribeParameters (`Recursive`):
 * the head without its trailing `/`, or `/` for an empty prefix.
 */
export function ssmListPath(prefix: string): string {
  const head = ssmNameHead(prefix)
  return head === '/' ? '/' : head.slice(0, -1)
}

/**
 * The parameter `get_conn_value` / `get_variable` / `get_config` asks for, or why it asks for
 * none (a null prefix, an id the lookup pattern excludes, a pattern Airflow cannot use).
 */
export function ssmLookup(naming: AwsSsmNaming, kind: AwsLookupKind, id: string): AwsLookup {
  return awsLookup(naming, kind, id, 'Parameter Store', ssmParameterName)
}

/**
 * Maps a listed parameter name back to the ids Airflow would answer from it: one reading per
 * enabled kind whose head starts it and whose lookup pattern lets the id through. More than
 * one reading is an ambiguity to report.
 */
export function ssmIdsForName(naming: AwsSsmNaming, name: string): AwsNameReading[] {
  return awsIdsForName(naming, name, ssmNameHead)
}

/**
 * Why Parameter Store refuses a parameter name, or undefined when it is valid. `arnPrefix`
 * (e.g. `arn:aws:ssm:eu-west-1:123456789012:parameter`) makes the length check count it, as
 * AWS documents; without it the name alone is measured.
 */
export function ssmParameterNameProblem(name: string, arnPrefix = ''): string | undefined {
  if (name.length === 0) return 'the parameter name is empty'
  const bad = [...new Set(name.replace(/[A-Za-z0-9_.\-/]/g, ''))].map((c) => JSON.stringify(c))
  if (bad.length)
    return `the parameter name holds ${bad.join(', ')} (Parameter Store allows only a-z, A-Z, 0-9, _ . - and /)`
  const length = arnPrefix.length + name.length
  if (length > SSM_MAX_NAME_LENGTH)
    return `the parameter name is ${length} characters long${arnPrefix ? ' with its ARN' : ''} (Parameter Store allows ${SSM_MAX_NAME_LENGTH})`
  if (name.includes('/') && !name.startsWith('/'))
    return 'a hierarchical parameter name must start with / (be fully qualified)'
  const segments = (name.startsWith('/') ? name.slice(1) : name).split('/')
  if (segments.some((s) => s === ''))
    return 'the parameter name has an empty level (a doubled or trailing /)'
  if (segments.length > SSM_MAX_LEVELS)
    return `the parameter name has ${segments.length} levels (Parameter Store allows ${SSM_MAX_LEVELS})`
  if (/^(aws|ssm)/i.test(segments[0]!))
    return 'the parameter name starts with "aws" or "ssm" (in any case), which Parameter Store reserves'
  return undefined
}

/** A Parameter Store tier. */
export type SsmTier = 'Standard' | 'Advanced'

/** Which tier a value needs, or why no tier holds it. */
export type SsmTierNeed =
  { tier: SsmTier; bytes: number } | { tier: null; bytes: number; problem: string }

/** UTF-8 length of a string (lone surrogates count as U+FFFD, as encoders write them). */
export function utf8Length(s: string): number {
  let n = 0
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
  }
  return n
}

/** The tier a value needs: Standard up to 4 KB, Advanced up to 8 KB (UTF-8 bytes). */
export function ssmTierFor(value: string): SsmTierNeed {
  const bytes = utf8Length(value)
  if (bytes === 0)
    return { tier: null, bytes, problem: 'Parameter Store cannot hold an empty value' }
  if (bytes <= SSM_STANDARD_MAX_BYTES) return { tier: 'Standard', bytes }
  if (bytes <= SSM_ADVANCED_MAX_BYTES) return { tier: 'Advanced', bytes }
  return {
    tier: null,
    bytes,
    problem: `the value takes ${bytes} bytes, over the ${SSM_ADVANCED_MAX_BYTES}-byte limit of the Advanced tier`
  }
}

/** Why Parameter Store refuses a value (other than its size), or undefined. */
export function ssmValueProblem(value: string): string | undefined {
  if (value === '') return 'Parameter Store cannot hold an empty value'
  if (/\{\{[\s\S]*\}\}/.test(value))
    return 'the value holds {{…}}, which Parameter Store refuses (parameters cannot nest other parameters); Jinja-style templates cannot be stored as they are'
  return undefined
}

/** `SystemsManagerParameterStoreBackend(**kwargs)` asked for an id. */
export const explainAwsSsm: ExplainFn = (kwargs, kind, key, options = {}) =>
  explainAwsLookup(ssmLookup(parseAwsSsmKwargs(kwargs), kind, key), key, options)

/** What the backend returns for a parameter value. */
export const decodeAwsSsm: DecodeFn = decodeAfterExplain(
  explainAwsSsm,
  (stored, _, kind, options) => decodeText(stored, 'SSM Parameter Store', kind, options)
)

/** The value written for a connection: URI when it round-trips in the dialect, else JSON. */
export function encodeSsmConnection(fields: ConnectionFields, dialect: Dialect): string {
  return connectionEnvValue(fields, dialect)
}

/** The fields a written connection loses when Airflow reads it back. */
export function ssmLostFields(fields: ConnectionFields, dialect: Dialect): string[] {
  return writtenLoss(
    fields,
    dialect,
    () => parseConnectionValue(encodeSsmConnection(fields, dialect), dialect).value
  )
}
