// Jobs in this process: a plan document made from two in-memory stores, applied, resumed and
// rolled back through the engine with an in-memory keychain — no session bus needed.
import type { Backend } from '../../src-main/backends/backend'
import { EnvFileBackend } from '../../src-main/backends/env-file'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { variableEntry, type Entry } from '../../src-main/core/model'
import { fingerprinter } from '../../src-main/core/fingerprint'
import { plan, type PlanDocument, type PlanOptions } from '../../src-main/core/plan'
import { newPlanKey } from '../../src-main/jobs/job-store'
import { signPlan } from '../../src-main/jobs/plan-signature'
import type { Keychain } from '../../src-main/keychain/keychain'
import { osLikeKeychain } from './test-keychain'

/** A plan document from `source` to `target`, its key stored in `keychain` and signed (as `airlock plan` does). */
export async function planBetween(
  source: Backend,
  target: Backend,
  keychain: Keychain,
  options: PlanOptions = { onConflict: 'overwrite' }
): Promise<PlanDocument> {
  const planId = `test-${Date.now()}-${Math.random().toString(36).slice(2)}`
  const fp = fingerprinter(await newPlanKey(keychain, planId))
  const [s, t] = [await source.load({}), await target.load({})]
  const result = plan(s.entries, t.entries, options, fp)
  return signPlan(
    {
      version: 1,
      planId,
      createdAt: new Date().toISOString(),
      source: source.id,
      target: target.id,
      dialect: 'airflow3',
      options,
      summary: result.summary,
      items: result.items
    },
    keychain
  )
}

/**
 * `inner` with another kind and write/remove/preflight replaced: a store as a test needs. One
 * whose `write` is replaced has no `putBack` (a rollback writes through the `write` the test
 * watches or fails, as it did before places) unless one is given.
 */
export function storeLike(
  inner: Backend,
  overrides: Partial<
    Pick<Backend, 'kind' | 'write' | 'remove' | 'pacer' | 'preflight' | 'putBack' | 'placesOf'>
  >
): Backend {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof typeof overrides]
      if (prop === 'putBack' && 'write' in overrides) return undefined
      const value = Reflect.get(target, prop, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

/**
 * A job's worth of items with gaps in their indexes: `src` as the source; a `.env` target at
 * `path` holding every 7th source entry as it is, every 3rd with an older value (a NUL value
 * left out: the pre-flight refuses it) and `extraneous` ids the source lacks; and the signed
 * plan into it — extraneous ids deleted, every 250th connection renamed, every 300th variable
 * from the 3rd in conflict and left.
 */
export async function envTargetScenario(src: Entry[], path: string, extraneous: number) {
  const keychain = osLikeKeychain()
  const source = new InMemoryBackend({ id: 'memory:source', entries: src })
  const file = new EnvFileBackend({ path })
  const init: Entry[] = []
  src.forEach((e, i) => {
    if (e.kind === 'variable' && e.value.includes('\0')) return
    if (i % 7 === 0) init.push(e)
    else if (i % 3 === 0)
      init.push(
        e.kind === 'variable'
          ? { ...e, value: `old-${i}` }
          : { ...e, fields: { ...e.fields, password: `old-${i}` } }
      )
  })
  for (let x = 0; x < extraneous; x++) init.push(variableEntry(`extra_${x}`, `gone-${x}`))
  await file.write(init)
  const rename: Record<string, string> = {}
  for (let i = 0; i < src.length; i += 250) rename[`conn_${i}`] = `renamed_${i}`
  const conflictOverrides: Record<string, 'skip'> = {}
  for (let i = 3; i < src.length; i += 300) conflictOverrides[`var_${i}`] = 'skip'
  const doc = await planBetween(source, file, keychain, {
    onConflict: 'overwrite',
    deleteExtraneous: true,
    rename,
    conflictOverrides
  })
  return { keychain, source, doc, path, file }
}
