/**
 * The loopback web mode (`airlock serve`): the same handler table as Electron IPC, over HTTP
 * on 127.0.0.1 only, answering only loopback peers. Every API call carries the per-run token
 * in a header; the token itself is never in an address: the printed link carries a one-time
 * launch code the page trades for it (`POST /api/session`). The Host header must name this
 * server (no DNS rebinding) and an Origin, when sent, must be this server's; invokes are POSTs
 * of JSON; events stream as server-sent events. The built renderer is served with a strict
 * Content-Security-Policy. See ipc/adr/0001-loopback-web-mode.md.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, resolve, sep } from 'node:path'
import { MAX_REQUEST_BYTES, isInvokeChannel, type EventMap, type IpcResult } from '../contract/ipc'
import { parseJson } from '../core/json-parse'
import { dispatch } from './handle'
import type { HandlerTable } from './handlers'

/** The header every API call carries the token in. */
export const TOKEN_HEADER = 'x-airlock-token'

/** The policy the renderer is served with: nothing but this origin, no inline script or style. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

/** A running loopback server. */
export interface LoopbackServer {
  port: number
  token: string
  /**
   * A first address to open: a one-time launch code in the fragment (which browsers never
   * send), traded once for the token. `launchUrl()` makes another.
   */
  url: string
  launchUrl(): string
  origin: string
  emit<E extends keyof EventMap>(event: E, payload: EventMap[E]): void
  close(): Promise<void>
}

/** Options of `startLoopbackServer`. */
export interface LoopbackOptions {
  /** The table to serve, built once the server knows how to push events. */
  handlers: (emit: LoopbackServer['emit']) => HandlerTable
  /** 0 (default) picks a free port. */
  port?: number
  /** The built renderer (index.html and assets); absent: the API only. */
  rendererDir?: string
  /** For tests; default 32 random bytes. */
  token?: string
  /** How long a launch code may wait to be used (default 2 minutes). */
  launchCodeTtlMs?: number
  /**
   * Tests only (to prove the per-request peer check with a real non-loopback connection):
   * the address to listen on. `airlock serve` never sets it: it listens on 127.0.0.1.
   */
  listenHost?: string
}

