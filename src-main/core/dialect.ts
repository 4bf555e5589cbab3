/**
 * The three behaviours of Airflow's connection code, as data. Sources (apache/airflow):
 * `airflow/models/connection.py` (2.x), `airflow-core/src/airflow/models/connection.py`
 * (3.x core) and `task-sdk/src/airflow/sdk/definitions/connection.py` (3.x workers).
 */
import type { Dialect } from './model'

/** What differs between dialects; everything else is shared code. */
export interface DialectRules {
  /** Human label: which Airflow versions behave this way. */
  readonly label: string
  /** get_uri(): a host `proto://…` whose proto equals conn_type is kept whole (#51953). */
  readonly keepHostProtocolMatchingConnType: boolean
  /** URI parse: each query value goes through json.loads when it can (#59339). */
  readonly jsonDecodeQueryValues: boolean
  /** get_uri(): port emitted when not None (SDK) rather than when truthy (core). */
  readonly emitPortZero: boolean
  /** The ORM password setter ignores falsy values (core), the SDK keeps `''`. */
  readonly emptyPasswordBecomesNull: boolean
  /** A non-object or non-JSON extra: warned about (2.x), rejected (3.x core), accepted (SDK). */
  readonly extraValidation: 'warn' | 'raise' | 'none'
  /** from_json port: core does `if port: int(port)`; the SDK coerces and range-checks. */
  readonly fromJsonPort: 'truthy-int' | 'strict'
  /** The constructor's "can't mix uri and fields" test: truthy fields (core) or any key (SDK). */
  readonly mixCheck: 'truthy-fields' | 'any-key'
  /** `uri` given: core parses when truthy, the SDK when not None. */
  readonly uriWhen: 'truthy' | 'not-none'
  /** from_json accepts a `team_name` key (core 3.2+ multi-team). */
  readonly teamName: boolean
}

/** Each dialect's rules. */
export const DIALECT_RULES: Readonly<Record<Dialect, DialectRules>> = {
  airflow2: {
    label: 'Airflow 2.3–2.11 and core 3.0.0–3.1.5 (query values stay strings)',
    keepHostProtocolMatchingConnType: false,
    jsonDecodeQueryValues: false,
    emitPortZero: false,
    emptyPasswordBecomesNull: true,
    extraValidation: 'warn',
    fromJsonPort: 'truthy-int',
    mixCheck: 'truthy-fields',
    uriWhen: 'truthy',
    teamName: false
  },
  airflow3: {
    label: 'Airflow core 3.1.6+ and 3.2+ (API server, scheduler, CLI, metadata DB)',
    keepHostProtocolMatchingConnType: true,
    jsonDecodeQueryValues: true,
    emitPortZero: false,
    emptyPasswordBecomesNull: true,
    extraValidation: 'raise',
    fromJsonPort: 'truthy-int',
    mixCheck: 'truthy-fields',
    uriWhen: 'truthy',
    teamName: true
  },
  'task-sdk': {
    label: 'Airflow 3 Task SDK (workers)',
    keepHostProtocolMatchingConnType: true,
    jsonDecodeQueryValues: false,
    emitPortZero: true,
    emptyPasswordBecomesNull: false,
    extraValidation: 'none',
    fromJsonPort: 'strict',
    mixCheck: 'any-key',
    uriWhen: 'not-none',
    teamName: false
  }
}

/** Parses a `--dialect` value; undefined when unknown. */
export function parseDialect(text: string): Dialect | undefined {
  return Object.hasOwn(DIALECT_RULES, text) ? (text as Dialect) : undefined
}
