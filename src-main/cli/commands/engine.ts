/** `airlock effective`, `airlock plan`, `airlock diff`: precedence and migration previews. */
import type { EntryKind } from '../../backends/backend'
import type { LocatorOptions } from '../../operations/open-store'
import type { ConflictPolicy, PlanItem } from '../../core/plan'
import { RUNTIME_MODELS } from '../../core/precedence'
import type { Dialect } from '../../core/model'
import type { Keychain } from '../../keychain/keychain'
import { diffStores } from '../../operations/diff'
import type { CutoverView } from '../../operations/cutover'
import type { RuntimeRequest } from '../../operations/effective'
import { planStores, type PlannedStores } from '../../operations/plan'
import { dataDir } from '../../platform/paths'
import { EXIT_ITEMS_FAILED, EXIT_OK, OutputBuffer, UsageError, writeLine, type CliIo } from '../io'

/** Options of `airlock effective`. */
export interface EffectiveFlags {
  runtime?: string
  model?: string
  layer?: string[]
  id?: string[]
  json?: boolean
}

/** `--runtime`, `--model`, `--layer role=store` as a runtime request; the flags' own mistakes named as flags. */
function runtimeFlags(
  flags: Pick<EffectiveFlags, 'runtime' | 'model' | 'layer'>
): Required<Pick<RuntimeRequest, 'layers'>> & RuntimeRequest {
  if (
    flags.runtime !== undefined &&
    flags.runtime !== 'demo' &&
    !flags.runtime.startsWith('airflow-config:')
  )
    throw new UsageError('--runtime takes demo or airflow-config:PATH (or give --layer role=store)')
  if (flags.model !== undefined && !Object.hasOwn(RUNTIME_MODELS, flags.model))
    throw new UsageError(`--model must be one of ${Object.keys(RUNTIME_MODELS).join(', ')}`)
  const layers: Record<string, string> = {}
  for (const spec of flags.layer ?? []) {
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new UsageError('--layer takes role=store, e.g. --layer metastore=demo:')
    layers[spec.slice(0, eq)] = spec.slice(eq + 1)
  }
  return { runtime: flags.runtime, model: flags.model, layers }
}