/** Whether a peer address is this machine's loopback (127.0.0.0/8, ::1, IPv4-mapped 127/8). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1'
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}

function sendJson(res: ServerResponse, status: number, body: IpcResult<unknown>): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
}

function refuse(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, {
    ok: false,
    error: { code: status === 401 || status === 403 ? 'backend.access-denied' : 'usage', message }
  })
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Reads a body up to `limit` bytes; undefined when it is larger (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        done = true
        resolveBody(undefined)
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => !done && resolveBody(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** Starts the server on 127.0.0.1; resolves once it listens. */
export async function startLoopbackServer(options: LoopbackOptions): Promise<LoopbackServer> {
  const token = options.token ?? randomBytes(32).toString('base64url')
  // One-time launch codes: code → when it stops being accepted.
  const codes = new Map<string, number>()
  const ttl = options.launchCodeTtlMs ?? 120_000
  const newCode = () => {
    const now = Date.now()
    for (const [c, until] of codes) if (until <= now) codes.delete(c)
    const code = randomBytes(24).toString('base64url')
    codes.set(code, now + ttl)
    return code
  }
  /** Takes a code: true once for a live code it was given, false ever after. */
  const takeCode = (given: unknown): boolean => {
    if (typeof given !== 'string') return false
    const now = Date.now()
    for (const [c, until] of codes)
      if (sameToken(given, c)) {
        codes.delete(c)
        return until > now
      }
    return false
  }
  const streams = new Set<ServerResponse>()
  const emit: LoopbackServer['emit'] = (event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`
    for (const s of streams) s.write(frame)
  }
  const handlers = options.handlers(emit)
  let port = 0
  const rendererDir = options.rendererDir ? resolve(options.rendererDir) : undefined

  const serveStatic = (res: ServerResponse, pathname: string, method: string) => {
    if (method !== 'GET' && method !== 'HEAD') return refuse(res, 405, 'Only GET here.')
    const index = rendererDir && join(rendererDir, 'index.html')
    if (!rendererDir || !existsSync(index!)) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
      return res.end(
        'The app is not built: run `npm run build:cli` (it builds the renderer too), then start `airlock serve` again.\n'
      )
    }
    let file: string
    try {
      file = resolve(rendererDir, '.' + decodeURIComponent(pathname))
    } catch {
      return refuse(res, 400, 'Bad path.')
    }
    if (file !== rendererDir && !file.startsWith(rendererDir + sep))
      return refuse(res, 403, 'Outside the app.')
    if (!existsSync(file) || !statSync(file).isFile()) file = index!
    const body = readFileSync(file)
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'content-security-policy': CONTENT_SECURITY_POLICY
    })
    res.end(method === 'HEAD' ? undefined : body)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Defence in depth: the socket listens on 127.0.0.1, and a peer that is not this machine
    // is refused anyway, whatever it sends.
    if (!isLoopbackAddress(req.socket.remoteAddress))
      return refuse(res, 403, 'Refused: this server answers only to this machine.')
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`]
    const host = req.headers.host ?? ''
    if (!allowedHosts.includes(host))
      return refuse(res, 403, 'Refused: this server answers only to 127.0.0.1 and localhost.')
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `http://${host}`)
      return refuse(res, 403, 'Refused: requests from other origins are not served.')
    const url = new URL(req.url ?? '/', `http://${host}`)
    const method = req.method ?? 'GET'
    if (!url.pathname.startsWith('/api/')) return serveStatic(res, url.pathname, method)
    if (url.pathname === '/api/session') {
      if (method !== 'POST') return refuse(res, 405, 'Start a session with POST.')
      if (!/^application\/json(;|$)/.test(req.headers['content-type'] ?? ''))
        return refuse(res, 415, 'Send a JSON body.')
      const body = await readBody(req, 1024)
      let code: unknown
      try {
        code = body ? (JSON.parse(body.toString('utf8')) as { code?: unknown }).code : undefined
      } catch {
        code = undefined
      }
      if (!takeCode(code))
        return refuse(
          res,
          401,
          'This link was already used or has expired. Press Enter in the terminal running `airlock serve` for a new one, or start it again.'
        )
      return sendJson(res, 200, { ok: true, value: { token } })
    }
    const given = req.headers[TOKEN_HEADER]
    if (!sameToken(Array.isArray(given) ? given[0] : given, token))
      return refuse(
        res,
        401,
        'Refused: missing or wrong token (open a link `airlock serve` printed).'
      )
    if (url.pathname === '/api/events') {
      if (method !== 'GET') return refuse(res, 405, 'Events are read with GET.')
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        connection: 'keep-alive'
      })
      res.write(': connected\n\n')
      streams.add(res)
      req.on('close', () => streams.delete(res))
      return
    }
    const match = /^\/api\/invoke\/([a-z-]+:[a-z-]+)$/.exec(url.pathname)
    if (!match || !isInvokeChannel(match[1]!)) return refuse(res, 404, 'No such API path.')
    if (method !== 'POST') {
      res.setHeader('allow', 'POST')
      return refuse(res, 405, 'Invoke with POST.')
    }
    const type = req.headers['content-type'] ?? ''
    if (!/^application\/json(;|$)/.test(type)) return refuse(res, 415, 'Send a JSON body.')
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > MAX_REQUEST_BYTES)
      return refuse(res, 413, `The request is larger than ${MAX_REQUEST_BYTES} bytes.`)
    const body = await readBody(req, MAX_REQUEST_BYTES)
    if (!body) return refuse(res, 413, `The request is larger than ${MAX_REQUEST_BYTES} bytes.`)
    let args: unknown
    try {
      args = body.length ? parseJson(body.toString('utf8')) : []
    } catch {
      return refuse(res, 400, 'The body is not JSON.')
    }
    sendJson(res, 200, await dispatch(handlers, match[1]!, args))
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.')
      else res.end()
    })
  })
  server.headersTimeout = 10_000
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.listenHost ?? '127.0.0.1', () => resolveListen())
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`
  const launchUrl = () => `${origin}/#code=${newCode()}`
  return {
    port,
    token,
    origin,
    url: launchUrl(),
    launchUrl,
    emit,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const s of streams) s.end()
        streams.clear()
        server.closeAllConnections()
        server.close(() => resolveClose())
      })
  }
}
