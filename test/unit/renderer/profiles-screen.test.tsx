// The Profiles screen: rename in place (Enter saves, Escape gives up) and import from an
// airflow.cfg, against a fake bridge that keeps profiles the way main does.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProfileDto } from '../../../src-main/contract/ipc'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { ProfilesScreen } from '../../../src-renderer/features/profiles/ProfilesScreen'
import { fakeBridge } from '../../support/fake-bridge'

function profile(name: string, kind: ProfileDto['kind'] = 'metadb'): ProfileDto {
  return {
    name,
    kind,
    url: null,
    region: null,
    airflowVersion: null,
    credential: { method: 'password', params: {} },
    backendKwargs: {},
    secrets: { password: 'stored' },
    updatedAt: ''
  }
}

function setup(initial: ProfileDto[], answers: Parameters<typeof fakeBridge>[0] = {}) {
  let profiles = [...initial]
  const bridge = fakeBridge({
    'app:info': () => ({
      ok: true,
      value: { version: '0', dialects: [], mode: 'web', profileKinds: [] }
    }),
    'keychain:status': () => ({ ok: true, value: { kind: 'os', warning: null } }),
    'profiles:list': () => ({ ok: true, value: profiles }),
    'profiles:rename': ({ name, to }) => {
      if (profiles.some((p) => p.name === to))
        return {
          ok: false,
          error: { code: 'usage', message: `A profile named "${to}" exists already.` }
        }
      profiles = profiles.map((p) => (p.name === name ? { ...p, name: to } : p))
      return { ok: true, value: profile(to) }
    },
    'profiles:import': ({ name, path }) => {
      if (path === '/nowhere/airflow.cfg')
        return {
          ok: false,
          error: {
            code: 'usage',
            message: `The Airflow configuration file "${path}" does not exist.`
          }
        }
      const made = [profile(`${name}-metadb`), profile(`${name}-vault`, 'vault')]
      profiles = [...profiles, ...made]
      return {
        ok: true,
        value: {
          path: path ?? '/home/me/airflow/airflow.cfg',
          profiles: made,
          problems: ['[secrets] backend_kwargs: unknown key "x"']
        }
      }
    },
    ...answers
  })
  const store = createAppStore(bridge)
  render(
    <StoreContext.Provider value={store}>
      <ProfilesScreen />
    </StoreContext.Provider>
  )
  return { bridge, store }
}

const row = (name: string) =>
  screen.getAllByTestId('profile-row').find((r) => r.getAttribute('data-name') === name)

afterEach(cleanup)

describe('profiles screen', () => {
  it('a save that ends after Add profile was clicked leaves the new form open', async () => {
    let answer: (v: unknown) => void = () => {}
    const saved = new Promise((resolve) => (answer = resolve))
    setup([profile('old')], {
      'profiles:edit': (() => saved) as never
    })
    await screen.findByText('old')
    fireEvent.click(within(row('old')!).getByTestId('profile-edit'))
    fireEvent.click(screen.getByTestId('profile-save'))
    // the edit is still being saved when a new profile is started
    fireEvent.click(screen.getByTestId('profile-add'))
    expect(screen.getByTestId('profile-form').textContent).toContain('Add a profile')
    answer({ ok: true, value: profile('old') })
    await saved
    await new Promise((r) => setTimeout(r, 20)) // the stale save finishes its work
    expect(screen.queryByTestId('profile-form')?.textContent).toContain('Add a profile')
  })

  it('renames a profile in place: Enter saves, and the table shows the new name', async () => {
    const { bridge } = setup([profile('old'), profile('other')])
    await screen.findByText('old')
    fireEvent.click(within(row('old')!).getByTestId('profile-rename'))
    const field = screen.getByTestId('profile-rename-to')
    expect(document.activeElement).toBe(field)
    fireEvent.change(field, { target: { value: 'warehouse' } })
    fireEvent.submit(field)
    await waitFor(() => expect(row('warehouse')).toBeDefined())
    expect(row('old')).toBeUndefined()
    expect(bridge.calls.filter((c) => c.channel === 'profiles:rename')).toEqual([
      { channel: 'profiles:rename', args: [{ name: 'old', to: 'warehouse' }] }
    ])
  })

  it('gives up on Escape without asking main, and shows a refused rename', async () => {
    const { bridge } = setup([profile('old'), profile('other')])
    await screen.findByText('old')
    fireEvent.click(within(row('old')!).getByTestId('profile-rename'))
    fireEvent.change(screen.getByTestId('profile-rename-to'), { target: { value: 'x' } })
    fireEvent.keyDown(screen.getByTestId('profile-rename-to'), { key: 'Escape' })
    expect(screen.queryByTestId('profile-rename-to')).toBeNull()
    expect(bridge.calls.some((c) => c.channel === 'profiles:rename')).toBe(false)
    fireEvent.click(within(row('old')!).getByTestId('profile-rename'))
    fireEvent.change(screen.getByTestId('profile-rename-to'), { target: { value: 'other' } })
    fireEvent.submit(screen.getByTestId('profile-rename-to'))
    expect(await screen.findByText(/"other" exists already/)).toBeTruthy()
    expect(row('old')).toBeDefined()
  })

  it('imports from an airflow.cfg: lists what was made and what could not be used', async () => {
    const { bridge } = setup([])
    fireEvent.click(await screen.findByTestId('profile-import'))
    fireEvent.change(screen.getByTestId('import-path'), {
      target: { value: '/nowhere/airflow.cfg' }
    })
    fireEvent.submit(screen.getByTestId('import-form'))
    expect(await screen.findByText(/does not exist/)).toBeTruthy()
    expect(screen.queryByTestId('import-result')).toBeNull()
    fireEvent.change(screen.getByTestId('import-path'), { target: { value: '' } })
    fireEvent.change(screen.getByTestId('import-name'), { target: { value: 'prod' } })
    fireEvent.submit(screen.getByTestId('import-form'))
    const result = await screen.findByTestId('import-result')
    expect(result.textContent).toContain('/home/me/airflow/airflow.cfg')
    expect(result.textContent).toContain('prod-metadb, prod-vault')
    expect(result.textContent).toContain('unknown key "x"')
    await waitFor(() => expect(row('prod-vault')).toBeDefined())
    // An empty path means Airflow's own lookup: no path is sent.
    expect(bridge.calls.filter((c) => c.channel === 'profiles:import').at(-1)?.args).toEqual([
      { name: 'prod', path: undefined, airflowVersion: undefined }
    ])
  })

  it('closes the import form with Escape', async () => {
    setup([])
    fireEvent.click(await screen.findByTestId('profile-import'))
    fireEvent.keyDown(screen.getByTestId('import-path'), { key: 'Escape' })
    expect(screen.queryByTestId('import-form')).toBeNull()
  })
})
