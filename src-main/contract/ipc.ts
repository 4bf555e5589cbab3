/**
 * The contract between main and renderer (STYLE §3): channel names, what each takes and
 * returns, the zod schema that checks each request, and the result envelope. Shared by
 * Electron IPC and the loopback web mode (`airlock serve`), which serve one handler table.
 *
 * Secrets: masked values travel as `'***'`; a value is sent to the renderer only by the
 * explicit `entries:reveal` / `entries:copy`; profile secrets go in (add/edit) and never out.
 */
import { z } from 'zod'
import type { ErrorDto } from './errors'
import { MAX_KWARGS_BYTES, MAX_KWARGS_DEPTH } from './kwargs-limits'
import { PROFILE_KIND_IDS, type ProfileFieldSpec, type ProfileKindId } from './providers'

export { MAX_KWARGS_BYTES, MAX_KWARGS_DEPTH }

/** Every invoke channel, `area:verb`. */
export const Channel = {
  appInfo: 'app:info',
  keychainStatus: 'keychain:status',
  keychainUnlock: 'keychain:unlock',
  profilesList: 'profiles:list',
  profilesAdd: 'profiles:add',
  profilesEdit: 'profiles:edit',
  profilesTest: 'profiles:test',
  profilesRemove: 'profiles:remove',
  profilesRename: 'profiles:rename',
  profilesImport: 'profiles:import',
  entriesList: 'entries:list',
  entriesReveal: 'entries:reveal',
  entriesCopy: 'entries:copy',
  effectiveResolve: 'effective:resolve',
  storesCompare: 'stores:compare',
  jobsPlan: 'jobs:plan',
  jobsSavePlan: 'jobs:save-plan',
  jobsApply: 'jobs:apply',
  jobsList: 'jobs:list',
  jobsCancel: 'jobs:cancel',
  jobsResume: 'jobs:resume',
  jobsRollback: 'jobs:rollback',
  jobsConfirmation: 'jobs:confirmation',
  jobsDetail: 'jobs:detail',
  jobsRetryFailed: 'jobs:retry-failed',
  auditList: 'audit:list',
  jobsPlanItem: 'jobs:plan-item',
  jobsPlanItemReveal: 'jobs:plan-item-reveal',
  exportWrite: 'export:write',
  fsComplete: 'fs:complete',
  dialogOpenFile: 'dialog:open-file'
} as const

/** Every event channel main pushes to the renderer. */
export const EventChannel = { jobsProgress: 'jobs:progress' } as const

/** The largest request a transport accepts, in bytes of JSON. */
export const MAX_REQUEST_BYTES = 256 * 1024

/** The deepest nesting of a whole request: the kwargs' limit plus the request's own levels. */
export const MAX_REQUEST_DEPTH = MAX_KWARGS_DEPTH + 8

/** The value every masked secret travels as. */
export const MASKED = '***'

// ---- DTOs ----------------------------------------------------------------------------

/** What the running Airlock reports about itself. */
export interface AppInfoDto {
  version: string
  /** The connection dialects Airlock models, with the Airflow versions each stands for. */
  dialects: { id: string; label: string }[]
  /** `electron` in the desktop app, `web` under `airlock serve`. */
  mode: 'electron' | 'web'
  /**
   * Each profile kind's credential methods, the secrets each method asks for and what the
   * profile form calls those secrets.
   */
  profileKinds: {
    kind: ProfileKindDto
    /** The service's name as its vendor writes it. */
    label: string
    /** The labelled fields of the profile form, per credential method (core/profile-fields.ts). */
    fields: ProfileFieldSpec[]
    methods: { method: string; label: string; secrets: string[]; params: string[] }[]
    secretLabels: Record<string, string>
  }[]
}

/** Where profile secrets are kept. */
export interface KeychainStatusDto {
  kind: 'os' | 'passphrase' | 'memory'
  /** Why no persistent store is in use (secrets are then kept for this run only). */
  warning: string | null
  /** The passphrase store's file when `kind` is `passphrase`. */
  location?: string
}

/** A profile without its secrets: which secrets are stored is all that is said of them. */
export interface ProfileDto {
  name: string
  kind: ProfileKindDto
  url: string | null
  region: string | null
  airflowVersion: string | null
  credential: { method: string; params: Record<string, string> }
  backendKwargs: Record<string, unknown>
  /** Each secret the method asks for: stored, or not — `optional` when the method can do without. */
  secrets: Record<string, 'stored' | 'missing' | 'optional'>
  /** Jobs (kept in the job store) whose source or target is this profile. */
  usedByJobs?: number
  /** Ids of the jobs that wrote to this profile (its target), newest first. */
  targetJobIds?: string[]
  /** Production: apply and rollback into it need its name typed (`confirm`); absent: no. */
  protected?: boolean
  updatedAt: string
}

/** The kinds of store a profile can point at (contract/providers.ts). */
export { PROFILE_KIND_IDS }
/** One of them. */
export type ProfileKindDto = ProfileKindId

