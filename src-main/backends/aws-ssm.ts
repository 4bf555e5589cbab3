/**
 * AWS Systems Manager Parameter Store through @aws-sdk/client-ssm, configured exactly as
 * Airflow's `SystemsManagerParameterStoreBackend` is — its `backend_kwargs`, defaults and
 * naming (core/airflow-secrets/aws-ssm.ts; reference §12.3) — and read exactly as Airflow
 * reads it: the parameter's `Value`, decrypted (SecureString), is a connection URI or
 * connection JSON (`deserialize_connection`, so `description` is kept in JSON) or a
 * variable's raw text; only ParameterNotFound reads as not found.
 *
 * Writing: a connection is its URI when that URI reads back to the same connection in the
 * chosen dialect, else connection JSON; a variable is its value (a variable's description is
 * not kept). Parameters are `SecureString` with the configured KMS key (or `String`), in the
 * tier the value needs: `auto` asks for Advanced only when the value is over 4 KB and
 * otherwise sends Intelligent-Tiering, which keeps new parameters Standard and never tries to
 * downgrade an existing Advanced one (AWS refuses that). A new parameter is created with the
 * tag `airlock:managed-by=airlock` (AWS does not take tags together with Overwrite, so an
 * existing parameter is overwritten without re-tagging). Values Parameter Store cannot hold —
 * empty, over 8 KB, or holding `{{…}}` — are refused before anything is written.
 *
 * Listing uses DescribeParameters (50 per page) under each kind's path; loading uses
 * GetParametersByPath (Recursive, WithDecryption, 10 per page); removing uses
 * DeleteParameters, 10 names per request. Names that read as two ids are reported, not
 * guessed. Retries are the SDK's (`retryStrategy`, `maxAttempts`).
 *
 * @example
 * const ssm = new AwsSsmBackend({
 *   id: 'aws-ssm:prod',
 *   backendKwargs: { connections_prefix: '/airflow/connections', region_name: 'eu-west-1' },
 *   kmsKeyId: 'alias/airflow',
 *   credentials: { accessKeyId, secretAccessKey }
 * })
 * await ssm.write([variableEntry('region', 'eu-west-1')])
 * // PutParameter /airflow/variables/region (SecureString, alias/airflow, Intelligent-Tiering)
 */
import { chunks, mapLimit } from '../core/concurrency'
import {
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
  type ParameterMetadata,
  type ParameterStringFilter,
  type PutParameterCommandInput
} from '@aws-sdk/client-ssm'
import { parseConnectionValue } from '../core/codecs/connection-json'
import { encodeText } from '../core/airflow-secrets/types'
import { AirlockError } from '../core/errors'
import { type ConnectionFields, type Entry } from '../core/model'
import {
  encodeSsmConnection,
  parseAwsSsmKwargs,
  ssmLostFields,
  ssmIdsForName,
  ssmListPath,
  ssmLookup,
  ssmParameterNameProblem,
  ssmPrefixOf,
  ssmTierFor,
  ssmValueProblem,
  type AwsNameReading,
  type AwsSsmNaming,
  type SsmTier
} from '../core/airflow-secrets/aws-ssm'
import type { ErrorCode } from '../contract/errors'
import {
  preflightRecorder,
  idOf,
  type Backend,
  type EntryRef,
  type LoadResult,
  type Scope,
  type WrittenForm
} from './backend'
import {
  ACCESS_DENIED,
  addLossWarnings,
  addNameWarnings,
  addPreflightError,
  addSameTarget,
  ambiguousProblem,
  ambiguousProblems,
  AwsBackendBase,
  awsClientConfig,
  awsErrorName,
  awsFailure,
  awsTags,
  collectEntry,
  describeRef,
  firstRef,
  paceAws,
  preflightStep,
  probeRefusal,
  readProblem,
  readsAsEntry,
  readTargets,
  sortEntries,
  sortRefs,
  writePlanned,
  type AwsAmbiguousName,
  type AwsStoreOptions,
  type AwsPreflightProblem
} from './aws/common'
import type { AdaptivePacer } from './pacer'
import { awsOptionsFromProfile } from './aws/credentials'
import type { ServiceProfile } from '../core/providers'

