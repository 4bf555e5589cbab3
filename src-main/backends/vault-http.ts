/**
 * The HTTP side of the Vault backend: the node-vault client, configured from Airflow's
 * `backend_kwargs` only, and the keep-alive agents it sends through. node-vault drops
 * response headers, takes no abort signal and hands over only the body axios parsed with
 * `JSON.parse` (which turns `1.0` into 1 and rounds integers beyond 2^53), so the agents
 * hand each request to its context (`observe`): the retry reads `Retry-After` from the
 * response's headers, an abort destroys the request on the wire, and a secret's read takes
 * the body's text as sent (`responseText`) to parse it as hvac does.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { brotliDecompressSync, unzipSync } from 'node:zlib'
import nodeVault from 'node-vault'
import { AirlockError } from '../core/errors'
import { abortable } from './pacer'

/** The node-vault client. */
export type VaultClient = ReturnType<typeof nodeVault>

/** What one request saw besides its body. */
export interface CallContext {
  headers?: http.IncomingHttpHeaders
  /** The request on the wire, once the agent has it (only while a signal may abort it). */
  request?: http.ClientRequest
  /** Set by an abort: a request the agent gets afterwards is destroyed at once. */
  aborted?: boolean
  /** Set before sending to keep the response's body as it arrives (`responseText` reads it). */
  keepBody?: boolean
  /** The bytes of the response's body (the last response's, after a redirect), when kept. */
  body?: Buffer[]
  /** The response's `Content-Encoding` as sent (axios removes it from `headers` once decoded). */
  encoding?: string
}

/** Carries each request's context to the agent, which records the response headers. */
const callContext = new AsyncLocalStorage<CallContext>()

/** Runs `send` with `context` collecting the headers of the response it gets. */
export function observe<T>(context: CallContext, send: () => Promise<T>): Promise<T> {
  return callContext.run(context, send)
}

/**
 * `observe`, ended by `signal`: an abort destroys the request (on the wire, or as soon as the
 * agent gets it) and rejects at once with the signal's reason, as `abortableSleep` does; the
 * listener goes when the request settles. node-vault forwards no signal to axios.
 */
export function observeAbortable<T>(
  context: CallContext,
  send: () => Promise<T>,
  signal: AbortSignal
): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  context.aborted = false
  return abortable(callContext.run(context, send), signal, () => {
    context.aborted = true
    context.request?.destroy()
  })
}

type AddRequest = (req: http.ClientRequest, options: unknown) => void

/**
 * node-vault drops response headers and takes no signal; the agent it is given sees every
 * request, so it hands `Retry-After` to the request's context, and the request itself to a
 * context an abort may end (`observeAbortable`).
 */
function observingAgent<T extends http.Agent>(agent: T): T {
  const target = agent as unknown as { addRequest: AddRequest }
  const original = target.addRequest.bind(agent)
  target.addRequest = (req, options) => {
    const context = callContext.getStore()
    if (context) {
      req.once('response', (res: http.IncomingMessage) => {
        context.headers = res.headers
        if (!context.keepBody) return
        // axios's own listeners come first (they were added when the request was made) and
        // take the same chunks: this one only keeps them.
        const chunks: Buffer[] = (context.body = [])
        context.encoding = rawHeader(res.rawHeaders, 'content-encoding')
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
      })
      if (context.aborted !== undefined) context.request = req
    }
    original(req, options)
    // aborted before the agent got it: the request never leaves (a pooled socket stays pooled)
    if (context?.aborted) req.destroy()
  }
  return agent
}

function rawHeader(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1]
  return undefined
}

/**
 * The text of the body the context kept (`keepBody` set before sending), decoded from its
 * `Content-Encoding` and read as UTF-8, as requests reads Vault's `application/json`;
 * undefined when nothing was kept or its encoding cannot be decoded here.
 */
export function responseText(context: CallContext): string | undefined {
  if (!context.body) return undefined
  let bytes = Buffer.concat(context.body)
  switch ((context.encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      break
    case 'gzip':
    case 'x-gzip':
    case 'deflate':
    case 'compress':
    case 'x-compress':
      try {
        bytes = unzipSync(bytes)
      } catch {
        return undefined
      }
      break
    case 'br':
      try {
        bytes = brotliDecompressSync(bytes)
      } catch {
        return undefined
      }
      break
    default:
      return undefined
  }
  return bytes.toString('utf8')
}

/** What the client is built from (resolved `backend_kwargs`). */
export interface VaultHttpOptions {
  /** The backend's id, for messages. */
  id: string
  url: string
  namespace: string | null
  /** hvac's `verify`: false skips TLS verification, text is a CA bundle path. */
  verify: boolean | string
  timeoutSeconds: number
}

/** A node-vault client and the agents to destroy when the backend closes. */
export interface VaultHttp {
  client: VaultClient
  close(): void
}

/** hvac's `verify: "<path>"`: the CA bundle that signs Vault's certificate. */
function caBundle(id: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new AirlockError(
      'usage',
      `${id}: cannot read the CA bundle given as verify (${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      { cause: error }
    )
  }
}

/** The client for one backend, talking to `url` through observing keep-alive agents. */
export function createVaultHttp(options: VaultHttpOptions): VaultHttp {
  const httpAgent = observingAgent(new http.Agent({ keepAlive: true }))
  const httpsAgent = observingAgent(
    new https.Agent({
      keepAlive: true,
      rejectUnauthorized: options.verify !== false,
      ca: typeof options.verify === 'string' ? caBundle(options.id, options.verify) : undefined
    })
  )
  const client = nodeVault({
    endpoint: options.url,
    noCustomHTTPVerbs: true, // LIST as GET ?list=1 (Node's http stack has no LIST verb)
    namespace: options.namespace ?? undefined,
    // node-vault's debug logger prints request bodies, i.e. secrets: never.
    debug: () => undefined,
    requestOptions: { httpAgent, httpsAgent, timeout: options.timeoutSeconds * 1000 }
  })
  // node-vault falls back to VAULT_TOKEN / VAULT_NAMESPACE / VAULT_PREFIX from Airlock's own
  // process environment; Airflow's configuration is all that counts here.
  client.token = ''
  const loose = client as unknown as { namespace?: string; pathPrefix: string }
  loose.namespace = options.namespace ?? undefined
  loose.pathPrefix = ''
  return {
    client,
    close() {
      httpAgent.destroy()
      httpsAgent.destroy()
    }
  }
}