/** What `profiles:test` found (writes nothing). */
export interface ProfileTestDto {
  ok: boolean
  connections: number
  variables: number
  error: ErrorDto | null
  /** Time to connect and list, in milliseconds (absent in older answers). */
  latencyMs?: number
  /** When the test ran (ISO). */
  testedAt?: string
}

/** What `profiles:import` made of an airflow.cfg (and the environment Airlock runs in). */
export interface ProfileImportDto {
  /** The airflow.cfg read (Airflow's own default location when none was named). */
  path: string
  profiles: ProfileDto[]
  /** What in the file could not be used, in the file's terms (no values). */
  problems: string[]
}

/**
 * An entry as the renderer sees it: secret fields masked. Absent means empty: a null `team`,
 * `type` or `fromKey`, a null field and an empty `secretFields` are left out of the answer
 * (50 000 entries: their nulls were a sixth of its 11.9 MB).
 */
export interface EntryDto {
  kind: 'connection' | 'variable'
  id: string
  team?: string
  /** conn_type for connections (absent where it is null); absent for variables. */
  type?: string
  /**
   * Connections: `conn_type`, `description`, `host`, `login`, `password` (`'***'`), `schema`,
   * `port`, `extra` (sensitive extras masked). Variables: `value` (`'***'`), `description`.
   * A field absent here is null; an empty string is kept (Airflow tells '' from NULL).
   */
  fields: Partial<Record<string, string | number>>
  /** The fields `entries:reveal` can show; absent when none. */
  secretFields?: string[]
  /** The key the store holds it under (`AIRFLOW_CONN_X`); absent where it has none. */
  fromKey?: string
}

/** One entry a store could not read (a decrypt failure, a bad value): id and reason only. */
export interface EntryProblemDto {
  kind: 'connection' | 'variable'
  id: string
  code: string
  message: string
}

/** What a store holds, masked. */
export interface EntriesDto {
  storeId: string
  entries: EntryDto[]
  problems: EntryProblemDto[]
}

/** One layer of a runtime and what was learned of it. */
export interface LayerDto {
  role: string
  label: string
  /** The store put behind this layer (redacted as the user gave it), or null. */
  locator: string | null
  state: 'loaded' | 'failed' | 'not-inspected'
  storeId: string | null
  error: string | null
}

/**
 * One layer's answer for one id: fields that differ from the winner by name, never values.
 * What is empty is left out (50 000 ids × their layers: a third of the answer's bytes).
 */
export interface VerdictDto {
  status: 'wins' | 'shadowed' | 'absent' | 'unreadable' | 'failed' | 'not-inspected'
  /** The key the layer holds the id under; absent where it holds none. */
  fromKey?: string
  /**
   * For `shadowed`: the fields whose values differ from the winner's, by name, in the order of
   * `EffectiveDto.fields`; absent where none differ (the layer holds the same value) and for
   * every other status.
   */
  differs?: string[]
  /** Why a layer failed or is unreadable; absent otherwise. */
  message?: string
}

/** Where Airflow reads one id from. */
export interface EffectiveItemDto {
  kind: 'connection' | 'variable'
  id: string
  winner: number | null
  layers: VerdictDto[]
  /** Absent when there are none. */
  notes?: string[]
  /**
   * With `ids` in the request: per layer, what Airflow asks that layer for this id (e.g.
   * `{ name: 'AIRFLOW_CONN_X', store: 'env:' }`, a table and column, a secret's path), as
   * `airlock effective --json` prints it; null where Airlock does not model the lookup.
   */
  lookups?: (Record<string, unknown> | null)[]
}

/** The effective view of a runtime. */
export interface EffectiveDto {
  model: string
  label: string
  /** What the runtime's resolution wants the user to know (layers it could not fill). */
  notes: string[]
  layers: LayerDto[]
  /** The fields every shadowed layer is compared on with the winner, per kind, in order. */
  fields: { connection: string[]; variable: string[] }
  items: EffectiveItemDto[]
}

/**
 * One item of a plan: ids, action, field names that change, warnings. What is empty is left out
 * (50 000 items × their fields: more than half the answer's bytes): the signed plan file and
 * `airlock plan --json` keep every field (core/plan.ts).
 */
export interface PlanItemDto {
  kind: 'connection' | 'variable'
  sourceId: string | null
  targetId: string
  action: 'create' | 'update' | 'delete' | 'unchanged' | 'conflict'
  /** How a conflict was resolved; absent when it was not one. */
  resolution?: string
  /**
   * The fields that change (absent when none). A connection's plain fields (type, host,
   * schema, login, port, description, team), which the inventory shows too, carry their value
   * in the target (`before`) and the one planned (`after`); a password, an extra and a
   * variable's value never travel here.
   */
  fields?: {
    field: string
    before?: string | number | null
    after?: string | number | null
  }[]
  /** Absent when there are none. */
  warnings?: string[]
}

