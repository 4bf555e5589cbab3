// The profile form renders from the field specs main sends (app:info, core/profile-fields.ts):
// only the chosen kind's and method's fields, each labelled, optional ones marked; it names
// each field it refuses; and a profile's test runs again after a job wrote to it.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type {
  JobDto,
  ProfileAddRequest,
  ProfileDto,
  ProfileTestDto
} from '../../../src-main/contract/ipc'
import { appInfo } from '../../../src-main/ipc/handlers/app'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { ProfilesScreen } from '../../../src-renderer/features/profiles/ProfilesScreen'
import {
  checkFields,
  kindFields,
  splitProfile
} from '../../../src-renderer/features/profiles/profile-form-model'
import { fakeBridge } from '../../support/fake-bridge'

const info = appInfo('web')
const kindInfo = (kind: string) => info.profileKinds.find((k) => k.kind === kind)!

function setup(initial: ProfileDto[] = []) {
  let profiles = [...initial]
  const added: ProfileAddRequest[] = []
  let tests = 0
  let jobs: JobDto[] = []
  const bridge = fakeBridge({
    'app:info': () => ({ ok: true, value: info }),
    'keychain:status': () => ({ ok: true, value: { kind: 'os', warning: null } }),
    'profiles:list': () => ({ ok: true, value: profiles }),
    'profiles:add': (request) => {
      added.push(request)
      const p: ProfileDto = {
        name: request.name,
        ...request.profile,
        secrets: {},
        updatedAt: ''
      }
      profiles = [...profiles, p]
      return { ok: true, value: p }
    },
    'profiles:test': () => {
      tests++
      const value: ProfileTestDto = {
        ok: true,
        connections: tests,
        variables: 0,
        error: null,
        latencyMs: 7
      }
      return { ok: true, value }
    },
    'jobs:list': () => ({ ok: true, value: jobs })
  })
  const store = createAppStore(bridge)
  store.setState({ info, infoStatus: 'ready' })
  render(
    <StoreContext.Provider value={store}>
      <ProfilesScreen />
    </StoreContext.Provider>
  )
  return {
    store,
    bridge,
    added,
    setProfiles: (next: ProfileDto[]) => (profiles = next),
    setJobs: (next: JobDto[]) => (jobs = next)
  }
}

const fieldLabels = () =>
  within(screen.getByTestId('profile-fields'))
    .getAllByText((_, el) => el?.classList.contains('profile-field-label') ?? false)
    .map((el) => el.textContent)

afterEach(cleanup)

describe('profile form', () => {
  it('shows only the Vault fields of the chosen auth method, labelled', async () => {
    setup()
    fireEvent.click(await screen.findByTestId('profile-add'))
    fireEvent.change(screen.getByTestId('profile-kind'), { target: { value: 'vault' } })
    expect(fieldLabels()).toContain('Vault token')
    expect(fieldLabels()).not.toContain('Role ID')
    expect(fieldLabels()).toContain('Namespace (optional)')
    fireEvent.change(screen.getByTestId('profile-method'), { target: { value: 'approle' } })
    expect(fieldLabels()).toEqual(expect.arrayContaining(['Role ID', 'Secret ID (optional)']))
    expect(fieldLabels()).not.toContain('Vault token')
    // the fields are labelled for assistive technology too
    expect(screen.getByLabelText('Role ID')).toBe(screen.getByTestId('profile-field-param.role_id'))
  })

  it('reads an AWS session token as optional and offers the regions as a list', async () => {
    setup()
    fireEvent.click(await screen.findByTestId('profile-add'))
    fireEvent.change(screen.getByTestId('profile-kind'), { target: { value: 'aws-ssm' } })
    fireEvent.change(screen.getByTestId('profile-method'), { target: { value: 'static' } })
    expect(fieldLabels()).toEqual(
      expect.arrayContaining(['Access key ID', 'Secret access key', 'Session token (optional)'])
    )
    const region = screen.getByTestId('profile-field-region') as HTMLSelectElement
    expect([...region.options].map((o) => o.value)).toContain('eu-west-1')
    expect(screen.getByTestId('profile-secret-sessionToken').getAttribute('type')).toBe('password')
  })

  it('names each field it refuses and sends nothing, then sends the fields as main keeps them', async () => {
    const { added } = setup()
    fireEvent.click(await screen.findByTestId('profile-add'))
    fireEvent.change(screen.getByTestId('profile-name'), { target: { value: 'v' } })
    fireEvent.change(screen.getByTestId('profile-kind'), { target: { value: 'vault' } })
    fireEvent.change(screen.getByTestId('profile-method'), { target: { value: 'approle' } })
    fireEvent.submit(screen.getByTestId('profile-form'))
    expect((await screen.findByTestId('profile-error')).textContent).toContain(
      'Fix the fields marked below: Vault URL, Role ID.'
    )
    expect(screen.getByTestId('profile-url').getAttribute('aria-invalid')).toBe('true')
    expect(added).toEqual([])
    fireEvent.change(screen.getByTestId('profile-url'), { target: { value: 'http://v:8200' } })
    fireEvent.change(screen.getByTestId('profile-field-param.role_id'), {
      target: { value: 'role-1' }
    })
    fireEvent.change(screen.getByTestId('profile-field-kwarg.kv_engine_version'), {
      target: { value: '1' }
    })
    fireEvent.change(screen.getByTestId('profile-secret-secretId'), { target: { value: 'sid' } })
    // each field's problem went as it was filled, and the summary with the last one
    expect(screen.queryByTestId('profile-error')).toBeNull()
    expect(screen.getByTestId('profile-url').getAttribute('aria-invalid')).toBeNull()
    fireEvent.submit(screen.getByTestId('profile-form'))
    await waitFor(() => expect(added).toHaveLength(1))
    expect(added[0]).toMatchObject({
      name: 'v',
      profile: {
        kind: 'vault',
        url: 'http://v:8200',
        credential: { method: 'approle', params: { role_id: 'role-1' } },
        backendKwargs: { kv_engine_version: 1 }
      },
      secrets: { secretId: 'sid' }
    })
  })

  it('splits a saved profile into its fields and the other kwargs, and joins them back', () => {
    const vault = kindInfo('vault')
    const p: ProfileDto = {
      name: 'v',
      kind: 'vault',
      url: 'http://v',
      region: null,
      airflowVersion: null,
      credential: { method: 'token', params: {} },
      backendKwargs: { mount_point: 'kv', sep: '-', variables_path: null },
      secrets: { token: 'stored' },
      updatedAt: ''
    }
    const split = splitProfile(p, vault)
    expect(split.values).toEqual({ url: 'http://v', 'kwarg.mount_point': 'kv' })
    expect(JSON.parse(split.advanced)).toEqual({ sep: '-', variables_path: null })
    // a stored token counts as given: an edit need not type it again
    const back = checkFields(
      kindFields(vault, 'token'),
      split.values,
      {},
      split.advanced,
      p.secrets
    )
    expect(back.ok).toBe(true)
    expect(back.backendKwargs).toEqual(p.backendKwargs)
    expect(checkFields(kindFields(vault, 'token'), split.values, {}, '[1]', {}).errors).toEqual({
      advanced: 'Advanced backend_kwargs must be a JSON object, e.g. {"sep": "-"}.',
      'secret.token': 'Vault token is required.'
    })
  })
})

