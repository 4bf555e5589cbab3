/**
 * The profile form's fields, per kind and credential method, described once: the app renders
 * its form from them (`app:info`), and adding or editing a profile — from the app or the CLI —
 * checks the profile against them, naming the field it refuses. Pure data and functions.
 */
import type { ProfileFieldSpec, ProfileKindId } from '../contract/providers'
import { VAULT_KUBERNETES_JWT_PATH } from './airflow-secrets/vault'

/**
 * AWS regions, for the region list of the AWS profiles. A region AWS opens later is still
 * taken when it is spelled like one ({@link AWS_REGION_PATTERN}).
 */
export const AWS_REGIONS: readonly { value: string; label: string }[] = [
  ['us-east-1', 'US East (N. Virginia)'],
  ['us-east-2', 'US East (Ohio)'],
  ['us-west-1', 'US West (N. California)'],
  ['us-west-2', 'US West (Oregon)'],
  ['af-south-1', 'Africa (Cape Town)'],
  ['ap-east-1', 'Asia Pacific (Hong Kong)'],
  ['ap-south-1', 'Asia Pacific (Mumbai)'],
  ['ap-south-2', 'Asia Pacific (Hyderabad)'],
  ['ap-southeast-1', 'Asia Pacific (Singapore)'],
  ['ap-southeast-2', 'Asia Pacific (Sydney)'],
  ['ap-southeast-3', 'Asia Pacific (Jakarta)'],
  ['ap-southeast-4', 'Asia Pacific (Melbourne)'],
  ['ap-southeast-5', 'Asia Pacific (Malaysia)'],
  ['ap-southeast-7', 'Asia Pacific (Thailand)'],
  ['ap-northeast-1', 'Asia Pacific (Tokyo)'],
  ['ap-northeast-2', 'Asia Pacific (Seoul)'],
  ['ap-northeast-3', 'Asia Pacific (Osaka)'],
  ['ca-central-1', 'Canada (Central)'],
  ['ca-west-1', 'Canada West (Calgary)'],
  ['eu-central-1', 'Europe (Frankfurt)'],
  ['eu-central-2', 'Europe (Zurich)'],
  ['eu-west-1', 'Europe (Ireland)'],
  ['eu-west-2', 'Europe (London)'],
  ['eu-west-3', 'Europe (Paris)'],
  ['eu-south-1', 'Europe (Milan)'],
  ['eu-south-2', 'Europe (Spain)'],
  ['eu-north-1', 'Europe (Stockholm)'],
  ['il-central-1', 'Israel (Tel Aviv)'],
  ['me-south-1', 'Middle East (Bahrain)'],
  ['me-central-1', 'Middle East (UAE)'],
  ['mx-central-1', 'Mexico (Central)'],
  ['sa-east-1', 'South America (São Paulo)'],
  ['us-gov-east-1', 'AWS GovCloud (US-East)'],
  ['us-gov-west-1', 'AWS GovCloud (US-West)'],
  ['cn-north-1', 'China (Beijing)'],
  ['cn-northwest-1', 'China (Ningxia)']
].map(([value, label]) => ({ value: value!, label: `${value} — ${label}` }))

/** How an AWS region is spelled (`eu-west-1`, `us-gov-east-1`). */
export const AWS_REGION_PATTERN = '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$'

/** What the form calls each credential method. */
export const METHOD_LABELS: Readonly<Record<ProfileKindId, Readonly<Record<string, string>>>> = {
  metadb: { password: 'Password', none: 'No password (SQLite, trust or peer auth)' },
  vault: { token: 'Token', approle: 'AppRole', kubernetes: 'Kubernetes (service account)' },
  'aws-secrets-manager': awsMethodLabels(),
  'aws-ssm': awsMethodLabels(),
  'azure-key-vault': {
    'client-secret': 'Service principal (client secret)',
    default: 'DefaultAzureCredential (environment, managed identity, az login)'
  },
  'gcp-secret-manager': {
    'service-account-key': 'Service account key (JSON)',
    'key-file': 'Service account key file',
    adc: 'Application default credentials'
  }
}