/**
 * One planned item in the cutover preview: what Airflow reads after the apply. `winner` is the
 * layer it reads from and the key it finds there (`AIRFLOW_CONN_X`), absent when no inspected
 * layer has it (after a delete); `differs` (shadowed only) whether that layer's value differs
 * from the one the target holds after the apply. Never a value.
 */
export interface CutoverItemDto {
  kind: 'connection' | 'variable'
  id: string
  action: 'create' | 'update' | 'delete' | 'unchanged'
  outcome: 'reads-new' | 'already-equal' | 'shadowed'
  winner?: { layer: string; role: string; name: string }
  differs?: boolean
}

/** The cutover preview of a plan against one runtime (conflicts are not written: left out). */
export interface CutoverDto {
  runtime: string
  model: string
  /** The top-most layer the plan's target is in that runtime. */
  target: { layer: string; role: string }
  counts: { readsNew: number; alreadyEqual: number; shadowed: number }
  items: CutoverItemDto[]
  /** What limits the preview (layers not inspected or failed above the target). */
  notes: string[]
}

/**
 * One field of one id compared between stores A and B. A connection's plain fields (type,
 * host, schema, login, port, description) and a variable's description carry each side's
 * value; a secret field (a password, an extra, a variable's value) carries `'***'` where that
 * side holds one and null where it is empty, never a value. `a` or `b` is absent on the side
 * that lacks the id.
 */
export interface CompareFieldDto {
  field: string
  /** A secret field (its value travels only as `***` or null); absent when it is not one. */
  secret?: true
  /**
   * Whether A and B hold different values, judged as a plan judges them (extras as decoded
   * JSON); absent when they do not (50 000 ids × their fields: a third of the answer's bytes).
   */
  differs?: true
  a?: string | number | null
  b?: string | number | null
}

/** One id in a comparison of two stores. */
export interface CompareItemDto {
  kind: 'connection' | 'variable'
  id: string
  status: 'only-a' | 'only-b' | 'differs' | 'same'
  fields: CompareFieldDto[]
  /** What B cannot hold of A's value, and how the dialect reads it (no values). */
  notes: string[]
}

/** Two stores side by side (`stores:compare`): read only, nothing to apply. */
export interface CompareDto {
  /** The stores as given, a password in a locator left out. */
  a: string
  b: string
  dialect: 'airflow2' | 'airflow3' | 'task-sdk'
  counts: { onlyA: number; onlyB: number; differs: number; same: number }
  items: CompareItemDto[]
}

/** A plan as the app shows it. */
export interface PlanDto {
  planId: string
  source: string
  target: string
  summary: Record<PlanItemDto['action'], number>
  items: PlanItemDto[]
  /** The target's pre-flight findings not tied to one item. */
  preflight: { severity: 'error' | 'warning'; message: string }[]
  preflightErrors: number
  /** Whether this plan can be applied in this run (its drift key is in a persistent keychain). */
  applicable: boolean
  /** Why not, when the reason is that no persistent keychain was in use (with the ways out). */
  notApplicable?: string
  /** When the request named a runtime (or layers): what Airflow reads after the apply. */
  cutover?: CutoverDto
}

/** How one field (or extra key) goes from the target now to the plan. */
export type FieldChangeDto = 'same' | 'changed' | 'added' | 'removed'

/**
 * One field of a plan item: the target's value now (`before`) and the planned one (`after`).
 * Plain fields carry both values; a secret field (a password, a variable's value, an extra
 * holding hidden keys or not JSON) carries only its change: `jobs:plan-item-reveal` shows it.
 */
export interface PlanItemFieldDto {
  field: string
  change: FieldChangeDto
  secret: boolean
  before?: string | number | null
  after?: string | number | null
}

/**
 * One top-level key of a connection's extra, target now → planned: values as JSON text for
 * keys Airflow's masker shows, none for keys it hides (`should_hide_value_for_key`); a
 * non-sensitive key's nested sensitive values arrive as `'***'`.
 */
export interface PlanItemExtraKeyDto {
  key: string
  change: FieldChangeDto
  secret: boolean
  before?: string
  after?: string
}

/** The detail of one plan item (`jobs:plan-item`): every field, before → after, masked. */
export interface PlanItemDetailDto {
  kind: 'connection' | 'variable'
  sourceId: string | null
  targetId: string
  action: PlanItemDto['action']
  resolution: string | null
  /** Whether the target holds the id now, and whether the plan has a value for it. */
  sides: { before: boolean; after: boolean }
  fields: PlanItemFieldDto[]
  /** The extra key by key; null when neither side's extra is a JSON object. */
  extra: PlanItemExtraKeyDto[] | null
  /** Why the extra is not shown key by key (a side that is not a JSON object), or null. */
  extraNote: string | null
  /**
   * The name the item is written under (or removed from) in the target, as the target's own
   * write names it; null for items the apply leaves alone or a store that cannot say.
   */
  writtenAs: { name: string; store: string; verb: 'written' | 'removed' } | null
  /** The error the target's write would give for the item (so no name), or null. */
  writtenAsProblem: string | null
  /** Why the name is not told otherwise (the store cannot say what it writes), or null. */
  writtenAsNote: string | null
  /** The target's pre-flight problems for this item. */
  problems: { severity: 'error' | 'warning'; message: string }[]
  /** What else the plan warns about for it (fields the target cannot keep, …). */
  warnings: string[]
  /** Whether `jobs:plan-item-reveal` can show the text written. */
  textAvailable: boolean
}