/** How a parameter's tier is chosen. */
export type SsmTierOption = 'auto' | 'Standard' | 'Advanced' | 'Intelligent-Tiering'

/**
 * Options of the Parameter Store backend.
 *
 * @example
 * new AwsSsmBackend({
 *   backendKwargs: { connections_prefix: '/airflow/connections', variables_prefix: null },
 *   region: 'eu-west-1',
 *   parameterType: 'SecureString',
 *   kmsKeyId: 'alias/airflow',
 *   tier: 'auto'
 * })
 */
export interface AwsSsmOptions extends AwsStoreOptions {
  /**
   * Airflow's `[secrets] backend_kwargs` for `SystemsManagerParameterStoreBackend`, with
   * Airflow's defaults (`connections_prefix: "/airflow/connections"`, `variables_prefix:
   * "/airflow/variables"`, `config_prefix: "/airflow/config"`); a null prefix turns that kind
   * off. `region_name` and `endpoint_url` are used when the options above leave them out.
   */
  backendKwargs?: Readonly<Record<string, unknown>>
  /** Shown in messages and on every entry's origin; default `aws-ssm:<region or endpoint>`. */
  id?: string
  /** Type of written parameters: `SecureString` (default) or `String`. */
  parameterType?: 'SecureString' | 'String'
  /** KMS key of SecureString parameters (default: the account's `alias/aws/ssm`). */
  kmsKeyId?: string
  /** Tier of written parameters (default `auto`: Advanced only when a value needs it). */
  tier?: SsmTierOption
  /** Tags added to every parameter Airlock creates, besides `airlock:managed-by=airlock`. */
  tags?: Readonly<Record<string, string>>
}

/** What a listing found. */
export interface SsmListing {
  refs: EntryRef[]
  ambiguous: AwsAmbiguousName[]
  /** Each listed parameter's name, type and tier. */
  parameters: { name: string; type: string; tier: string; readsAs: AwsNameReading[] }[]
}

/** What a write of one entry sends. */
export interface SsmPlannedWrite {
  entry: Entry
  name: string
  value: string
  bytes: number
  /** The tier the value needs. */
  needs: SsmTier
  /** The Tier sent with PutParameter. */
  tier: 'Standard' | 'Advanced' | 'Intelligent-Tiering'
}

/** AWS SSM Parameter Store, read as Airflow's SystemsManagerParameterStoreBackend reads it. */
export class AwsSsmBackend extends AwsBackendBase<AwsSsmNaming> implements Backend {
  readonly lossyFields = ['variable.description'] as const
  readonly kind = 'aws-ssm' as const
  readonly id: string
  /** The resolved naming part of `backend_kwargs`. */
  override readonly naming: AwsSsmNaming
  protected override readonly rules = { lookup: ssmLookup }
  protected readonly client: SSMClient
  /** Paces every request of this backend (adaptive; see pacer.ts). */
  readonly pacer: AdaptivePacer
  private readonly parameterType: 'SecureString' | 'String'
  private readonly kmsKeyId: string | undefined
  private readonly tier: SsmTierOption
  private readonly tags: { Key: string; Value: string }[]
  /** Names known to exist (seen in a listing or load), written with Overwrite directly. */
  private readonly known = new Set<string>()

  constructor(options: AwsSsmOptions = {}) {
    super(options, 4)
    const kwargs = options.backendKwargs ?? {}
    this.naming = parseAwsSsmKwargs(kwargs)
    const config = awsClientConfig({ concurrency: 4, ...options }, kwargs)
    this.id = options.id ?? `aws-ssm:${config.endpoint ?? config.region ?? 'default'}`
    this.parameterType = options.parameterType ?? 'SecureString'
    this.kmsKeyId = options.kmsKeyId
    this.tier = options.tier ?? 'auto'
    this.tags = awsTags(options.tags)
    this.client = new SSMClient(config)
    this.pacer = paceAws(this.client, this.id, this.concurrency, options)
  }

  // -------------------------------------------------------------------------------------
  // Backend

