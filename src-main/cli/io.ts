/** Line-oriented I/O for the CLI: every command reads stdin line by line and writes lines. */
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'

/** Where a command reads and writes; tests pass their own streams. */
export interface CliIo {
  stdin: Readable
  stdout: Writable
  stderr: Writable
  env: NodeJS.ProcessEnv
}

/** The exit codes of every command: 0 ok, 1 some items failed, 2 usage error. */
export const EXIT_OK = 0
export const EXIT_ITEMS_FAILED = 1
export const EXIT_USAGE = 2

/** A usage problem: the command prints it with a hint and exits 2. */
export class UsageError extends Error {}

/** Each line of stdin (without its `\n` or `\r\n`); a final empty line is not a line. */
export async function* readLines(stdin: Readable): AsyncGenerator<string> {
  const rl = createInterface({ input: stdin, crlfDelay: Infinity })
  for await (const line of rl) yield line
}

/** Writes one line; waits when the stream's buffer is full (large pipes). */
export async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', resolve))
}

/**
 * Lines written in batches, for commands that answer every input line: a batch goes out when
 * 64 KB have gathered or when this turn of the event loop ends (every line of the input read
 * so far has been answered), so a pipe gets a few large writes and a terminal still sees each
 * answer as soon as its line was read. `end()` writes the rest.
 */
export class LineBatcher {
  private text = ''
  private scheduled: NodeJS.Immediate | undefined
  constructor(private readonly out: Writable) {}

  /** Adds one line; waits when the stream's buffer is full (large pipes). */
  async line(line: string): Promise<void> {
    this.text += line + '\n'
    if (this.text.length >= 1 << 16) await this.end()
    else this.scheduled ??= setImmediate(() => this.write())
  }

  /** Writes what has gathered; resolves once the stream can take more. */
  async end(): Promise<void> {
    if (!this.write()) await new Promise<void>((resolve) => this.out.once('drain', resolve))
  }

  private write(): boolean {
    if (this.scheduled) clearImmediate(this.scheduled)
    this.scheduled = undefined
    const text = this.text
    this.text = ''
    return text === '' || this.out.write(text)
  }
}

/** One line typed at a terminal after `question` (on stderr); '' when stdin ends first. */
export async function promptLine(io: CliIo, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false })
  io.stderr.write(question)
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve)
    rl.once('close', () => resolve(''))
  })
  rl.close()
  return answer
}