/** What `jobs:plan-item-reveal` shows: both sides of one secret field, or the text written. */
export type PlanItemRevealDto =
  | { part: 'password' | 'extra' | 'value'; before: string | null; after: string | null }
  | { part: 'text'; name: string; text: string; format: string; note: string | null }

/** A job's progress (also pushed on `jobs:progress`). */
export interface JobProgressDto {
  jobId: string
  state: 'running' | 'finished' | 'failed' | 'cancelled'
  done: number
  total: number
  failed: number
  refused: number
  retries: number
  /** Throttling answers from the target so far, and requests it allows in flight now. */
  throttled: number
  concurrency: number | null
  rate: number
  etaSeconds: number | null
  /** Set when the job ended with an error as a whole. */
  error: ErrorDto | null
  /**
   * What runs: the apply, a resume, or a rollback (its counts are then of items put back:
   * `done` restored or removed, of `total` to put back). Absent in older answers.
   */
  run?: 'apply' | 'resume' | 'rollback'
  /** A rollback's outcome, on its last event (`finished` or `cancelled`); absent otherwise. */
  rollback?: RollbackResultDto
}

/**
 * What a rollback did (this run of it): items restored and removed, the ids it could not put
 * back, the ids changed in the target since the job wrote them (left as they are), and whether
 * a cancel stopped it (running it again finishes it). Ids only, never a value.
 */
export interface RollbackResultDto {
  restored: number
  removed: number
  failed: string[]
  skipped: string[]
  cancelled: boolean
}

/**
 * What an apply or rollback will do, asked before it runs (operations/confirm.ts decides): the
 * sentence the confirm dialog shows (counts per kind and the target, no ids, no values), whether
 * it deletes or overwrites, and the protected profile whose name must be typed (`confirm`).
 */
export interface ConfirmationDto {
  sentence: string
  destructive: boolean
  protectedProfile: string | null
}

/** A job, running or past. */
export interface JobDto {
  jobId: string
  createdAt: string
  source: string
  target: string
  total: number
  done: number
  failed: number
  state: string
  running: boolean
  /** Items refused at apply (changed since the plan); absent in older answers. */
  refused?: number
  /** Time spent running, summed over the job's runs (apply, then any resumes); null: none recorded. */
  durationMs?: number | null
  /** Items applied per second over that time; null: none recorded. */
  rate?: number | null
}

/**
 * One item of a job and how it ended: `applied` (written and read back), `failed` (with the
 * store's reason, redacted), `refused` (changed since the plan: not written), `skipped` (the plan
 * left it as it was: unchanged, or a conflict kept), `pending` (not reached: the job stopped
 * before it). Never a value.
 */
export interface JobItemDto {
  kind: 'connection' | 'variable'
  sourceId: string | null
  targetId: string
  action: PlanItemDto['action']
  outcome: 'applied' | 'failed' | 'refused' | 'skipped' | 'pending'
  /** The error code of a failure; null otherwise. */
  code: string | null
  /** Why it failed, was refused or skipped; null when applied or pending. */
  reason: string | null
  /** Times the job sent its batch again after a retryable error, over every run. */
  retries: number
  /** Runs that began writing it (an apply, then each resume that redid it). */
  attempts: number
  /** When its outcome was recorded (ISO); null when pending or skipped. */
  at: string | null
  /** Its rollback record's action, if the job was rolled back; null otherwise. */
  rollback: 'restored' | 'removed' | 'failed' | 'skipped' | null
}

/**
 * One run of a job (the apply, or a resume), with its rate over time. `samples` are cumulative
 * counts at `t` seconds after the run started, about one a second (fewer, evenly spaced, for a
 * long run: at most 240), the last one at the run's end; the rate between two samples is
 * Δdone / Δt items per second.
 */
export interface JobRunDto {
  kind: 'apply' | 'resume'
  startedAt: string
  endedAt: string
  durationMs: number
  /** How the run ended: every item done or failed, or stopped by a cancel. */
  ended: 'finished' | 'cancelled'
  applied: number
  failed: number
  refused: number
  /** Batches sent again after a retryable error (the job's own retries). */
  retries: number
  /** Throttling answers and overload answers (5xx, timeouts, drops) from the target. */
  throttled: number
  overloaded: number
  /** Requests sent to the target's service (its pacer's count, retries included); null for a store without one (a database, a file). */
  requests: number | null
  /** Items applied per second over the run. */
  rate: number
  samples: { t: number; done: number; failed: number; throttled: number }[]
}