describe('profile test results', () => {
  const metadb: ProfileDto = {
    name: 'db',
    kind: 'metadb',
    url: 'sqlite:////tmp/x.db',
    region: null,
    airflowVersion: null,
    credential: { method: 'none', params: {} },
    backendKwargs: {},
    secrets: { fernetKey: 'optional' },
    usedByJobs: 0,
    targetJobIds: [],
    updatedAt: ''
  }
  const job = (running: boolean): JobDto => ({
    jobId: 'j1',
    createdAt: '2026-01-01T00:00:00Z',
    source: 'demo:',
    target: 'metadb:db',
    total: 1,
    done: running ? 0 : 1,
    failed: 0,
    state: running ? 'running' : 'finished',
    running
  })

  it('shows counts and latency, an optional secret as optional, and tests again after a job wrote to it', async () => {
    const { store, setProfiles, setJobs } = setup([metadb])
    const row = await screen.findByTestId('profile-row')
    expect(within(row).getByTestId('profile-secrets').textContent).toBe(
      'fernetKey: not set (optional)'
    )
    expect(within(row).getByTestId('profile-used-by').textContent).toBe('used by 0 jobs')
    fireEvent.click(within(row).getByTestId('profile-test'))
    await waitFor(() =>
      expect(within(row).getByTestId('profile-test-result').textContent).toBe(
        'ok: 1 connections, 0 variables · 7 ms'
      )
    )
    setJobs([job(true)])
    await store.getState().loadJobs()
    // the job ends: it wrote to db, so db's test runs again and its count follows
    setProfiles([{ ...metadb, usedByJobs: 1, targetJobIds: ['j1'] }])
    setJobs([job(false)])
    await store.getState().loadJobs()
    await waitFor(() =>
      expect(within(row).getByTestId('profile-test-result').textContent).toBe(
        'ok: 2 connections, 0 variables · 7 ms'
      )
    )
    expect(within(row).getByTestId('profile-used-by').textContent).toBe('used by 1 job')
  })

  it('tests again after a job that ended before the job list was ever loaded (its last progress event)', async () => {
    // The Jobs screen loads the list only when first shown: an apply that ends before then is
    // seen by its progress events alone.
    const { store, bridge, setProfiles } = setup([metadb])
    const stop = store.getState().watchJobs()
    const row = await screen.findByTestId('profile-row')
    fireEvent.click(within(row).getByTestId('profile-test'))
    await waitFor(() =>
      expect(within(row).getByTestId('profile-test-result').textContent).toBe(
        'ok: 1 connections, 0 variables · 7 ms'
      )
    )
    expect(store.getState().jobsStatus).toBe('idle')
    setProfiles([{ ...metadb, usedByJobs: 1, targetJobIds: ['j1'] }])
    const progress = {
      jobId: 'j1',
      done: 1,
      total: 1,
      failed: 0,
      refused: 0,
      retries: 0,
      throttled: 0,
      concurrency: null,
      rate: 0,
      etaSeconds: null,
      error: null
    }
    bridge.push('jobs:progress', { ...progress, state: 'finished' })
    await waitFor(() =>
      expect(within(row).getByTestId('profile-test-result').textContent).toBe(
        'ok: 2 connections, 0 variables · 7 ms'
      )
    )
    expect(within(row).getByTestId('profile-used-by').textContent).toBe('used by 1 job')
    stop()
  })
})
