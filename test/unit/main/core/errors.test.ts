import { rmSync, writeFileSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AirlockError,
  fromSystemError,
  nameOnce,
  systemErrorOf,
  toErrorDto
} from '../../../../src-main/core/errors'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-errors-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What a promise rejected with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** The error of connecting to a port nothing listens on (one just closed). */
async function refusedConnection(): Promise<unknown> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', resolve)
    socket.on('connect', () => resolve(new Error('connected')))
  })
}

describe('toErrorDto: expected failures keep their own code', () => {
  it('a missing file is backend.not-found naming the path, with the system error as details', async () => {
    const path = join(dir, 'missing.env')
    const dto = toErrorDto(await rejection(readFile(path)))
    expect(dto).toEqual({
      code: 'backend.not-found',
      message: `"${path}" does not exist; check the path (and that its folder exists).`,
      details: 'system error ENOENT (open)'
    })
  })

  it('a missing folder is backend.not-found too', async () => {
    const path = join(dir, 'no-folder', 'deeper', 'x')
    const dto = toErrorDto(await rejection(readFile(path)))
    expect(dto.code).toBe('backend.not-found')
    expect(dto.message).toContain(path)
  })

  it('a path through a file (ENOTDIR) is backend.not-found', async () => {
    const file = join(dir, 'plain-file')
    writeFileSync(file, 'x')
    const dto = toErrorDto(await rejection(mkdir(join(file, 'sub'))))
    expect(dto).toMatchObject({
      code: 'backend.not-found',
      details: 'system error ENOTDIR (mkdir)'
    })
  })

  it('a folder where a file is wanted is a usage error', async () => {
    // Node's EISDIR of a read names no path
    const dto = toErrorDto(await rejection(readFile(dir)))
    expect(dto).toMatchObject({
      code: 'usage',
      message: 'A folder was given where a file is needed; name a file.',
      details: 'system error EISDIR (read)'
    })
  })

  it('permission denied is backend.access-denied', () => {
    // tests run as root here, where the kernel never answers EACCES: an error of Node's shape
    const denied = Object.assign(new Error(`EACCES: permission denied, open '/etc/x'`), {
      code: 'EACCES',
      errno: -13,
      syscall: 'open',
      path: '/etc/x'
    })
    expect(toErrorDto(denied)).toEqual({
      code: 'backend.access-denied',
      message: 'Permission denied for "/etc/x"; check its permissions.',
      details: 'system error EACCES (open)'
    })
  })

  it('a refused connection is backend.unreachable naming the address', async () => {
    const error = await refusedConnection()
    const dto = toErrorDto(error)
    expect(dto.code).toBe('backend.unreachable')
    expect(dto.message).toMatch(/^127\.0\.0\.1:\d+ refused the connection/)
    expect(dto.details).toBe('system error ECONNREFUSED (connect)')
  })

  it('finds the system error in a cause chain', async () => {
    const inner = await rejection(readFile(join(dir, 'gone')))
    const wrapped = new Error('could not load', { cause: new Error('layer', { cause: inner }) })
    expect(systemErrorOf(wrapped)).toMatchObject({ code: 'ENOENT', syscall: 'open' })
    expect(toErrorDto(wrapped).code).toBe('backend.not-found')
  })

  it('anything else stays internal with the generic message', () => {
    expect(toErrorDto(new TypeError('x is undefined'))).toEqual({
      code: 'internal',
      message: 'An unexpected error occurred; details are in the log.'
    })
    // a system error Airlock has no sentence for is not dressed up as expected
    const odd = Object.assign(new Error('EMFILE'), { code: 'EMFILE', syscall: 'open' })
    expect(fromSystemError(odd)).toBeUndefined()
    expect(toErrorDto(odd).code).toBe('internal')
  })
})

describe('AirlockError', () => {
  it('carries the system error of its cause as details', async () => {
    const cause = await rejection(readFile(join(dir, 'token')))
    const e = new AirlockError('backend.auth', 'vault:prod: cannot read token_path.', { cause })
    expect(e.toDto()).toEqual({
      code: 'backend.auth',
      message: 'vault:prod: cannot read token_path.',
      details: 'system error ENOENT (open)'
    })
  })

  it('keeps its CLI hint out of the DTO the app gets; the CLI prints it after the message', () => {
    const e = new AirlockError('backend.not-found', 'No job j1.', {
      cliHint: '`airlock jobs` lists the jobs.'
    })
    expect(e.toDto()).toEqual({ code: 'backend.not-found', message: 'No job j1.' })
    expect(JSON.stringify(toErrorDto(e))).not.toContain('airlock')
    expect(e.cliMessage).toBe('No job j1. `airlock jobs` lists the jobs.')
    expect(new AirlockError('usage', 'Bad.').cliMessage).toBe('Bad.')
  })
})

describe('nameOnce', () => {
  it('prefixes a message that does not name the store', () => {
    expect(nameOnce('envfile:a.env', 'no such file.')).toBe('envfile:a.env: no such file.')
  })

  it('leaves a message that starts with the store or its backend id as it is', () => {
    const m = 'vault:bad-vault: cannot check the token at auth/token/lookup-self.'
    expect(nameOnce('vault:bad-vault', m)).toBe(m)
    expect(nameOnce('profile:bad-vault', m, ['vault:bad-vault'])).toBe(m)
  })

  it('does not take a longer name for the store', () => {
    expect(nameOnce('vault:a', 'vault:ab: failed.')).toBe('vault:a: vault:ab: failed.')
  })
})