/**
 * A job in full (`jobs:detail`, `airlock jobs show`): its summary, the plan it came from, every
 * item's outcome, each run's figures and rate series, its snapshot and its rollback state. Ids,
 * counts and reasons only, never a value.
 */
export interface JobDetailDto extends JobDto {
  plan: {
    planId: string
    /** When the plan was made, its dialect and options: null in jobs of older Airlock versions. */
    createdAt: string | null
    dialect: string | null
    options: Record<string, unknown> | null
  }
  counts: Record<JobItemDto['outcome'], number>
  /** Sums over the runs (null when no run recorded figures: a job of an older Airlock, a crash). */
  totals: {
    durationMs: number | null
    requests: number | null
    retries: number
    throttled: number
    overloaded: number
  }
  runs: JobRunDto[]
  items: JobItemDto[]
  /** The encrypted snapshot of previous and intended values (its key is in the keychain). */
  snapshot: { present: boolean; bytes: number }
  rollback: {
    state: 'none' | 'partial' | 'done'
    restored: number
    removed: number
    failed: number
    skipped: number
    /** Items the job began writing that a rollback has not put back yet. */
    remaining: number
  }
}

/**
 * One audit-log record: when (`at`, ISO), who (`user`, the OS user), the job and its action
 * (`apply`, `resume`, `rollback`), then what that action records — stores (`source`,
 * `target`, locators without passwords), counts and entry ids. Never a value.
 */
export interface AuditRecordDto {
  at: string
  user: string
  job: string
  action: string
  [field: string]: unknown
}

// ---- Requests (each validated by its schema; unknown fields are refused) --------------

const locator = z.string().min(1).max(4096)
const kinds = z.array(z.enum(['connection', 'variable'])).max(2)
const dialect = z.enum(['airflow2', 'airflow3', 'task-sdk'])
const name = z.string().min(1).max(64)
const secretsSchema = z
  .object({
    password: z.string().max(8192),
    fernetKey: z.string().max(8192),
    token: z.string().max(8192),
    secretId: z.string().max(8192),
    secretAccessKey: z.string().max(8192),
    sessionToken: z.string().max(8192),
    clientSecret: z.string().max(8192),
    serviceAccountKey: z.string().max(65536)
  })
  .partial()
  .strict()
const profileFields = z
  .object({
    kind: z.enum(PROFILE_KIND_IDS),
    url: z.string().max(4096).nullable(),
    region: z.string().max(128).nullable(),
    airflowVersion: z.string().max(32).nullable(),
    credential: z
      .object({
        method: z.string().max(64),
        params: z.record(z.string().max(128), z.string().max(4096))
      })
      .strict(),
    backendKwargs: z.record(z.string().max(128), z.unknown()),
    /** Production: apply and rollback into it need its name typed. */
    protected: z.boolean().optional()
  })
  .strict()
/** The name of the protected profile a write goes to, typed by the user to confirm it. */
const confirm = z.string().max(64).optional()
const planOptions = z
  .object({
    kinds: kinds.optional(),
    include: z.array(z.string().max(256)).max(100).optional(),
    exclude: z.array(z.string().max(256)).max(100).optional(),
    /** Exact id renames, old → new (the CLI's `--rename OLD=NEW`). */
    rename: z.record(z.string().min(1).max(512), z.string().min(1).max(512)).optional(),
    /** Prefix mappings `[old, new]`, applied in order after renames (`--prefix OLD=NEW`). */
    prefix: z
      .array(z.tuple([z.string().min(1).max(512), z.string().max(512)]))
      .max(100)
      .optional(),
    onConflict: z.enum(['skip', 'overwrite', 'fail']).optional(),
    deleteExtraneous: z.boolean().optional(),
    dialect: dialect.optional()
  })
  .strict()
/** A runtime whose search order a view resolves (`effective:resolve`, the plan's cutover). */
const runtimeFields = {
  /** `demo`, or `airflow-config:PATH` (empty PATH: where Airflow looks). */
  runtime: z
    .union([
      z.literal('demo'),
      z
        .string()
        .max(4096)
        .regex(/^airflow-config:/)
    ])
    .optional(),
  model: z.enum(['airflow2', 'airflow3-server', 'airflow3-worker', 'astro']).optional(),
  /** role → locator, over what the runtime put there. */
  layers: z.record(z.string().max(64), locator).optional()
}
const jobId = z.object({ jobId: z.string().regex(/^[0-9A-Za-z-]{1,64}$/) }).strict()
/** An ISO time, or a duration back from now: `90s`, `30m`, `24h`, `7d`, `2w`. */
const since = z.string().min(1).max(64)
/** Filters of the audit log; every one given must match. */
const auditQuery = z
  .object({
    /** Records at or after this time (ISO) or this long ago (`24h`, `7d`). */
    since: since.optional(),
    /** Only these actions (`apply`, `resume`, `rollback`). */
    actions: z.array(z.string().min(1).max(32)).max(16).optional(),
    /** Only records whose source or target is this store (its locator, without password). */
    store: locator.optional(),
    /** Only this job's records. */
    jobId: jobId.shape.jobId.optional()
  })
  .strict()

