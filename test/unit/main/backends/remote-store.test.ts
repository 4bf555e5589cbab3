import { describe, expect, it } from 'vitest'
import {
  firstLookupTarget,
  isAbortError,
  loadRefs,
  mapListedNames,
  markedByOther,
  marksOf,
  planWrites,
  preflightTargets,
  probeCredentials,
  removalTargets,
  writeEach,
  type CredentialProbe,
  type RemoteNaming,
  type RemoteWording
} from '../../../../src-main/backends/remote-store'
import { AirlockError } from '../../../../src-main/core/errors'
import {
  connectionEntry,
  variableEntry,
  type EntryRef,
  type VariableEntry
} from '../../../../src-main/core/model'

/** `prefix-id`, `_` turned into `-`, compared without case (Key Vault's shape). */
const naming: RemoteNaming = {
  targetOf: (ref) => {
    if (ref.kind === 'connection' && ref.id === 'off') return { skip: 'connections are off' }
    const name = `${ref.kind === 'connection' ? 'conn' : 'var'}-${ref.id.replace(/_/g, '-')}`
    return ref.id.includes('!') ? { name, problem: 'has a "!"' } : { name }
  },
  nameKey: (name) => name.toLowerCase(),
  readName: (name) => {
    const m = /^(conn|var)-(.+)$/i.exec(name)
    if (!m) return []
    const rest = m[2]!
    const ids = rest.includes('-') ? [rest, rest.replace(/-/g, '_')] : [rest]
    return [
      {
        kind: m[1]!.toLowerCase() === 'conn' ? 'connection' : 'variable',
        ids,
        teamScoped: rest.includes('--')
      }
    ]
  }
}

const wording: RemoteWording = {
  service: 'Test Store',
  rejectedWrite: (label, name, problem) => `write ${label} → ${name}: ${problem}`,
  rejectedName: (label, name, problem) => `name ${label} → ${name}: ${problem}`,
  collidingWrite: (label, other, name) => `write ${label} and ${other} → ${name}`,
  collidingName: (label, other, name) => `name ${label} and ${other} → ${name}`
}

const text = {
  encode: (e: { kind: string; value?: string }) => (e as VariableEntry).value ?? '{}',
  sizeOf: (v: string) => Buffer.byteLength(v),
  maxBytes: 8
}

async function rejection(run: () => Promise<unknown> | unknown): Promise<AirlockError> {
  try {
    await run()
  } catch (error) {
    if (error instanceof AirlockError) return error
    throw error
  }
  throw new Error('expected an AirlockError')
}

