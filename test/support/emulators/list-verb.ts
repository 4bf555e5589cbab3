/**
 * Vault's `LIST` verb for a Node HTTP server. Node's parser (llhttp) knows a fixed set of
 * methods and answers a bare 400 to `LIST /v1/secret/metadata/ HTTP/1.1` before any handler
 * runs; Vault accepts it (https://developer.hashicorp.com/vault/api-docs#api-operations:
 * "LIST … can also be issued as GET with the query parameter list=true"), and hvac's
 * `kv.v2.list_secrets`, the `vault` CLI and `curl -X LIST` send it.
 *
 * `acceptListVerb(server)` puts a listener in front of the HTTP server that reads each
 * connection's byte stream with HTTP/1.1 framing (request head, then a `Content-Length` or
 * chunked body), rewrites a request line `LIST <target>` to `GET <target>` with the header
 * `x-emulator-verb: LIST`, and hands the stream to the server. `requestVerb(req)` gives the
 * verb the client sent.
 */
import { Duplex } from 'node:stream'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import type { IncomingMessage, Server } from 'node:http'

export const VERB_HEADER = 'x-emulator-verb'

/** The verb the client sent (`LIST` included). */
export function requestVerb(req: IncomingMessage): string {
  return req.headers[VERB_HEADER] === 'LIST' ? 'LIST' : (req.method ?? 'GET')
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')
/** Larger heads are passed on untouched for the parser to refuse (431). */
const MAX_HEAD = 64 * 1024

/** Rewrites LIST request lines in one connection's incoming bytes, following the framing. */
class ListVerbFramer {
  private buffer: Buffer = Buffer.alloc(0)
  private mode: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailer' | 'raw' = 'head'
  private remaining = 0

  /** Returns the bytes to hand to the HTTP parser now. */
  push(chunk: Buffer): Buffer {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk
    const out: Buffer[] = []
    for (;;) {
      if (this.mode === 'raw') {
        out.push(this.buffer)
        this.buffer = Buffer.alloc(0)
        break
      }
      if (this.mode === 'body' || this.mode === 'chunk-data') {
        const take = Math.min(this.remaining, this.buffer.length)
        out.push(this.buffer.subarray(0, take))
        this.buffer = this.buffer.subarray(take)
        this.remaining -= take
        if (this.remaining > 0) break
        this.mode = this.mode === 'body' ? 'head' : 'chunk-size'
        continue
      }
      if (this.mode === 'chunk-size' || this.mode === 'trailer') {
        const end = this.buffer.indexOf(CRLF)
        if (end < 0) break
        const line = this.buffer.subarray(0, end + 2)
        out.push(line)
        this.buffer = this.buffer.subarray(end + 2)
        if (this.mode === 'trailer') {
          if (end === 0) this.mode = 'head'
          continue
        }
        const size = parseInt(line.toString('latin1').split(';')[0]!.trim(), 16)
        if (!Number.isFinite(size)) this.mode = 'raw'
        else if (size === 0) this.mode = 'trailer'
        else {
          this.mode = 'chunk-data'
          this.remaining = size + 2
        }
        continue
      }
      // head
      if (!this.buffer.length) break
      const end = this.buffer.indexOf(HEAD_END)
      if (end < 0) {
        if (this.buffer.length > MAX_HEAD) this.mode = 'raw'
        break
      }
      let head = this.buffer.subarray(0, end + 4).toString('latin1')
      this.buffer = this.buffer.subarray(end + 4)
      if (head.startsWith('LIST ')) {
        const lineEnd = head.indexOf('\r\n')
        head = `GET ${head.slice(5, lineEnd)}\r\n${VERB_HEADER}: LIST${head.slice(lineEnd)}`
      }
      out.push(Buffer.from(head, 'latin1'))
      const length = /\r\ncontent-length:\s*(\d+)\s*\r\n/i.exec(head)
      if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) this.mode = 'chunk-size'
      else if (length && Number(length[1]) > 0) {
        this.mode = 'body'
        this.remaining = Number(length[1])
      }
    }
    return Buffer.concat(out)
  }
}

/** A socket whose incoming bytes pass through a ListVerbFramer. */
class ListVerbSocket extends Duplex {
  private readonly framer = new ListVerbFramer()

  constructor(readonly socket: Socket) {
    // Half-open, as Node's own HTTP server keeps its sockets: a client that sends its last
    // request and ends its side still gets every answer.
    super({ allowHalfOpen: true })
    socket.on('data', (chunk: Buffer) => {
      const bytes = this.framer.push(chunk)
      if (bytes.length && !this.push(bytes)) socket.pause()
    })
    socket.on('end', () => this.push(null))
    socket.on('error', (error) => this.destroy(error))
    socket.on('close', () => this.destroy())
  }

  get remoteAddress() {
    return this.socket.remoteAddress
  }
  get remotePort() {
    return this.socket.remotePort
  }
  get localAddress() {
    return this.socket.localAddress
  }
  get localPort() {
    return this.socket.localPort
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms, callback)
    return this
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay)
    return this
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay)
    return this
  }
  override _read(): void {
    this.socket.resume()
  }
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (e?: Error | null) => void) {
    this.socket.write(chunk, encoding, callback)
  }
  override _final(callback: (e?: Error | null) => void): void {
    this.socket.end(callback)
  }
  override _destroy(error: Error | null, callback: (e?: Error | null) => void): void {
    this.socket.destroy()
    callback(error)
  }
}

/**
 * A TCP listener feeding `server` with LIST rewritten; listen on it instead of the server.
 * Every accepted socket is reported to `onSocket` (to close them all at shutdown).
 */
export function acceptListVerb(server: Server, onSocket: (socket: Socket) => void): NetServer {
  return createNetServer({ allowHalfOpen: true }, (socket) => {
    onSocket(socket)
    server.emit('connection', new ListVerbSocket(socket))
  })
}