/** The most `fs:complete` answers with. */
export const MAX_PATH_COMPLETIONS = 50

/** One entry of a directory, as `fs:complete` offers it: its path as typed, and whether it is a folder. */
export interface PathCompletionDto {
  /** The prefix's folder part as typed, then the entry's name (a folder's ends with `/`). */
  path: string
  dir: boolean
}

/** One item of a plan held in this run. */
const planItemRef = z
  .object({
    planId: z.string().max(64),
    kind: z.enum(['connection', 'variable']),
    targetId: z.string().min(1).max(512)
  })
  .strict()

/** Each channel's arguments, as a tuple schema. */
export const RequestSchemas = {
  [Channel.appInfo]: z.tuple([]),
  [Channel.keychainStatus]: z.tuple([]),
  /** A passphrase (never logged, never kept by the renderer beyond its input). */
  [Channel.keychainUnlock]: z.tuple([
    z.object({ passphrase: z.string().min(1).max(1024) }).strict()
  ]),
  [Channel.profilesList]: z.tuple([]),
  [Channel.profilesAdd]: z.tuple([
    z.object({ name, profile: profileFields, secrets: secretsSchema.optional() }).strict()
  ]),
  [Channel.profilesEdit]: z.tuple([
    z
      .object({
        name,
        patch: profileFields.partial().strict(),
        secrets: secretsSchema.optional(),
        /** Lifting protection (`patch.protected: false`) needs the profile's name typed. */
        confirm
      })
      .strict()
  ]),
  [Channel.profilesTest]: z.tuple([z.object({ name }).strict()]),
  [Channel.profilesRemove]: z.tuple([z.object({ name }).strict()]),
  [Channel.profilesRename]: z.tuple([z.object({ name, to: name }).strict()]),
  [Channel.profilesImport]: z.tuple([
    z
      .object({
        /** Prefix of the made profiles (`<prefix>-metadb`, `<prefix>-<backend>`). */
        name,
        /** The airflow.cfg; absent: where Airflow looks (AIRFLOW_CONFIG, AIRFLOW_HOME). */
        path: z.string().min(1).max(4096).optional(),
        airflowVersion: z.string().max(32).optional()
      })
      .strict()
  ]),
  [Channel.entriesList]: z.tuple([
    z.object({ locator, kinds: kinds.optional(), dialect: dialect.optional() }).strict()
  ]),
  [Channel.entriesReveal]: z.tuple([
    z
      .object({
        locator,
        kind: z.enum(['connection', 'variable']),
        id: z.string().min(1).max(512),
        field: z.enum(['password', 'extra', 'value'])
      })
      .strict()
  ]),
  [Channel.entriesCopy]: z.tuple([
    z
      .object({
        locator,
        kind: z.enum(['connection', 'variable']),
        id: z.string().min(1).max(512),
        format: z.enum(['uri', 'json']),
        dialect
      })
      .strict()
  ]),
  [Channel.effectiveResolve]: z.tuple([
    z
      .object({
        ...runtimeFields,
        kinds: kinds.optional(),
        /** Only these ids (e.g. one Inventory entry's "where Airflow looks"), each with what every layer asks for it (`lookups`). */
        ids: z
          .array(
            z
              .object({
                kind: z.enum(['connection', 'variable']),
                id: z.string().min(1).max(1024)
              })
              .strict()
          )
          .min(1)
          .max(100)
          .optional()
      })
      .strict()
  ]),
  [Channel.jobsPlan]: z.tuple([
    z
      .object({
        source: locator,
        target: locator,
        options: planOptions,
        /** With a runtime (or layers): the plan's cutover preview (`PlanDto.cutover`). */
        ...runtimeFields
      })
      .strict()
  ]),
  [Channel.storesCompare]: z.tuple([
    z
      .object({
        a: locator,
        b: locator,
        kinds: kinds.optional(),
        /** Whose rules read both stores and whose losses are warned about; default airflow3. */
        dialect: dialect.optional()
      })
      .strict()
  ]),
  [Channel.jobsSavePlan]: z.tuple([
    z.object({ planId: z.string().max(64), path: z.string().min(1).max(4096) }).strict()
  ]),
  [Channel.jobsApply]: z.tuple([
    z
      .object({
        planId: z.string().max(64),
        /** `kind:targetId` of items left out of this run. */
        skip: z.array(z.string().max(600)).max(100_000).optional(),
        /** Required when the target is a protected profile: that profile's name. */
        confirm
      })
      .strict()
  ]),
  [Channel.jobsList]: z.tuple([]),
  [Channel.jobsCancel]: z.tuple([jobId]),
  [Channel.jobsResume]: z.tuple([jobId]),
  /** `confirm`: required when the job's target is a protected profile (its name). */
  [Channel.jobsRollback]: z.tuple([z.object({ jobId: jobId.shape.jobId, confirm }).strict()]),
  /** Either a plan made in this run (less the items in `skip`) or a job to roll back. */
  [Channel.jobsConfirmation]: z.tuple([
    z.union([
      z
        .object({
          planId: z.string().max(64),
          skip: z.array(z.string().max(600)).max(100_000).optional()
        })
        .strict(),
      z.object({ rollback: jobId.shape.jobId }).strict()
    ])
  ]),
  [Channel.jobsDetail]: z.tuple([jobId]),
  /** A plan of the job's failed items, made again against both stores as they are now. */
  [Channel.jobsRetryFailed]: z.tuple([jobId]),
  [Channel.auditList]: z.tuple([auditQuery]),
  [Channel.jobsPlanItem]: z.tuple([planItemRef]),
  /** On explicit request: both sides of one secret field, or the exact text to be written. */
  [Channel.jobsPlanItemReveal]: z.tuple([
    planItemRef.extend({ part: z.enum(['password', 'extra', 'value', 'text']) }).strict()
  ]),
  [Channel.exportWrite]: z.tuple([
    z
      .object({
        locator,
        to: z.string().min(1).max(4096),
        format: z.enum(['json', 'yaml', 'uri', 'env']),
        kind: z.enum(['connection', 'variable']),
        dialect,
        /** `id=value` lines (Airflow's env export): URIs (default) or connection JSON. */
        serialization: z.enum(['uri', 'json']).optional(),
        /** Only these ids (a selection); absent: the whole store. */
        ids: z.array(z.string().min(1).max(512)).max(100_000).optional(),
        /** Replace `to` when it exists; without it an existing file is refused (`confirm.required`). */
        overwrite: z.boolean().optional()
      })
      .strict()
  ]),
  /** A path as typed so far (relative: to the app's working directory, as a locator's path is). */
  [Channel.fsComplete]: z.tuple([z.object({ prefix: z.string().max(4096) }).strict()]),
  [Channel.dialogOpenFile]: z.tuple([
    z
      .object({
        /** The dialog's title (what the file is for). */
        title: z.string().max(200).optional(),
        /** The folder it opens in. */
        defaultPath: z.string().max(4096).optional()
      })
      .strict()
  ])
} as const