/** `airlock effective [--runtime demo|airflow-config:PATH] [--model M] [--layer role=store]… [--id ID]… [--json]`. */
export async function effectiveCommand(
  io: CliIo,
  flags: EffectiveFlags,
  kinds: EntryKind[] | undefined,
  locatorOptions: LocatorOptions
): Promise<number> {
  const { layerLookups, loadEffective, runtimeLayers } = await import('../../operations/effective')
  const resolved = await runtimeLayers(runtimeFlags(flags), locatorOptions)
  const { model, notes, configured } = resolved
  const layerLocators = resolved.locators
  if (layerLocators.size === 0)
    throw new UsageError(
      'effective needs --runtime demo|airflow-config:PATH or at least one --layer role=store'
    )
  const ids = flags.id?.flatMap((id) =>
    (kinds ?? (['connection', 'variable'] as const)).map((kind) => ({ kind, id }))
  )
  const { specs, data, ...loaded } = await loadEffective(resolved, { kinds, ids, locatorOptions })
  // --id without --kind looks the id up as both kinds: a kind no layer holds is left out when
  // the other kind was found (a connection id is not also "a variable not found"), and said.
  const nowhere = (it: (typeof loaded.items)[number]) =>
    it.winner === null && it.layers.every((v) => v.status !== 'unreadable')
  const items = loaded.items.filter(
    (it) =>
      kinds ||
      !ids ||
      !nowhere(it) ||
      !loaded.items.some((o) => o.id === it.id && o.kind !== it.kind && !nowhere(o))
  )
  if (ids && !kinds)
    for (const id of new Set(ids.map((r) => r.id))) {
      const found = items.filter((it) => it.id === id && !nowhere(it)).map((it) => it.kind)
      io.stderr.write(
        `airlock: note: --id ${id} looked up as a connection and as a variable (no --kind): ${
          found.length ? `found as ${found.join(' and ')}` : 'found as neither'
        }\n`
      )
    }
  const lookups = flags.json
    ? await layerLookups(specs, layerLocators, configured, locatorOptions)
    : []
  for (const n of notes) io.stderr.write(`airlock: note: ${n}\n`)
  for (const [i, d] of data.entries())
    if (d.state === 'failed')
      io.stderr.write(
        `airlock: layer ${specs[i]!.label} failed (Airflow logs this and moves on): ${d.error.message}\n`
      )
  if (flags.json) {
    for (const it of items)
      await writeLine(
        io.stdout,
        JSON.stringify({
          kind: it.kind,
          id: it.id,
          winner:
            it.winner === null
              ? null
              : { layer: specs[it.winner]!.label, role: specs[it.winner]!.role },
          layers: it.layers.map((v, i) => ({
            layer: specs[i]!.label,
            role: specs[i]!.role,
            // a shadowed layer's `differs`: the names of the fields that differ
            ...v,
            ...lookups[i]?.(it.kind, it.id)
          })),
          notes: it.notes
        })
      )
  } else {
    io.stdout.write(
      `runtime: ${RUNTIME_MODELS[model].label}\nlayers: ${specs.map((s, i) => `${i + 1}. ${s.label}${data[i]!.state === 'not-inspected' ? ' (not inspected)' : ''}`).join('  ')}\n\n`
    )
    const rows = [['KIND', 'ID', 'READ FROM', 'SHADOWED (fields that differ)']]
    for (const it of items) {
      const shadowed = it.layers.flatMap((v, i) =>
        v.status === 'shadowed'
          ? [`${i + 1}. ${specs[i]!.label} (${v.differs.join(', ') || 'same value'})`]
          : []
      )
      rows.push([
        it.kind === 'connection' ? 'conn' : 'var',
        it.id,
        it.winner !== null
          ? `${it.winner + 1}. ${specs[it.winner]!.label}`
          : it.layers.some((v) => v.status === 'unreadable')
            ? `— (unreadable in ${it.layers
                .flatMap((v, i) =>
                  v.status === 'unreadable' ? [`${i + 1}. ${specs[i]!.label}`] : []
                )
                .join(', ')}; see --json)`
            : '— (not found in any inspected layer)',
        shadowed.join('; ')
      ])
    }
    const widths = rows[0]!.map((_, i) => Math.min(50, Math.max(...rows.map((r) => r[i]!.length))))
    for (const r of rows)
      await writeLine(
        io.stdout,
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()
      )
  }
  return data.some((d) => d.state === 'failed') ? EXIT_ITEMS_FAILED : EXIT_OK
}

/** Options of `airlock plan` / `airlock diff`. */
export interface PlanFlags {
  out?: string
  include?: string[]
  exclude?: string[]
  rename?: string[]
  prefix?: string[]
  'on-conflict'?: string
  'delete-extraneous'?: boolean
  json?: boolean
  /** The cutover preview (plan only): the runtime, its model, layers given as role=store. */
  runtime?: string
  model?: string
  layer?: string[]
}

function pairs(list: string[] | undefined, flag: string): [string, string][] {
  return (list ?? []).map((p) => {
    const eq = p.indexOf('=')
    if (eq <= 0) throw new UsageError(`${flag} takes old=new (got ${JSON.stringify(p)})`)
    return [p.slice(0, eq), p.slice(eq + 1)]
  })
}

const SYMBOL: Record<PlanItem['action'], string> = {
  create: '+',
  update: '~',
  delete: '-',
  unchanged: '=',
  conflict: '!'
}

