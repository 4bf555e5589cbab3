import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../../src-main/ipc/handle'
import { createHandlerContext, createHandlers } from '../../../../src-main/ipc/handlers'
import { completePath } from '../../../../src-main/operations/fs-complete'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

describe('path completion', () => {
  let dir: string
  beforeAll(() => {
    dir = tempDir('airlock-complete-')
    mkdirSync(join(dir, 'envs'))
    mkdirSync(join(dir, 'exports'))
    mkdirSync(join(dir, '.hidden'))
    writeFileSync(join(dir, 'envs', 'prod.env'), 'AIRFLOW_VAR_X=CompleteCanary9\n')
    writeFileSync(join(dir, 'envs', 'staging.env'), '')
    writeFileSync(join(dir, 'e.env'), '')
    writeFileSync(join(dir, '.env'), '')
    symlinkSync(join(dir, 'envs'), join(dir, 'envs-link'))
    symlinkSync(join(dir, 'nowhere'), join(dir, 'e-dangling'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('offers the entries of the typed folder starting with the typed name, folders first', () => {
    expect(completePath(`${dir}/e`)).toEqual([
      { path: `${dir}/envs/`, dir: true },
      { path: `${dir}/envs-link/`, dir: true },
      { path: `${dir}/exports/`, dir: true },
      { path: `${dir}/e-dangling`, dir: false },
      { path: `${dir}/e.env`, dir: false }
    ])
    expect(completePath(`${dir}/envs/`)).toEqual([
      { path: `${dir}/envs/prod.env`, dir: false },
      { path: `${dir}/envs/staging.env`, dir: false }
    ])
    expect(completePath(`${dir}/envs/p`)).toEqual([{ path: `${dir}/envs/prod.env`, dir: false }])
    expect(completePath(`${dir}/envs/x`)).toEqual([])
  })

  it('keeps a relative prefix relative to the working folder', () => {
    expect(completePath('envs/s', { cwd: dir })).toEqual([{ path: 'envs/staging.env', dir: false }])
    expect(completePath('ex', { cwd: dir })).toEqual([{ path: 'exports/', dir: true }])
    expect(completePath('./envs/', { cwd: dir }).map((e) => e.path)).toEqual([
      './envs/prod.env',
      './envs/staging.env'
    ])
  })

  it('offers hidden entries only when the typed name starts with a dot', () => {
    expect(completePath(`${dir}/`).some((e) => e.path.includes('/.'))).toBe(false)
    expect(completePath(`${dir}/.`)).toEqual([
      { path: `${dir}/.hidden/`, dir: true },
      { path: `${dir}/.env`, dir: false }
    ])
  })

  it('lists names only, at most the limit', () => {
    const many = join(dir, 'many')
    mkdirSync(many)
    for (let i = 0; i < 80; i++) writeFileSync(join(many, `f${String(i).padStart(2, '0')}.env`), '')
    const found = completePath(`${many}/`)
    expect(found).toHaveLength(50)
    expect(found[0]).toEqual({ path: `${many}/f00.env`, dir: false })
    expect(completePath(`${many}/f7`, { limit: 3 }).map((e) => e.path)).toEqual([
      `${many}/f70.env`,
      `${many}/f71.env`,
      `${many}/f72.env`
    ])
    // only names: no file's content is in an answer
    expect(JSON.stringify(completePath(`${dir}/envs/`))).not.toContain('CompleteCanary9')
  })

  it('names the folder that does not exist, is a file, or cannot be listed', () => {
    expect(() => completePath(`${dir}/nope/x`)).toThrow(
      expect.objectContaining({
        code: 'backend.not-found',
        message: `No folder "${dir}/nope/" to complete the path in.`
      })
    )
    expect(() => completePath(`${dir}/e.env/x`)).toThrow(
      expect.objectContaining({
        code: 'backend.not-found',
        message: `"${dir}/e.env/" is a file, not a folder: nothing to complete after its "/".`
      })
    )
    if (process.getuid?.() === 0) return // root lists any folder
    const locked = join(dir, 'locked')
    mkdirSync(locked)
    chmodSync(locked, 0o000)
    try {
      expect(() => completePath(`${locked}/`)).toThrow(
        expect.objectContaining({
          code: 'backend.access-denied',
          message: /cannot be listed \(EACCES\)/
        })
      )
    } finally {
      chmodSync(locked, 0o700)
    }
  })

  it('answers over the handler table; the file chooser is unsupported in web mode', async () => {
    const table = createHandlers(
      createHandlerContext({
        mode: 'web',
        env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
        keychain: osLikeKeychain()
      })
    )
    expect(await dispatch(table, 'fs:complete', [{ prefix: `${dir}/envs/st` }])).toEqual({
      ok: true,
      value: [{ path: `${dir}/envs/staging.env`, dir: false }]
    })
    expect(await dispatch(table, 'fs:complete', [{ prefix: `${dir}/nope/` }])).toMatchObject({
      ok: false,
      error: { code: 'backend.not-found' }
    })
    expect(await dispatch(table, 'dialog:open-file', [{}])).toEqual({
      ok: false,
      error: {
        code: 'unsupported',
        message:
          'Choosing a file with a dialog needs the desktop app; in web mode type the path (it completes as you type).'
      }
    })
  })

  it('answers the chooser the desktop transport gives, null when cancelled', async () => {
    const asked: unknown[] = []
    let answer: string | undefined = '/home/me/prod.env'
    const table = createHandlers(
      createHandlerContext({
        mode: 'electron',
        env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
        keychain: osLikeKeychain(),
        openFileDialog: (request) => {
          asked.push(request)
          return Promise.resolve(answer)
        }
      })
    )
    expect(await dispatch(table, 'dialog:open-file', [{ title: 'Store file' }])).toEqual({
      ok: true,
      value: { path: '/home/me/prod.env' }
    })
    answer = undefined
    expect(await dispatch(table, 'dialog:open-file', [{}])).toEqual({
      ok: true,
      value: { path: null }
    })
    expect(asked).toEqual([{ title: 'Store file' }, {}])
  })
})