/** Each channel's request and answer. */
export interface InvokeMap {
  [Channel.appInfo]: () => AppInfoDto
  [Channel.keychainStatus]: () => KeychainStatusDto
  /**
   * Opens the passphrase store with this passphrase (creating it when it does not exist) and
   * keeps secrets there for the rest of this run. `keychain.locked` on a wrong passphrase.
   */
  [Channel.keychainUnlock]: (request: { passphrase: string }) => KeychainStatusDto
  [Channel.profilesList]: () => ProfileDto[]
  [Channel.profilesAdd]: (request: ProfileAddRequest) => ProfileDto
  [Channel.profilesEdit]: (request: ProfileEditRequest) => ProfileDto
  [Channel.profilesTest]: (request: { name: string }) => ProfileTestDto
  [Channel.profilesRemove]: (request: { name: string }) => { removed: string }
  [Channel.profilesRename]: (request: { name: string; to: string }) => ProfileDto
  [Channel.profilesImport]: (request: ProfileImportRequest) => ProfileImportDto
  [Channel.entriesList]: (request: EntriesRequest) => EntriesDto
  [Channel.entriesReveal]: (request: RevealRequest) => { value: string | null }
  [Channel.entriesCopy]: (request: CopyRequest) => { text: string }
  [Channel.effectiveResolve]: (request: EffectiveRequest) => EffectiveDto
  [Channel.storesCompare]: (request: CompareRequest) => CompareDto
  [Channel.jobsPlan]: (request: PlanRequest) => PlanDto
  [Channel.jobsSavePlan]: (request: { planId: string; path: string }) => { path: string }
  [Channel.jobsApply]: (request: ApplyRequest) => { jobId: string }
  [Channel.jobsList]: () => JobDto[]
  [Channel.jobsCancel]: (request: { jobId: string }) => { cancelled: boolean }
  [Channel.jobsResume]: (request: { jobId: string }) => { jobId: string }
  /**
   * Starts the job's rollback and answers with its id at once; it runs like an apply: progress
   * on `jobs:progress` (`run: 'rollback'`, its outcome on the last event), `jobs:cancel` stops it,
   * and running it again finishes what a cancel left.
   */
  [Channel.jobsRollback]: (request: RollbackRequest) => { jobId: string }
  [Channel.jobsConfirmation]: (request: ConfirmationRequest) => ConfirmationDto
  /** A job in full; `backend.not-found` for an unknown id. */
  [Channel.jobsDetail]: (request: { jobId: string }) => JobDetailDto
  /**
   * A new plan of just the job's failed items (create, update or delete again, against both
   * stores as they are now), held for `jobs:apply` like a `jobs:plan` answer. `usage` when the
   * job has no failed item.
   */
  [Channel.jobsRetryFailed]: (request: { jobId: string }) => PlanDto
  /** The audit log, oldest first, filtered; the same records `airlock audit --json` prints. */
  [Channel.auditList]: (request: AuditQuery) => AuditRecordDto[]
  [Channel.jobsPlanItem]: (request: PlanItemRequest) => PlanItemDetailDto
  [Channel.jobsPlanItemReveal]: (request: PlanItemRevealRequest) => PlanItemRevealDto
  [Channel.exportWrite]: (request: ExportRequest) => {
    path: string
    count: number
    warnings: string[]
  }
  /**
   * Up to MAX_PATH_COMPLETIONS entries of the prefix's folder whose names start with the rest,
   * folders first (names only: no file is opened). `backend.not-found` when the folder does not
   * exist, `backend.access-denied` when it cannot be listed.
   */
  [Channel.fsComplete]: (request: { prefix: string }) => PathCompletionDto[]
  /**
   * The desktop app's file chooser (Electron's dialog): the chosen file's absolute path, or
   * `null` when the user cancelled. `unsupported` in web mode (a browser page cannot give a
   * file's path): type the path there, which completes.
   */
  [Channel.dialogOpenFile]: (request: OpenFileRequest) => { path: string | null }
}

