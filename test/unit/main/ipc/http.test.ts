import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect, createServer } from 'node:net'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_REQUEST_BYTES } from '../../../../src-main/contract/ipc'
import { createHandlerContext, createHandlers } from '../../../../src-main/ipc/handlers'
import {
  isLoopbackAddress,
  startLoopbackServer,
  type LoopbackServer
} from '../../../../src-main/ipc/http'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import { tempDir } from '../../../support/temp-dir'

let dir: string
let server: LoopbackServer

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A raw request (fetch would not let us set Host or leave Origin out deliberately). */
function send(options: {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers }
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8')
          })
        )
      }
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

const json = (token?: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  ...(token ? { 'x-airlock-token': token } : {}),
  ...extra
})

beforeAll(async () => {
  dir = tempDir('airlock-http-')
  mkdirSync(join(dir, 'renderer'))
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Airlock</title>')
  server = await startLoopbackServer({
    rendererDir: join(dir, 'renderer'),
    handlers: (emit) =>
      createHandlers(
        createHandlerContext({
          mode: 'web',
          env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
          keychain: new MemoryKeychain(),
          emit
        })
      )
  })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('loopback web mode', () => {
  it('listens on 127.0.0.1 with a random port; its link holds a launch code, never the token', () => {
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#code=[A-Za-z0-9_-]{32}$`)
    )
    expect(server.url).not.toContain(server.token)
    expect(server.token.length).toBeGreaterThanOrEqual(40)
    expect(server.launchUrl()).not.toBe(server.url)
  })

  const session = (code: unknown, headers: Record<string, string> = {}) =>
    send({
      path: '/api/session',
      headers: json(undefined, headers),
      body: JSON.stringify({ code })
    })
  const codeOf = (url: string) => url.slice(url.indexOf('#code=') + 6)

  it('trades a launch code for the token once; a used, wrong or expired code is refused', async () => {
    const code = codeOf(server.launchUrl())
    const first = await session(code)
    expect(first.status).toBe(200)
    expect(JSON.parse(first.body)).toEqual({ ok: true, value: { token: server.token } })
    const again = await session(code)
    expect(again.status).toBe(401)
    expect(JSON.parse(again.body).error.message).toMatch(
      /already used or has expired.*press Enter/i
    )
    expect(again.body).not.toContain(server.token)
    expect((await session('x'.repeat(code.length))).status).toBe(401)
    expect((await session(42)).status).toBe(401)
    expect((await send({ path: '/api/session', headers: json(), body: '{' })).status).toBe(401)
    expect((await send({ method: 'GET', path: '/api/session' })).status).toBe(405)
    // From another origin, even a live code is refused (and stays unused).
    const live = codeOf(server.launchUrl())
    expect((await session(live, { origin: 'http://evil.example' })).status).toBe(403)
    expect((await session(live)).status).toBe(200)
  })

  it('lets a launch code expire', async () => {
    const short = await startLoopbackServer({
      launchCodeTtlMs: 1,
      handlers: () =>
        createHandlers(
          createHandlerContext({ mode: 'web', env: {}, keychain: new MemoryKeychain() })
        )
    })
    try {
      const code = codeOf(short.launchUrl())
      await new Promise((r) => setTimeout(r, 20))
      const r = await fetch(`${short.origin}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code })
      })
      expect(r.status).toBe(401)
    } finally {
      await short.close()
    }
  })

  it('knows loopback peers', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(a), a).toBe(true)
    for (const a of [
      '192.0.2.2',
      '::ffff:192.0.2.2',
      'fd00::2',
      '0.0.0.0',
      '::',
      '1127.0.0.1',
      undefined
    ])
      expect(isLoopbackAddress(a), String(a)).toBe(false)
  })

  // A real connection from this machine's non-loopback address, to a server made to listen on
  // every address (which `airlock serve` never does): refused per request, token or not.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
  it.skipIf(!external)(
    'refuses a peer that is not this machine, even with the token (skipped where the machine has no other address)',
    async (ctx) => {
      // Some sandboxes give an interface an address that cannot be reached from the machine
      // itself, or hand such a connection over as from loopback: then there is no peer to
      // refuse here, and the test says so instead of failing on the sandbox.
      const seen = await peerSeenFrom(external!)
      if (seen !== external) {
        const why = `a connection to this machine's address ${external} ${seen ? `arrives from ${seen}` : 'cannot be made'} here`
        ctx.task.meta.skipReason = why
        ctx.skip(why)
      }
      const wide = await startLoopbackServer({
        listenHost: '0.0.0.0',
        token: 't'.repeat(43),
        handlers: () =>
          createHandlers(
            createHandlerContext({ mode: 'web', env: {}, keychain: new MemoryKeychain() })
          )
      })
      try {
        const ask = (host: string) =>
          new Promise<number>((resolve, reject) => {
            const req = httpRequest(
              {
                host,
                port: wide.port,
                method: 'POST',
                path: '/api/invoke/app:info',
                headers: {
                  host: `127.0.0.1:${wide.port}`,
                  'content-type': 'application/json',
                  'x-airlock-token': 't'.repeat(43)
                }
              },
              (res) => {
                res.resume()
                resolve(res.statusCode ?? 0)
              }
            )
            req.on('error', reject)
            req.end('[]')
          })
        expect(await ask(external!)).toBe(403)
        expect(await ask('127.0.0.1')).toBe(200)
      } finally {
        await wide.close()
      }
    },
    15_000
  )

  it('answers an invoke with the token', async () => {
    const r = await send({ path: '/api/invoke/app:info', headers: json(server.token), body: '[]' })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { mode: 'web' } })
  })

  it('answers 401 without a token or with a wrong one', async () => {
    const none = await send({ path: '/api/invoke/app:info', headers: json(), body: '[]' })
    expect(none.status).toBe(401)
    const wrong = await send({
      path: '/api/invoke/app:info',
      headers: json('x'.repeat(server.token.length)),
      body: '[]'
    })
    expect(wrong.status).toBe(401)
    expect(JSON.parse(wrong.body)).toMatchObject({
      ok: false,
      error: { code: 'backend.access-denied' }
    })
    const events = await send({ method: 'GET', path: '/api/events' })
    expect(events.status).toBe(401)
  })

  it('answers 403 to a foreign Host (DNS rebinding) even with the token', async () => {
    const r = await send({
      path: '/api/invoke/app:info',
      headers: json(server.token, { host: `evil.example:${server.port}` }),
      body: '[]'
    })
    expect(r.status).toBe(403)
    const otherPort = await send({
      method: 'GET',
      path: '/',
      headers: { host: `127.0.0.1:${server.port + 1}` }
    })
    expect(otherPort.status).toBe(403)
  })

  it('answers 403 to a foreign Origin and serves its own', async () => {
    const foreign = await send({
      path: '/api/invoke/app:info',
      headers: json(server.token, { origin: 'http://evil.example' }),
      body: '[]'
    })
    expect(foreign.status).toBe(403)
    const own = await send({
      path: '/api/invoke/app:info',
      headers: json(server.token, { origin: server.origin }),
      body: '[]'
    })
    expect(own.status).toBe(200)
    const localhost = await send({
      path: '/api/invoke/app:info',
      headers: json(server.token, {
        host: `localhost:${server.port}`,
        origin: `http://localhost:${server.port}`
      }),
      body: '[]'
    })
    expect(localhost.status).toBe(200)
  })

  it('answers 405 to GET on an invoke and 415 to a body that is not JSON', async () => {
    const get = await send({
      method: 'GET',
      path: '/api/invoke/app:info',
      headers: json(server.token)
    })
    expect(get.status).toBe(405)
    expect(get.headers.allow).toBe('POST')
    const form = await send({
      path: '/api/invoke/app:info',
      headers: {
        'x-airlock-token': server.token,
        'content-type': 'application/x-www-form-urlencoded'
      },
      body: 'a=b'
    })
    expect(form.status).toBe(415)
    const broken = await send({
      path: '/api/invoke/app:info',
      headers: json(server.token),
      body: '['
    })
    expect(broken.status).toBe(400)
  })

  it('answers 413 to an oversized body', async () => {
    const big = JSON.stringify([{ locator: 'demo:', pad: 'x'.repeat(MAX_REQUEST_BYTES) }])
    const r = await send({
      path: '/api/invoke/entries:list',
      headers: json(server.token),
      body: big
    })
    expect(r.status).toBe(413)
  })

  it('answers 404 to an unknown channel', async () => {
    const r = await send({ path: '/api/invoke/fs:read', headers: json(server.token), body: '[]' })
    expect(r.status).toBe(404)
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'usage' } })
  })

  it('validates arguments like Electron IPC does (same dispatch)', async () => {
    const r = await send({
      path: '/api/invoke/entries:list',
      headers: json(server.token),
      body: JSON.stringify([{ locator: 'demo:', extra: 1 }])
    })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'usage' } })
  })

  it('reads a body key written with an escape as written (V8 misread, core/adr/0003)', async () => {
    // Node 24's JSON.parse would read "\u006binds" (kinds) as the key `\u006` parsed earlier
    JSON.parse(String.raw`{"locator":"x","\\u006":1}`)
    const r = await send({
      path: '/api/invoke/entries:list',
      headers: json(server.token),
      body: String.raw`[{"locator":"demo:","\u006binds":["connection"]}]`
    })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ ok: true })
  })

  it('serves the renderer with a strict CSP and refuses paths outside it', async () => {
    const page = await send({ method: 'GET', path: '/' })
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/)
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/)
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe/)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    const escape = await send({ method: 'GET', path: '/..%2f..%2fetc%2fpasswd' })
    expect([403, 400]).toContain(escape.status)
  })

  it('streams events to token holders as server-sent events', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/events',
          headers: { host: `127.0.0.1:${server.port}`, 'x-airlock-token': server.token }
        },
        (res) => {
          expect(res.headers['content-type']).toMatch(/text\/event-stream/)
          let text = ''
          res.on('data', (c: Buffer) => {
            text += c.toString('utf8')
            if (text.includes('\n\ndata') || text.includes('event: jobs:progress')) {
              if (text.endsWith('\n\n') && text.includes('"jobId"')) {
                resolve(text)
                req.destroy()
              }
            }
            if (text === ': connected\n\n')
              server.emit('jobs:progress', {
                jobId: 'j1',
                state: 'running',
                done: 1,
                total: 2,
                failed: 0,
                refused: 0,
                retries: 0,
                throttled: 0,
                concurrency: null,
                rate: 1,
                etaSeconds: 1,
                error: null
              })
          })
        }
      )
      req.on('error', reject)
      req.end()
    })
    expect(await received).toMatch(/event: jobs:progress\ndata: \{"jobId":"j1"/)
  })
})

/**
 * The address a TCP connection to `address` (this machine's own) arrives from, as a server
 * listening on every address sees it; undefined where it cannot be made within 3 s.
 */
async function peerSeenFrom(address: string): Promise<string | undefined> {
  let seenAs: string | undefined
  const server = createServer((socket) => {
    seenAs = socket.remoteAddress?.replace(/^::ffff:/, '')
    socket.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve))
  const { port } = server.address() as { port: number }
  try {
    return await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host: address, port })
      socket.setTimeout(3000, () => {
        socket.destroy()
        resolve(undefined)
      })
      socket.on('error', () => resolve(undefined))
      socket.on('close', () => resolve(seenAs))
      socket.resume()
    })
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}