function awsMethodLabels(): Record<string, string> {
  return {
    'default-chain': 'Default chain (environment, ~/.aws, instance role)',
    profile: 'Named profile (~/.aws/config)',
    static: 'Access key',
    'assume-role': 'Assume a role'
  }
}

function field(
  store: ProfileFieldSpec['store'],
  name: string,
  label: string,
  rest: Partial<ProfileFieldSpec> = {}
): ProfileFieldSpec {
  return {
    id: store === 'url' || store === 'region' ? store : `${store}.${name}`,
    store,
    name,
    label,
    type: store === 'secret' ? 'password' : 'text',
    required: false,
    ...rest
  }
}

function prefixFields(connections: string, variables: string): ProfileFieldSpec[] {
  return [
    field('kwarg', 'connections_prefix', 'Connections prefix', {
      placeholder: connections,
      help: `Default ${connections}.`
    }),
    field('kwarg', 'variables_prefix', 'Variables prefix', {
      placeholder: variables,
      help: `Default ${variables}.`
    })
  ]
}

function awsFields(connections: string, variables: string): ProfileFieldSpec[] {
  return [
    field('region', 'region', 'Region', {
      type: 'select',
      options: [...AWS_REGIONS],
      pattern: AWS_REGION_PATTERN,
      help: "Default: the SDK's region (AWS_REGION, ~/.aws/config)."
    }),
    field('url', 'url', 'Endpoint URL', {
      placeholder: 'https://vpce-….amazonaws.com',
      help: "A VPC endpoint or a local emulator; default: AWS's own."
    }),
    field('param', 'profile_name', 'AWS profile name', {
      required: true,
      methods: ['profile'],
      placeholder: 'prod'
    }),
    field('param', 'role_arn', 'Role ARN', {
      required: true,
      methods: ['assume-role'],
      placeholder: 'arn:aws:iam::123456789012:role/airflow-secrets'
    }),
    field('param', 'access_key_id', 'Access key ID', {
      required: true,
      methods: ['static'],
      placeholder: 'AKIA…'
    }),
    field('param', 'access_key_id', 'Access key ID', {
      methods: ['assume-role'],
      help: 'Base credentials for the role; default: the source profile or the default chain.'
    }),
    field('secret', 'secretAccessKey', 'Secret access key', {
      required: true,
      methods: ['static']
    }),
    field('secret', 'secretAccessKey', 'Secret access key', { methods: ['assume-role'] }),
    field('secret', 'sessionToken', 'Session token', {
      methods: ['static', 'assume-role'],
      help: 'Only for temporary credentials.'
    }),
    field('param', 'source_profile', 'Source profile', {
      methods: ['assume-role'],
      help: 'A named profile for the base credentials, instead of an access key.'
    }),
    field('param', 'role_session_name', 'Session name', {
      methods: ['assume-role'],
      placeholder: 'airlock'
    }),
    field('param', 'external_id', 'External ID', { methods: ['assume-role'] }),
    field('param', 'duration_seconds', 'Session duration (seconds)', {
      type: 'number',
      methods: ['assume-role'],
      min: 900,
      max: 43_200,
      placeholder: '3600'
    }),
    field('param', 'sts_endpoint', 'STS endpoint', { methods: ['assume-role'] }),
    ...prefixFields(connections, variables)
  ]
}