describe('remote-store skeleton', () => {
  it('marks what it writes with the kind, the id and the team', () => {
    expect(marksOf(variableEntry('k', 'v'))).toEqual({
      'airlock-kind': 'variable',
      'airlock-id': 'k'
    })
    expect(marksOf(connectionEntry('c', {}, 'team_a'))).toEqual({
      'airlock-kind': 'connection',
      'airlock-id': 'c',
      'airlock-team': 'team_a'
    })
  })

  it('maps listed names back by their marks, else by the naming, and reports what it cannot tell', () => {
    const mapped = mapListedNames(
      'store:test',
      naming,
      [
        { name: 'var-my-key', marks: { 'airlock-kind': 'variable', 'airlock-id': 'my_key' } },
        { name: 'var-key', marks: { 'airlock-kind': 'variable', 'airlock-id': 'key' } },
        // the same secret for the service (case is ignored): listed once
        { name: 'VAR-KEY', marks: {} },
        { name: 'conn-db', marks: {} },
        { name: 'conn-other-db', marks: {} },
        // marks that the naming does not put at this name are ignored
        { name: 'var-plain', marks: { 'airlock-kind': 'variable', 'airlock-id': 'elsewhere' } },
        { name: 'unrelated', marks: {} }
      ],
      {}
    )
    expect(mapped.refs).toEqual([
      {
        kind: 'variable',
        id: 'my_key',
        source: { backendId: 'store:test', path: 'var-my-key', fromKey: 'my_key' }
      },
      {
        kind: 'variable',
        id: 'key',
        source: { backendId: 'store:test', path: 'var-key', fromKey: 'key' }
      },
      {
        kind: 'connection',
        id: 'db',
        source: { backendId: 'store:test', path: 'conn-db', fromKey: 'db' }
      },
      {
        kind: 'variable',
        id: 'plain',
        source: { backendId: 'store:test', path: 'var-plain', fromKey: 'plain' }
      }
    ])
    expect(mapped.ambiguous).toEqual([
      {
        name: 'conn-other-db',
        reading: { kind: 'connection', ids: ['other-db', 'other_db'], teamScoped: false }
      }
    ])
    const variablesOnly = mapListedNames('store:test', naming, [{ name: 'conn-db', marks: {} }], {
      kinds: ['variable']
    })
    expect(variablesOnly).toEqual({ refs: [], ambiguous: [] })
  })

  it('loads every ref in order, turning a failed read into a problem of that ref', async () => {
    const refs: EntryRef[] = ['a', 'b', 'c', 'd'].map((id) => ({ kind: 'variable', id }))
    const listing = [{ ref: refs[0]!, code: 'codec.invalid' as const, message: 'listed badly' }]
    const loaded = await loadRefs(
      refs,
      listing,
      async (ref) => {
        if (ref.id === 'b') throw new AirlockError('codec.parse', 'b does not parse')
        if (ref.id === 'c') return undefined
        return variableEntry(ref.id, ref.id.toUpperCase())
      },
      { concurrency: 2 }
    )
    expect(loaded.entries.map((e) => (e as VariableEntry).key)).toEqual(['a', 'd'])
    expect(loaded.problems.map((p) => p.message)).toEqual(['listed badly', 'b does not parse'])

    const down = await rejection(() =>
      loadRefs(
        refs,
        [],
        async () => {
          throw new AirlockError('backend.unreachable', 'down')
        },
        { concurrency: 2, fatal: (e) => e.code === 'backend.unreachable' }
      )
    )
    expect(down.userMessage).toBe('down')
    await expect(
      loadRefs(
        refs,
        [],
        async () => {
          throw new TypeError('bug')
        },
        { concurrency: 1 }
      )
    ).rejects.toThrow(TypeError)
  })

  it('writes with bounded concurrency and says how far a failed batch got', async () => {
    let inFlight = 0
    let most = 0
    await writeEach([1, 2, 3, 4, 5], 2, async () => {
      most = Math.max(most, ++inFlight)
      await new Promise((r) => setTimeout(r, 1))
      inFlight--
    })
    expect(most).toBe(2)

    const failAt = (n: number) => async (item: number) => {
      if (item === n) throw new AirlockError('backend.access-denied', `item ${n} denied.`)
    }
    const later = await rejection(() => writeEach([1, 2, 3, 4], 1, failAt(3)))
    expect(later.userMessage).toBe('item 3 denied. 2 of 4 entries were written before it failed.')
    expect(later.code).toBe('backend.access-denied')
    const first = await rejection(() => writeEach([1, 2], 1, failAt(1)))
    expect(first.userMessage).toBe('item 1 denied.')
    const noted = await rejection(() =>
      writeEach([1, 2], 1, failAt(1), { note: (w, t) => `${w}/${t}, the others were not.` })
    )
    expect(noted.userMessage).toBe('item 1 denied. 0/2, the others were not.')
  })

  it('plans a write only when every entry has a free name the service accepts and fits', () => {
    const plan = planWrites('store:test', naming, wording, [variableEntry('a', 'x')], text)
    expect(plan).toEqual([{ entry: variableEntry('a', 'x'), name: 'var-a', payload: 'x' }])
    // The same id twice is one secret, not a collision.
    expect(
      planWrites(
        'store:test',
        naming,
        wording,
        [variableEntry('a', 'x'), variableEntry('a', 'y')],
        text
      )
    ).toHaveLength(2)
    const refuse = (entries: Parameters<typeof planWrites>[3]) => {
      try {
        planWrites('store:test', naming, wording, entries, text)
      } catch (error) {
        return [(error as AirlockError).code, (error as AirlockError).userMessage]
      }
      return undefined
    }
    expect(refuse([connectionEntry('off')])).toEqual([
      'usage',
      'store:test: connection "off" cannot be written: connections are off.'
    ])
    expect(refuse([variableEntry('a!', 'x')])).toEqual([
      'codec.invalid',
      'store:test: write variable "a!" → var-a!: has a "!"'
    ])
    expect(refuse([variableEntry('my_key', 'x'), variableEntry('MY-KEY', 'y')])).toEqual([
      'job.conflict',
      'store:test: write variable "MY-KEY" and variable "my_key" → var-MY-KEY'
    ])
    expect(refuse([variableEntry('big', '123456789')])).toEqual([
      'codec.invalid',
      'store:test: variable "big" (secret var-big) is 9 bytes; Test Store holds at most 8. Nothing was written.'
    ])
  })

  it('lists every target problem in the pre-flight, and the entries that have a name', () => {
    const { problems, named } = preflightTargets(
      naming,
      wording,
      [
        connectionEntry('off'),
        variableEntry('a!', 'x'),
        variableEntry('my_key', 'x'),
        variableEntry('my-key', 'y'),
        variableEntry('big', '123456789')
      ],
      text
    )
    expect(problems.map((p) => [p.check, p.target, p.message])).toEqual([
      [
        'disabled',
        null,
        'connection "off": connections are off; enable its prefix or leave it out.'
      ],
      ['name', 'var-a!', 'name variable "a!" → var-a!: has a "!"'],
      ['collision', 'var-my-key', 'name variable "my-key" and variable "my_key" → var-my-key'],
      [
        'size',
        'var-big',
        'variable "big" (var-big) is 9 bytes; Test Store holds at most 8. Shorten it.'
      ]
    ])
    expect(named.map((n) => n.name)).toEqual(['var-my-key', 'var-my-key', 'var-big'])
  })

  it('removes each secret once, skipping refs without a usable name', () => {
    const refs: EntryRef[] = [
      { kind: 'variable', id: 'my_key' },
      { kind: 'variable', id: 'MY-KEY' },
      { kind: 'variable', id: 'bad!' },
      { kind: 'connection', id: 'off' }
    ]
    expect(removalTargets(naming, refs)).toEqual([
      { name: 'var-MY-KEY', ref: { kind: 'variable', id: 'MY-KEY' } }
    ])
  })

  it('flags a secret whose marks name another id', () => {
    const ref: EntryRef = { kind: 'variable', id: 'a' }
    expect(markedByOther(ref, 'var-a', undefined, 'x')).toBeUndefined()
    expect(
      markedByOther(ref, 'var-a', { 'airlock-kind': 'variable', 'airlock-id': 'a' }, 'x')
    ).toBeUndefined()
    expect(
      markedByOther(
        ref,
        'var-a',
        { 'airlock-kind': 'connection', 'airlock-id': 'a' },
        'writing would replace it'
      )?.message
    ).toBe(
      'variable "a" maps to var-a, which already holds connection "a"; writing would replace it. Rename one.'
    )
  })

  it('probes listing and writing per kind without writing', async () => {
    const tried: string[] = []
    const probe = (denied: { list?: boolean; write?: boolean }): CredentialProbe => ({
      listOne: async () => {
        if (denied.list) throw Object.assign(new Error('denied'), { status: 403 })
      },
      probeName: (kind, random) =>
        kind === 'connection' ? undefined : `var-airlock-probe-${random}`,
      tryWrite: async (name) => {
        tried.push(name)
        throw Object.assign(new Error(denied.write ? 'denied' : 'missing'), {
          status: denied.write ? 403 : 404
        })
      },
      isNotFound: (error) => (error as { status?: number }).status === 404,
      isAbort: (error) => (error as Error).name === 'AbortError',
      failure: (_error, operation, what) =>
        new AirlockError('backend.access-denied', `${operation} ${what} denied`),
      writeVerb: (kind) => `set ${kind}s`
    })
    const entries = [connectionEntry('c'), variableEntry('v', 'x'), variableEntry('w', 'y')]
    expect(await probeCredentials(entries, probe({}))).toEqual({ problems: [], canList: true })
    expect(tried).toHaveLength(1)
    expect(tried[0]).toMatch(/^var-airlock-probe-[a-z0-9]+$/)
    const denied = await probeCredentials(entries, probe({ list: true, write: true }))
    expect(denied.canList).toBe(false)
    expect(denied.problems.map((p) => [p.check, p.code, p.message])).toEqual([
      ['credentials', 'backend.access-denied', 'probe: list secrets  denied'],
      [
        'credentials',
        'backend.access-denied',
        expect.stringMatching(/^probe: set variables \(under var-airlock-probe-/)
      ]
    ])
  })
})

type Step = { n: string; problem?: string }

describe('remote-store lookup targets', () => {
  it('takes the first name a lookup asks for, with its problem', () => {
    const steps: Step[] = [{ n: 'team--a', problem: 'too long' }, { n: 'a' }]
    expect(firstLookupTarget({ outcome: 'lookup', steps }, (s) => s.n)).toEqual({
      name: 'team--a',
      problem: 'too long'
    })
    const one: Step[] = [{ n: 'a' }]
    expect(firstLookupTarget({ outcome: 'lookup', steps: one }, (s) => s.n)).toEqual({
      name: 'a'
    })
  })

  it('skips with the reason where no name is asked for', () => {
    for (const outcome of ['disabled', 'refused', 'error'] as const)
      expect(firstLookupTarget({ outcome, reason: 'why' }, () => 'x')).toEqual({ skip: 'why' })
  })

  it('tells an abort from other failures', () => {
    expect(isAbortError(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(true)
    expect(isAbortError(new Error('x'))).toBe(false)
    expect(isAbortError(null)).toBe(false)
  })
})