/** `airlock plan <source> <target> …` (and `diff`, which is a plan with every difference shown). */
export async function planCommand(
  io: CliIo,
  mode: 'plan' | 'diff',
  sourceLocator: string,
  targetLocator: string,
  flags: PlanFlags,
  kinds: EntryKind[] | undefined,
  dialect: Dialect,
  locatorOptions: LocatorOptions
): Promise<number> {
  if (mode === 'diff' && (flags.out !== undefined || flags['on-conflict'] !== undefined))
    throw new UsageError(
      `${flags.out !== undefined ? '--out' : '--on-conflict'} is for airlock plan; diff only shows the differences`
    )
  const wantsCutover =
    flags.runtime !== undefined || flags.model !== undefined || flags.layer !== undefined
  // the runtime and the target's place in it are settled before anything is planned
  // the cutover preview (and `effective`) load where used: a plan or diff without one needs
  // neither, nor the secrets services' rules they read (issue #22)
  const cutovers = wantsCutover ? await import('../../operations/cutover') : undefined
  const placement = cutovers
    ? await cutovers.placeTarget(targetLocator, runtimeFlags(flags), locatorOptions)
    : undefined
  const policy = (flags['on-conflict'] ?? 'overwrite') as ConflictPolicy
  if (!['skip', 'overwrite', 'fail'].includes(policy))
    throw new UsageError('--on-conflict must be skip, overwrite or fail')
  const pair = {
    source: sourceLocator,
    target: targetLocator,
    dialect,
    locatorOptions,
    kinds,
    onProblem: (message: string) => io.stderr.write(`airlock: ${message}\n`)
  }
  const filters = {
    include: flags.include,
    exclude: flags.exclude,
    rename: Object.fromEntries(pairs(flags.rename, '--rename')),
    prefixMap: pairs(flags.prefix, '--prefix')
  }
  const planned =
    mode === 'diff'
      ? {
          // the sides are kept only for a cutover preview; without, unchanged texts go unread
          // text shows no fingerprints: they are made only for --json (and a cutover preview)
          ...(await diffStores({
            ...pair,
            plan: filters,
            sides: placement !== undefined,
            fingerprints: Boolean(flags.json) || placement !== undefined,
            // text lists only what differs
            unchangedItems: Boolean(flags.json) || placement !== undefined
          })),
          preflightErrors: 0,
          storeProblems: []
        }
      : await planStores({
          ...pair,
          plan: {
            ...filters,
            onConflict: policy,
            deleteExtraneous: Boolean(flags['delete-extraneous'])
          },
          planKey: flags.out ? (planId) => planKey(io, planId) : undefined,
          sides: placement !== undefined
        })
  const cutover =
    cutovers && placement
      ? await cutovers.previewCutover(planned, placement, locatorOptions)
      : undefined
  return printPlan(io, mode, planned, flags, cutover)
}

/** Prints a plan (or diff) as `plan` does, saving it signed with --out; the exit code. */
async function printPlan(
  io: CliIo,
  mode: 'plan' | 'diff',
  planned: Pick<PlannedStores, 'result' | 'document' | 'preflightErrors' | 'storeProblems'>,
  flags: PlanFlags,
  cutover: CutoverView | undefined
): Promise<number> {
  const { result, preflightErrors, storeProblems } = planned
  for (const p of storeProblems)
    io.stderr.write(`airlock: pre-flight ${p.severity}: ${p.message}\n`)
  for (const n of cutover?.notes ?? []) io.stderr.write(`airlock: note: ${n}\n`)
  const shown = result.items.filter((i) => mode === 'plan' || i.action !== 'unchanged')
  if (flags.json || flags.out) {
    // a saved plan is signed, so apply runs it only as it was made (jobs/plan-signature.ts)
    // jobs/ (and retry below) load where used: a diff needs neither (issue #22)
    const doc = planned.document
    if (flags.out) {
      await (
        await import('../../jobs/plan-signature')
      ).writeSignedPlan(flags.out, doc, await openCliKeychain(io))
      io.stderr.write(`plan written to ${flags.out} (no values: fingerprints only)\n`)
    } else
      await writeLine(
        io.stdout,
        JSON.stringify(
          cutover
            ? { ...doc, cutover: (await import('../../operations/cutover')).cutoverDto(cutover) }
            : doc
        )
      )
  } else {
    // in 64 KB buffers, not a write per line (12 k lines: most of the printing)
    const out = new OutputBuffer(io.stdout, 1 << 16)
    for (const i of shown) {
      const changed = i.diff.filter((d) => d.change === 'changed').map((d) => d.field)
      const detail =
        i.action === 'update' || i.action === 'conflict' ? ` (${changed.join(', ')})` : ''
      const rename = i.sourceId && i.sourceId !== i.targetId ? ` ← ${i.sourceId}` : ''
      out.line(
        `${SYMBOL[i.action]} ${i.kind === 'connection' ? 'conn' : 'var '} ${i.targetId}${rename}${detail}${i.resolution ? ` [${i.resolution}]` : ''}`
      )
      for (const w of i.warnings) out.line(`    warning: ${w}`)
      if (out.full) await out.flush()
    }
    await out.flush()
  }
  const sum = result.summary
  io.stderr.write(
    `${mode}: ${sum.create} to create, ${sum.update} to update, ${sum.delete} to delete, ${sum.unchanged} unchanged, ${sum.conflict} in conflict\n`
  )
  // the cutover is not part of the signed plan file: printed, or in --json's line only
  if (cutover && !(flags.json && !flags.out)) await printCutover(io, cutover)
  if (preflightErrors)
    io.stderr.write(`${preflightErrors} pre-flight errors: fix them before applying\n`)
  return preflightErrors ||
    (mode === 'plan' &&
      result.items.some((i) => i.action === 'conflict' && i.resolution === 'fail'))
    ? EXIT_ITEMS_FAILED
    : EXIT_OK
}