/** Every kind's fields, in form order. */
export const PROFILE_FIELDS: Readonly<Record<ProfileKindId, readonly ProfileFieldSpec[]>> = {
  metadb: [
    field('url', 'url', 'Database URL', {
      required: true,
      placeholder: 'postgresql://airflow@db/airflow',
      help: "Airflow's sql_alchemy_conn without its password (sqlite:////path/airflow.db for SQLite)."
    }),
    field('secret', 'password', 'Database password', { required: true, methods: ['password'] }),
    field('secret', 'fernetKey', 'Fernet key', {
      help: "Airflow's [core] fernet_key: needed for encrypted passwords and extras."
    })
  ],
  vault: [
    field('url', 'url', 'Vault URL', {
      required: true,
      placeholder: 'https://vault.example.com:8200',
      orKwargs: ['url']
    }),
    field('kwarg', 'mount_point', 'Mount point', {
      placeholder: 'secret',
      help: 'Default secret.'
    }),
    field('kwarg', 'kv_engine_version', 'KV version', {
      type: 'select',
      numeric: true,
      options: [
        { value: '2', label: 'KV version 2' },
        { value: '1', label: 'KV version 1' }
      ]
    }),
    field('secret', 'token', 'Vault token', {
      required: true,
      methods: ['token'],
      orKwargs: ['token_path']
    }),
    field('param', 'role_id', 'Role ID', {
      required: true,
      methods: ['approle'],
      orKwargs: ['role_id']
    }),
    field('secret', 'secretId', 'Secret ID', { methods: ['approle'] }),
    field('kwarg', 'auth_mount_point', 'AppRole mount', {
      methods: ['approle'],
      placeholder: 'approle',
      help: 'Default approle.'
    }),
    field('kwarg', 'kubernetes_role', 'Kubernetes role', {
      required: true,
      methods: ['kubernetes'],
      placeholder: 'airflow',
      help: 'The Vault role bound to the service account.'
    }),
    field('kwarg', 'kubernetes_jwt_path', 'Service-account token file', {
      methods: ['kubernetes'],
      placeholder: VAULT_KUBERNETES_JWT_PATH,
      help: 'Default: the pod’s service-account token, …/serviceaccount/token. Read at each login, never stored.'
    }),
    field('kwarg', 'auth_mount_point', 'Kubernetes auth mount', {
      methods: ['kubernetes'],
      placeholder: 'kubernetes',
      help: 'Default kubernetes.'
    }),
    field('kwarg', 'namespace', 'Namespace', {
      help: 'Vault Enterprise: sent as X-Vault-Namespace.'
    }),
    field('kwarg', 'connections_path', 'Connections path', {
      placeholder: 'connections',
      help: 'Default connections.'
    }),
    field('kwarg', 'variables_path', 'Variables path', {
      placeholder: 'variables',
      help: 'Default variables.'
    })
  ],
  'aws-secrets-manager': awsFields('airflow/connections', 'airflow/variables'),
  'aws-ssm': awsFields('/airflow/connections', '/airflow/variables'),
  'azure-key-vault': [
    field('url', 'url', 'Vault URL', {
      required: true,
      placeholder: 'https://NAME.vault.azure.net',
      orKwargs: ['vault_url']
    }),
    field('param', 'tenant_id', 'Tenant ID', { required: true, methods: ['client-secret'] }),
    field('param', 'client_id', 'Client ID', { required: true, methods: ['client-secret'] }),
    field('secret', 'clientSecret', 'Client secret', {
      required: true,
      methods: ['client-secret']
    }),
    ...prefixFields('airflow-connections', 'airflow-variables')
  ],
  'gcp-secret-manager': [
    field('kwarg', 'project_id', 'Project ID', { help: "Default: the credentials' project." }),
    field('secret', 'serviceAccountKey', 'Service account key (JSON)', {
      required: true,
      methods: ['service-account-key'],
      help: 'Paste the key file’s JSON; it is kept in the keychain.'
    }),
    field('kwarg', 'gcp_key_path', 'Key file', {
      required: true,
      methods: ['key-file'],
      placeholder: '/path/to/service-account.json'
    }),
    ...prefixFields('airflow-connections', 'airflow-variables')
  ]
}

