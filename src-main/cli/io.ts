/** Line-oriented I/O for the CLI: every command reads stdin line by line and writes lines. */
import type { Readable, Writable } from 'node:stream'

// readline and string_decoder are loaded where stdin is read: most commands never read it, and
// every command loads this module (the two were ~1.5 ms of each start: issue #22)
const readline = () => process.getBuiltinModule('node:readline')

/** Where a command reads and writes; tests pass their own streams. */
export interface CliIo {
  stdin: Readable
  stdout: Writable
  stderr: Writable
  env: NodeJS.ProcessEnv
}

/**
 * The exit codes of every command: 0 ok, 1 some items failed, 2 usage error, 130 a job (apply,
 * resume, rollback) stopped by Ctrl-C before its end (128 + SIGINT, as a shell reports it).
 */
export const EXIT_OK = 0
export const EXIT_ITEMS_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_CANCELLED = 130

/** A usage problem: the command prints it with a hint and exits 2. */
export class UsageError extends Error {}

/** Each line of stdin (without its `\n` or `\r\n`); a final empty line is not a line. */
export async function* readLines(stdin: Readable): AsyncGenerator<string> {
  const rl = readline().createInterface({ input: stdin, crlfDelay: Infinity })
  for await (const line of rl) yield line
}

// What readline's lineEnding matches: \n, \r\n, or a \r not followed by \n.
const LINE_END = /\r?\n|\r(?!\n)/g

/**
 * The lines of stdin as `readLines` gives them, a chunk of input at a time: each array holds
 * the lines completed by one chunk read, so a caller answers them without an await per line
 * (a terminal's line is still answered as soon as it was read). readline's own splitting
 * (Node's lib/internal/readline/interface.js, crlfDelay Infinity): `\n`, `\r\n` (also across
 * chunks) and a lone `\r` end a line; a final unterminated line counts unless empty; a final
 * incomplete UTF-8 sequence is dropped, as readline drops it.
 */
export async function* readLineBatches(stdin: Readable): AsyncGenerator<string[]> {
  const decoder = new (process.getBuiltinModule('node:string_decoder').StringDecoder)('utf8')
  let rest = ''
  let sawReturn = false
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk)
    if (sawReturn) {
      if (text.charCodeAt(0) === 10) text = text.slice(1)
      sawReturn = false
    }
    const lines: string[] = []
    let from = 0
    // Fast path: a chunk without \r splits on \n alone.
    if (!text.includes('\r')) {
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', from)) {
        lines.push(from === 0 && rest ? rest + text.slice(0, at) : text.slice(from, at))
        if (from === 0) rest = ''
        from = at + 1
      }
    } else {
      LINE_END.lastIndex = 0
      for (let m = LINE_END.exec(text); m; m = LINE_END.exec(text)) {
        lines.push(from === 0 && rest ? rest + text.slice(0, m.index) : text.slice(from, m.index))
        if (from === 0) rest = ''
        from = LINE_END.lastIndex
      }
      sawReturn = text.endsWith('\r')
    }
    rest = from === 0 ? rest + text : text.slice(from)
    if (lines.length) yield lines
  }
  if (rest) yield [rest]
}

/** Writes one line; waits when the stream's buffer is full (large pipes). */
export async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', resolve))
}

/**
 * Output gathered as UTF-8 bytes in large buffers and written a buffer at a time: each line is
 * encoded once, straight into the buffer, so a large output is neither a rope of strings nor
 * a second copy made at write time, and the lines die young. `flush()` writes what has
 * gathered; the caller flushes when `full` (and whenever its input so far has been answered).
 */
export class OutputBuffer {
  private buf: Buffer
  private used = 0
  /** Filled buffers (and lines too long for one) waiting for the next flush, in order. */
  private ready: Buffer[] = []

  constructor(
    private readonly out: Writable,
    private readonly size = 1 << 20
  ) {
    this.buf = Buffer.allocUnsafe(size)
  }

  /** Whether a buffer is filled: time to `flush()`. */
  get full(): boolean {
    return this.ready.length > 0
  }

  /** Adds `text` and a newline. */
  line(text: string): void {
    // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    const most = text.length * 3 + 1
    if (most > this.size - this.used) {
      if (this.used > 0) {
        this.ready.push(this.buf.subarray(0, this.used))
        this.buf = Buffer.allocUnsafe(this.size)
        this.used = 0
      }
      if (most > this.size) {
        this.ready.push(Buffer.from(text + '\n'))
        return
      }
    }
    this.used += this.buf.write(text, this.used)
    this.buf[this.used++] = 0x0a
  }

  /** Writes what has gathered; resolves once the stream can take more. */
  async flush(): Promise<void> {
    if (this.used > 0) {
      // The filled part goes out as is (the stream may hold it): later lines go to a new one.
      this.ready.push(this.buf.subarray(0, this.used))
      this.buf = Buffer.allocUnsafe(this.size)
      this.used = 0
    }
    if (this.ready.length === 0) return
    const chunks = this.ready
    this.ready = []
    let more = true
    for (const chunk of chunks) more = this.out.write(chunk)
    if (!more) await new Promise<void>((resolve) => this.out.once('drain', resolve))
  }
}

/** One line typed at a terminal after `question` (on stderr); '' when stdin ends first. */
export async function promptLine(io: CliIo, question: string): Promise<string> {
  const rl = readline().createInterface({ input: io.stdin, output: io.stderr, terminal: false })
  io.stderr.write(question)
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve)
    rl.once('close', () => resolve(''))
  })
  rl.close()
  return answer
}