/**
 * `airlock plan --retry-failed JOB [SOURCE TARGET] [--out FILE] [--json]`: a plan of the job's
 * failed items against its stores as they are now (operations/retry.ts), printed and saved as
 * `plan` prints and saves one.
 */
export async function retryPlanCommand(
  io: CliIo,
  jobId: string,
  sourceLocator: string | undefined,
  targetLocator: string | undefined,
  flags: PlanFlags,
  locatorOptions: LocatorOptions
): Promise<number> {
  const { planRetryFailed } = await import('../../operations/retry')
  const retry = await planRetryFailed({
    dataDir: dataDir(io.env),
    jobId,
    locatorOptions,
    source: sourceLocator,
    target: targetLocator,
    planKey: flags.out ? (planId) => planKey(io, planId) : undefined
  })
  io.stderr.write(
    `airlock: job ${jobId} failed ${retry.failed} item(s); planned again against ${retry.source} → ${retry.target} as they are now\n`
  )
  for (const d of retry.dropped)
    io.stderr.write(`airlock: note: ${d.id} is not planned again: ${d.reason}\n`)
  return printPlan(io, 'plan', retry.planned, flags, undefined)
}

/** The keychain `plan --out` keeps its keys in (loaded where used: a diff needs none). */
async function openCliKeychain(io: CliIo): Promise<Keychain> {
  return (await import('./keystore')).openCliKeychain(io)
}

/** The key of a plan written with --out: kept in the keychain so `apply` can check drift. */
async function planKey(io: CliIo, planId: string): Promise<Uint8Array> {
  const keychain = await openCliKeychain(io)
  const { isPersistent, noKeychainMessage } = await import('../../keychain/keychain')
  if (!isPersistent(keychain))
    io.stderr.write(
      `airlock: warning: ${noKeychainMessage('this plan cannot be applied after this run (its drift key and the key that signs it are not saved)')}\n`
    )
  const { newPlanKey } = await import('../../jobs/job-store')
  return newPlanKey(keychain, planId)
}

/** The counts per outcome, then one line per shadowed id naming the layer that wins. */
async function printCutover(io: CliIo, view: CutoverView): Promise<void> {
  const c = view.counts
  await writeLine(
    io.stdout,
    `cutover (${RUNTIME_MODELS[view.model].label}; the target is the layer ${view.target.layer}): ${c.readsNew} will read the new value, ${c.alreadyEqual} no change (already equal), ${c.shadowed} shadowed`
  )
  for (const i of view.items)
    if (i.outcome === 'shadowed' && i.winner)
      await writeLine(
        io.stdout,
        `  shadowed ${i.kind === 'connection' ? 'conn' : 'var '} ${i.id}: ${i.winner.name} in ${i.winner.layer} still wins (${i.differs ? 'its value differs' : 'same value'})`
      )
}