/** The fields a kind shows for one credential method, in form order. */
export function fieldsOf(kind: ProfileKindId, method: string): ProfileFieldSpec[] {
  return PROFILE_FIELDS[kind].filter((f) => !f.methods || f.methods.includes(method))
}

/** Whether a kind's method asks for a secret without requiring it (AWS's session token). */
export function secretIsOptional(kind: ProfileKindId, method: string, secret: string): boolean {
  const spec = fieldsOf(kind, method).find((f) => f.store === 'secret' && f.name === secret)
  return spec !== undefined && !spec.required
}

/** A field a profile does not fill as its spec asks. */
export interface ProfileFieldProblem {
  fieldId: string
  /** `Vault URL (--url) is required`: the field's label and where the CLI takes it. */
  message: string
}

/** The profile's parts the fields read (secrets are never checked here: they stay unseen). */
export interface ProfileFieldValues {
  url: string | null
  region: string | null
  params: Readonly<Record<string, string>>
  backendKwargs: Readonly<Record<string, unknown>>
}

/** How the CLI names where a field goes. */
function place(spec: ProfileFieldSpec): string {
  switch (spec.store) {
    case 'url':
      return '--url'
    case 'region':
      return '--region'
    case 'param':
      return `--param ${spec.name}`
    case 'kwarg':
      return `backend_kwargs ${spec.name}`
    case 'secret':
      return 'keychain'
  }
}

function valueOf(spec: ProfileFieldSpec, p: ProfileFieldValues): unknown {
  switch (spec.store) {
    case 'url':
      return p.url
    case 'region':
      return p.region
    case 'param':
      return p.params[spec.name]
    case 'kwarg':
      return p.backendKwargs[spec.name]
    case 'secret':
      return undefined
  }
}

const empty = (v: unknown) => v === undefined || v === null || v === ''

/**
 * What is wrong with a profile's plain fields for its kind and method: a required one empty,
 * a number out of range, a choice not offered, a credential parameter the method does not take.
 * Empty when it is fine. Secrets are not checked (a profile may get them later).
 */
export function profileFieldProblems(
  kind: ProfileKindId,
  method: string,
  values: ProfileFieldValues,
  methodParams: readonly string[]
): ProfileFieldProblem[] {
  const problems: ProfileFieldProblem[] = []
  const say = (spec: ProfileFieldSpec, what: string) =>
    problems.push({ fieldId: spec.id, message: `${spec.label} (${place(spec)}) ${what}` })
  for (const spec of fieldsOf(kind, method)) {
    if (spec.store === 'secret') continue
    const value = valueOf(spec, values)
    if (empty(value)) {
      const stand = (spec.orKwargs ?? []).some((k) => !empty(values.backendKwargs[k]))
      if (spec.required && !stand) say(spec, 'is required')
      continue
    }
    if (spec.type === 'number' || spec.numeric) {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN
      if (!Number.isInteger(n)) {
        say(spec, 'must be a whole number')
        continue
      }
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        say(spec, `must be from ${spec.min ?? '…'} to ${spec.max ?? '…'}`)
        continue
      }
    }
    if (spec.type === 'select' && spec.options) {
      const text = String(value)
      const offered = spec.options.some((o) => o.value === text)
      const spelled = spec.pattern !== undefined && new RegExp(spec.pattern).test(text)
      if (!offered && !spelled)
        say(
          spec,
          spec.pattern
            ? `is not a known one (e.g. ${spec.options[0]?.value ?? ''})`
            : `must be one of ${spec.options.map((o) => o.value).join(', ')}`
        )
    }
  }
  for (const name of Object.keys(values.params))
    if (!methodParams.includes(name))
      problems.push({
        fieldId: `param.${name}`,
        message: methodParams.length
          ? `--param ${name} is not a parameter of the ${method} credential method (it takes ${methodParams.join(', ')})`
          : `--param ${name}: the ${method} credential method takes no parameters`
      })
  return problems
}