/** `profiles:add`: the profile and its secrets (kept in the keychain, never returned). */
export type ProfileAddRequest = z.infer<(typeof RequestSchemas)['profiles:add']>[0]
/** `profiles:edit`: fields to change; a secret left empty or `***` keeps the stored one. */
export type ProfileEditRequest = z.infer<(typeof RequestSchemas)['profiles:edit']>[0]
/** `profiles:import`: profiles made from an airflow.cfg. */
export type ProfileImportRequest = z.infer<(typeof RequestSchemas)['profiles:import']>[0]
/** `entries:list`: a store by locator. */
export type EntriesRequest = z.infer<(typeof RequestSchemas)['entries:list']>[0]
/** `entries:reveal`: one field of one entry. */
export type RevealRequest = z.infer<(typeof RequestSchemas)['entries:reveal']>[0]
/** `entries:copy`: one entry as a URI or connection JSON in a dialect. */
export type CopyRequest = z.infer<(typeof RequestSchemas)['entries:copy']>[0]
/** `effective:resolve`: a runtime model and its layers (the demo by default). */
export type EffectiveRequest = z.infer<(typeof RequestSchemas)['effective:resolve']>[0]
/** `stores:compare`: stores A and B, the kinds compared and the dialect that reads both. */
export type CompareRequest = z.infer<(typeof RequestSchemas)['stores:compare']>[0]
/** `jobs:plan`: source, target and options. */
export type PlanRequest = z.infer<(typeof RequestSchemas)['jobs:plan']>[0]
/** `jobs:apply`: a plan made in this run, and items to leave out. */
export type ApplyRequest = z.infer<(typeof RequestSchemas)['jobs:apply']>[0]
/** `jobs:rollback`: a job, and the protected target's name when it is one. */
export type RollbackRequest = z.infer<(typeof RequestSchemas)['jobs:rollback']>[0]
/** `jobs:confirmation`: what applying a held plan, or rolling back a job, will do. */
export type ConfirmationRequest = z.infer<(typeof RequestSchemas)['jobs:confirmation']>[0]
/** `audit:list`: filters of the audit log. */
export type AuditQuery = z.infer<(typeof RequestSchemas)['audit:list']>[0]
/** `jobs:plan-item`: one item of a plan held in this run. */
export type PlanItemRequest = z.infer<(typeof RequestSchemas)['jobs:plan-item']>[0]
/** `jobs:plan-item-reveal`: one secret field of a plan item, or the text it is written as. */
export type PlanItemRevealRequest = z.infer<(typeof RequestSchemas)['jobs:plan-item-reveal']>[0]
/** `export:write`: a store written as Airflow export files or env lines. */
export type ExportRequest = z.infer<(typeof RequestSchemas)['export:write']>[0]

/** `dialog:open-file`: the chooser's title and starting folder. */
export type OpenFileRequest = z.infer<(typeof RequestSchemas)['dialog:open-file']>[0]

/** An invoke channel name. */
export type InvokeChannel = keyof InvokeMap

/** Each event channel's payload. */
export interface EventMap {
  [EventChannel.jobsProgress]: JobProgressDto
}

/** Every answer crosses the boundary in this envelope: a value, or an error without secrets. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorDto }

/** What `window.airlock` (Electron) or the fetch bridge (web mode) offers the renderer. */
export interface AirlockBridge {
  invoke<C extends InvokeChannel>(
    channel: C,
    ...args: Parameters<InvokeMap[C]>
  ): Promise<IpcResult<ReturnType<InvokeMap[C]>>>
  /** Subscribes to an event; returns the unsubscribe. */
  on<E extends keyof EventMap>(event: E, listener: (payload: EventMap[E]) => void): () => void
}

/** Whether a string names an invoke channel. */
export function isInvokeChannel(value: string): value is InvokeChannel {
  return Object.hasOwn(RequestSchemas, value)
}