  /**
   * Lists the parameters under each kind's path (DescribeParameters, Path filter, Recursive)
   * and maps each back to its id; names reading as more than one id are reported.
   */
  override async listNames(scope: Scope, signal?: AbortSignal): Promise<SsmListing> {
    const out: SsmListing = { refs: [], ambiguous: [], parameters: [] }
    const kinds = this.kindsIn(scope)
    for (const path of this.paths(kinds)) {
      let token: string | undefined
      do {
        const input = {
          MaxResults: 50,
          NextToken: token,
          ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [path] }]
        }
        const page = await this.call(`listing parameters under ${path}`, () =>
          this.client.send(new DescribeParametersCommand(input), { abortSignal: signal })
        )
        for (const p of page.Parameters ?? []) this.collect(p, kinds, out)
        token = page.NextToken
      } while (token)
    }
    sortRefs(out.refs)
    return out
  }

  protected readonly valueKey = 'Value'

  /** The parameter's value, decrypted. */
  protected async getValue(name: string, signal?: AbortSignal): Promise<string | undefined> {
    const out = await this.client.send(
      new GetParameterCommand({ Name: name, WithDecryption: true }),
      { abortSignal: signal }
    )
    return out.Parameter?.Value
  }

  /** Only ParameterNotFound: every other failure is an error, as in Airflow. */
  protected isNotFound(error: unknown): boolean {
    return awsErrorName(error) === 'ParameterNotFound'
  }

  protected decodeConnection(value: string): ConnectionFields {
    return parseConnectionValue(value, this.dialect).value
  }

  async load(scope: Scope, signal?: AbortSignal): Promise<LoadResult> {
    const kinds = this.kindsIn(scope)
    const out: LoadResult = { entries: [], problems: [] }
    const seen = new Set<string>()
    for (const path of this.paths(kinds)) {
      let token: string | undefined
      do {
        const input = {
          Path: path,
          Recursive: true,
          WithDecryption: true,
          MaxResults: 10,
          NextToken: token
        }
        let page
        try {
          page = await this.client.send(new GetParametersByPathCommand(input), {
            abortSignal: signal
          })
        } catch (error) {
          // Policies written for Airflow alone often grant ssm:GetParameter only.
          if (ACCESS_DENIED.has(awsErrorName(error))) return this.loadByListing(scope, signal)
          throw awsFailure(this.id, `reading parameters under ${path}`, error)
        }
        for (const p of page.Parameters ?? []) {
          if (!p.Name || seen.has(p.Name)) continue
          seen.add(p.Name)
          this.known.add(p.Name)
          const readsAs = ssmIdsForName(this.naming, p.Name)
          const mine = readsAs.filter((r) => r.kind !== 'config' && kinds.includes(r.kind))
          const value = p.Value
          if (!mine.length || value === undefined) continue
          const ref = firstRef(mine)
          if (readsAs.length > 1) {
            out.problems.push(ambiguousProblem(this.id, ref, p.Name, readsAs, 'parameter'))
            continue
          }
          const name = p.Name
          collectEntry(out, ref, () => this.entryFrom(ref.kind, ref.id, name, value))
        }
        token = page.NextToken
      } while (token)
    }
    sortEntries(out.entries)
    return out
  }

  /**
   * Reads many refs at once: GetParameters, 10 names a request, decrypted (one GetParameter
   * per name for a batch the credentials may not read as a whole). Absent ids are simply not
   * in `entries`; ids that fail are in `problems`.
   */
  async readMany(refs: readonly EntryRef[], signal?: AbortSignal): Promise<LoadResult> {
    const { byName, problems } = readTargets(this.id, refs, this.lookupOf)
    const out: LoadResult = { entries: [], problems }
    const take = (ref: EntryRef, name: string, value: string | undefined) => {
      if (value !== undefined)
        collectEntry(out, ref, () => this.entryFrom(ref.kind, ref.id, name, value))
    }
    await mapLimit(chunks([...byName.keys()], 10), this.concurrency, async (names) => {
      try {
        const out = await this.client.send(
          new GetParametersCommand({ Names: names, WithDecryption: true }),
          { abortSignal: signal }
        )
        for (const p of out.Parameters ?? []) {
          const ref = byName.get(p.Name ?? '')
          if (ref) take(ref, p.Name!, p.Value)
        }
        return
      } catch (error) {
        if (!ACCESS_DENIED.has(awsErrorName(error)))
          throw awsFailure(this.id, `reading ${names.length} parameters (GetParameters)`, error)
      }
      for (const name of names) {
        const ref = byName.get(name)!
        try {
          const out = await this.client.send(
            new GetParameterCommand({ Name: name, WithDecryption: true }),
            { abortSignal: signal }
          )
          take(ref, name, out.Parameter?.Value)
        } catch (error) {
          if (awsErrorName(error) === 'ParameterNotFound') continue
          out.problems.push(readProblem(this.id, ref, name, error))
        }
      }
    })
    sortEntries(out.entries)
    return out
  }

  /** `load` without GetParametersByPath: DescribeParameters, then GetParameters. */
  private async loadByListing(scope: Scope, signal?: AbortSignal): Promise<LoadResult> {
    const listing = await this.listNames(scope, signal)
    const fetched = await this.readMany(listing.refs, signal)
    const problems = ambiguousProblems(this.id, listing.ambiguous, 'parameter')
    return { entries: fetched.entries, problems: [...problems, ...fetched.problems] }
  }

  async write(entries: readonly Entry[], signal?: AbortSignal): Promise<void> {
    if (!entries.length) return
    const planned = entries.map((entry) => {
      const p = this.planWrite(entry)
      if ('problem' in p)
        throw new AirlockError(p.code, `${this.id}: ${p.problem}; nothing was written.`)
      return p
    })
    await writePlanned(this.id, planned, this.concurrency, (p) => this.writeOne(p, signal))
  }

  async remove(refs: readonly EntryRef[], signal?: AbortSignal): Promise<void> {
    const names = refs.flatMap((ref) => {
      const lookup = this.lookup(ref.kind, ref.id)
      return lookup.outcome === 'lookup' ? [lookup.name] : []
    })
    await mapLimit(chunks([...new Set(names)], 10), this.concurrency, async (batch) => {
      await this.call(`removing ${batch.length} parameters (${batch[0]}…)`, () =>
        this.client.send(new DeleteParametersCommand({ Names: batch }), { abortSignal: signal })
      )
      for (const n of batch) this.known.delete(n)
    })
  }

  // -------------------------------------------------------------------------------------
  // Pre-flight

  /** The parameter `write` puts for `entry`: its name and value (the same encoder). */
  async written(entry: Entry): Promise<WrittenForm> {
    const p = this.planWrite(entry)
    if ('problem' in p) throw new AirlockError(p.code, `${this.id}: ${p.problem}.`)
    return { name: p.name, text: p.value, format: entry.kind === 'variable' ? 'text' : 'uri' }
  }

  /**
   * What a write of one entry would send: the name, value, the tier the value needs and the
   * Tier sent — or the problem that keeps it from being written.
   */
  planWrite(
    entry: Entry
  ): SsmPlannedWrite | { entry: Entry; name: string; problem: string; code: ErrorCode } {
    const what = describeRef(entry.kind, idOf(entry))
    const lookup = this.lookup(entry.kind, idOf(entry))
    if (lookup.outcome !== 'lookup')
      return {
        entry,
        name: '',
        code: 'usage',
        problem: `${what}: ${lookup.reason}; Airflow would never read it`
      }
    const name = lookup.name
    const bad = ssmParameterNameProblem(name)
    if (bad)
      return {
        entry,
        name,
        code: 'codec.invalid',
        problem: `${what} → ${name}: ${bad}. Rename the id or change the prefix`
      }
    const value = encodeText(entry, this.dialect, encodeSsmConnection)
    const valueProblem = ssmValueProblem(value)
    if (valueProblem)
      return { entry, name, code: 'codec.invalid', problem: `${what} → ${name}: ${valueProblem}` }
    const need = ssmTierFor(value)
    if (need.tier === null)
      return {
        entry,
        name,
        code: 'codec.invalid',
        problem: `${what} → ${name}: ${need.problem}; shorten it`
      }
    if (this.tier === 'Standard' && need.tier === 'Advanced')
      return {
        entry,
        name,
        code: 'codec.invalid',
        problem: `${what} → ${name}: the value takes ${need.bytes} bytes and needs the Advanced tier (over 4 KB), but tier is set to Standard`
      }
    const tier =
      this.tier === 'auto'
        ? need.tier === 'Advanced'
          ? 'Advanced'
          : 'Intelligent-Tiering'
        : this.tier
    return { entry, name, value, bytes: need.bytes, needs: need.tier, tier }
  }

  /**
   * Checks a write before it happens, writing nothing: each target name is enabled for its
   * kind and valid (characters, ≤ 15 levels, ≤ 1011 characters, no aws/ssm start), no two
   * entries share a name, no name also reads as another id, each value can be stored (not
   * empty, no `{{…}}`, ≤ 8 KB) and which tier it needs (Advanced: a warning, AWS charges for
   * it), fields Airflow would not read back are named, existing parameters whose tier or type
   * the write cannot keep are pointed out, and the credentials may describe parameters and
   * call PutParameter on the targets — probed with an AllowedPattern (`^$`) that no value
   * meets, so AWS refuses to store anything (ParameterPatternMismatch) once IAM has allowed it.
   */
  async preflight(entries: readonly Entry[], signal?: AbortSignal): Promise<AwsPreflightProblem[]> {
    const problems: AwsPreflightProblem[] = []
    const add = preflightRecorder(this.id, problems)
    const targets = new Map<string, SsmPlannedWrite>()
    for (const entry of entries) {
      const what = describeRef(entry.kind, idOf(entry))
      const p = this.planWrite(entry)
      if ('problem' in p) {
        add(entry, p.name, 'error', p.code, `${p.problem}.`)
        continue
      }
      const other = targets.get(p.name)
      if (other) {
        addSameTarget(add, entry, other.entry, p.name)
        continue
      }
      targets.set(p.name, p)
      if (p.needs === 'Advanced')
        add(
          entry,
          p.name,
          'warning',
          'codec.invalid',
          `${what} → ${p.name}: the value takes ${p.bytes} bytes, over the Standard tier's 4 KB; it needs the Advanced tier (8 KB), which AWS charges for and cannot downgrade.`
        )
      addNameWarnings(add, entry, p.name, ssmIdsForName(this.naming, p.name))
      addLossWarnings(
        add,
        entry,
        p.name,
        (fields) => ssmLostFields(fields, this.dialect),
        '',
        'parameter'
      )
    }
    if (await this.noTargetsLeft(add, entries, targets.size, signal)) return problems

    const existing = await preflightStep(add, this.id, () =>
      this.describe([...targets.keys()], signal)
    )
    if (!existing) return problems
    for (const [name, p] of targets) {
      const what = describeRef(p.entry.kind, idOf(p.entry))
      const meta = existing.get(name)
      if (!meta) continue
      if (meta.Tier === 'Advanced' && p.tier === 'Standard')
        add(
          p.entry,
          name,
          'error',
          'codec.invalid',
          `${what} → ${name} is an Advanced parameter and tier is set to Standard; AWS cannot downgrade it. Use tier "auto" or delete the parameter first.`
        )
      if (meta.Type && meta.Type !== this.parameterType)
        add(
          p.entry,
          name,
          'warning',
          'codec.invalid',
          `${what} → ${name} is a ${meta.Type} parameter; the write makes it a ${this.parameterType}.`
        )
    }
    const probed = new Set<string>()
    for (const [name, p] of targets) {
      const parent = name.slice(0, name.lastIndexOf('/') + 1)
      if (probed.has(parent)) continue
      probed.add(parent)
      const problem = await this.probeWrite(name, signal)
      if (problem) addPreflightError(add, this.id, problem, p.entry, name)
    }
    return problems
  }

  /** Checks that the credentials authenticate and may describe parameters; writes nothing. */
  async probeCredentials(signal?: AbortSignal): Promise<void> {
    await this.call('checking the credentials (DescribeParameters)', () =>
      this.client.send(new DescribeParametersCommand({ MaxResults: 1 }), { abortSignal: signal })
    )
  }

  /**
   * PutParameter without Overwrite and with an AllowedPattern no value meets: IAM is checked
   * first, then AWS refuses to store anything (ParameterPatternMismatchException, or
   * ParameterAlreadyExists for an existing name).
   */
  private async probeWrite(name: string, signal?: AbortSignal): Promise<AirlockError | undefined> {
    try {
      await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: 'airlock-probe',
          Type: 'String',
          AllowedPattern: '^$',
          Overwrite: false
        }),
        { abortSignal: signal }
      )
      // AWS stored it after all: take it back so the probe leaves nothing behind.
      await this.client.send(new DeleteParametersCommand({ Names: [name] }), {
        abortSignal: signal
      })
      return undefined
    } catch (error) {
      return probeRefusal(
        this.id,
        `probing write access to ${name} (PutParameter that stores nothing)`,
        error
      )
    }
  }

  // -------------------------------------------------------------------------------------
  // Internals

  /** The list paths of the kinds, without paths another one covers. */
  private paths(kinds: readonly ('connection' | 'variable')[]): string[] {
    const all = [...new Set(kinds.map((k) => ssmListPath(ssmPrefixOf(this.naming, k)!)))]
    const covers = (a: string, b: string) => a === '/' || b === a || b.startsWith(a + '/')
    return all.filter((p) => !all.some((q) => q !== p && covers(q, p)))
  }

  private collect(p: ParameterMetadata, kinds: readonly string[], out: SsmListing): void {
    if (!p.Name) return
    this.known.add(p.Name)
    const readsAs = ssmIdsForName(this.naming, p.Name)
    if (!readsAsEntry(readsAs, kinds)) return
    if (out.parameters.some((x) => x.name === p.Name)) return
    out.parameters.push({ name: p.Name, type: p.Type ?? '', tier: p.Tier ?? '', readsAs })
    if (readsAs.length > 1) out.ambiguous.push({ target: p.Name, readsAs })
    else out.refs.push(firstRef(readsAs))
  }

  /** Metadata of the names that exist (DescribeParameters, Name filter, 50 names a call). */
  private async describe(
    names: readonly string[],
    signal?: AbortSignal
  ): Promise<Map<string, ParameterMetadata>> {
    const found = new Map<string, ParameterMetadata>()
    for (const batch of chunks(names, 50)) {
      let token: string | undefined
      do {
        const filters: ParameterStringFilter[] = [{ Key: 'Name', Option: 'Equals', Values: batch }]
        const input = { ParameterFilters: filters, MaxResults: 50, NextToken: token }
        const page = await this.call('checking which parameters exist (DescribeParameters)', () =>
          this.client.send(new DescribeParametersCommand(input), { abortSignal: signal })
        )
        for (const p of page.Parameters ?? []) if (p.Name) found.set(p.Name, p)
        token = page.NextToken
      } while (token)
    }
    return found
  }

  private async writeOne(p: SsmPlannedWrite, signal?: AbortSignal): Promise<void> {
    const what = `writing ${describeRef(p.entry.kind, idOf(p.entry))} (${p.name})`
    const input: PutParameterCommandInput = {
      Name: p.name,
      Value: p.value,
      Type: this.parameterType,
      Tier: p.tier
    }
    if (this.parameterType === 'SecureString' && this.kmsKeyId) input.KeyId = this.kmsKeyId
    if (!this.known.has(p.name)) {
      try {
        await this.client.send(
          new PutParameterCommand({ ...input, Overwrite: false, Tags: this.tags }),
          {
            abortSignal: signal
          }
        )
        this.known.add(p.name)
        return
      } catch (error) {
        if (awsErrorName(error) !== 'ParameterAlreadyExists') throw awsFailure(this.id, what, error)
      }
    }
    await this.call(what, () =>
      this.client.send(new PutParameterCommand({ ...input, Overwrite: true }), {
        abortSignal: signal
      })
    )
    this.known.add(p.name)
  }
}

/** An SSM Parameter Store profile as a backend (credentials: backends/aws/credentials.ts). */
export function awsSsmFromProfile(p: ServiceProfile): AwsSsmBackend {
  return new AwsSsmBackend(awsOptionsFromProfile(p))
}
