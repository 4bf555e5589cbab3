// Jobs in this process: a plan document made from two in-memory stores, applied, resumed and
// rolled back through the engine with an in-memory keychain — no session bus needed.
import type { Backend } from '../../src-main/backends/backend'
import { fingerprinter } from '../../src-main/core/fingerprint'
import { plan, type PlanDocument, type PlanOptions } from '../../src-main/core/plan'
import { newPlanKey } from '../../src-main/jobs/job-store'
import { signPlan } from '../../src-main/jobs/plan-signature'
import type { Keychain } from '../../src-main/keychain/keychain'

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

/** `inner` with another kind and write/remove/preflight replaced: a store as a test needs. */
export function storeLike(
  inner: Backend,
  overrides: Partial<Pick<Backend, 'kind' | 'write' | 'remove' | 'pacer' | 'preflight'>>
): Backend {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof typeof overrides]
      const value = Reflect.get(target, prop, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
