/** `airlock fernet generate-key|encrypt|decrypt|rotate`: Airflow's Fernet, line by line. */
import { CodecError } from '../../core/errors'
import { Fernet, MultiFernet } from '../../core/codecs/fernet'
import { PyJsonDecodeError, pyJsonLoads, pyJsonString } from '../../core/codecs/py-json'
import {
  EXIT_ITEMS_FAILED,
  EXIT_OK,
  OutputBuffer,
  UsageError,
  readLineBatches,
  writeLine,
  type CliIo
} from '../io'
import type { GivenKey } from '../key-source'
import { errorLine } from './common'

// ignoreBOM: a leading BOM stays a U+FEFF character, as Python's `.decode()` keeps it
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The key list the flags gave (cli/key-source.ts), else `AIRFLOW__CORE__FERNET_KEY`. */
export function fernetFromOptions(io: CliIo, given: GivenKey | undefined): MultiFernet {
  const setting = given?.setting ?? io.env.AIRFLOW__CORE__FERNET_KEY
  if (!setting)
    throw new UsageError(
      'no Fernet key: set AIRFLOW__CORE__FERNET_KEY, or pass --key-file PATH or --key-stdin (KEY[,OLDKEY…])'
    )
  try {
    return MultiFernet.fromSetting(setting)
  } catch (error) {
    if (error instanceof CodecError)
      throw new UsageError(`${given?.from ?? 'AIRFLOW__CORE__FERNET_KEY'}: ${error.userMessage}`)
    throw error
  }
}

function plaintextOf(line: string): Uint8Array {
  let value
  try {
    value = pyJsonLoads(line)
  } catch (error) {
    if (error instanceof PyJsonDecodeError)
      throw new CodecError(
        'Each input line must be a JSON string (the plaintext).',
        'codec.invalid-json'
      )
    throw error
  }
  if (typeof value !== 'string')
    throw new CodecError(
      'Each input line must be a JSON string (the plaintext).',
      'codec.invalid-json'
    )
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value))
    throw new CodecError(
      'The plaintext holds a lone surrogate, which is not valid UTF-8.',
      'codec.invalid'
    )
  return new TextEncoder().encode(value)
}

/** Runs one fernet subcommand. */
export async function fernetCommand(
  io: CliIo,
  sub: string,
  key: GivenKey | undefined
): Promise<number> {
  if (sub === 'generate-key') {
    await writeLine(io.stdout, Fernet.generateKey())
    return EXIT_OK
  }
  // Each command answers a batch of lines (one chunk of stdin): `decrypt` opens the batch's
  // tokens at once (MultiFernet.decryptMany), then answers line by line.
  const handlers: Record<
    string,
    (f: MultiFernet, lines: readonly string[]) => (line: string, i: number) => string
  > = {
    encrypt: (f) => (line) => f.encrypt(plaintextOf(line)),
    decrypt: (f, lines) => {
      const opened = f.decryptMany(lines)
      return (_line, i) => {
        const bytes = opened[i]!
        if (bytes instanceof CodecError) throw bytes
        let text: string
        try {
          text = utf8Strict.decode(bytes)
        } catch {
          throw new CodecError(
            'The token decrypts to bytes that are not UTF-8 text.',
            'codec.invalid'
          )
        }
        // json.dumps({'plaintext': text})
        return '{"plaintext": ' + pyJsonString(text) + '}'
      }
    },
    rotate: (f) => (line) => f.rotate(line)
  }
  const handler = handlers[sub]
  if (!handler)
    throw new UsageError(
      `unknown fernet command ${JSON.stringify(sub)} (generate-key, encrypt, decrypt, rotate)`
    )
  const fernet = fernetFromOptions(io, key)
  let failed = 0
  // Each chunk of stdin is answered at once, its lines without an await between them, and its
  // answers written together: a pipe gets a few large writes, a terminal each answer as soon
  // as its line was read.
  const out = new OutputBuffer(io.stdout, 1 << 16)
  try {
    for await (const lines of readLineBatches(io.stdin)) {
      const answer = handler(fernet, lines)
      for (let i = 0; i < lines.length; i++) {
        try {
          out.line(answer(lines[i]!, i))
        } catch (error) {
          if (!(error instanceof CodecError)) throw error
          failed++
          out.line(errorLine(error))
        }
        if (out.full) await out.flush()
      }
      await out.flush()
    }
  } finally {
    // Every answer given so far goes out, also when an unexpected error ends the loop.
    await out.flush()
  }
  return failed ? EXIT_ITEMS_FAILED : EXIT_OK
}
