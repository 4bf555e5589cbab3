/**
 * Where a command's Fernet key list comes from, one way at a time: `--key-file PATH` (a file
 * holding the key list, owner-only like an ssh key), `--key-stdin` (stdin, or a hidden prompt at
 * a terminal), else `AIRFLOW__CORE__FERNET_KEY` as Airflow reads it (the store itself may also
 * bring one: a `metadb:` profile's key from the keychain, `airflow-config:`'s `fernet_key`).
 * `--key K` still works but puts the key in `ps` and the shell history: it is deprecated, with
 * a warning that never repeats the key.
 */
import { readFileSync, statSync } from 'node:fs'
import { readLines, UsageError, type CliIo } from './io'

/** The flags a key may come from. */
export interface KeyFlags {
  key?: string
  'key-file'?: string
  'key-stdin'?: boolean
}

/** A key list and where it came from, to name the place when it is not a valid key. */
export interface GivenKey {
  setting: string
  from: string
}

const WAYS = '--key-file PATH, --key-stdin or AIRFLOW__CORE__FERNET_KEY'

/** Python's `str.strip()` for what a file or a pipe adds around a key: newlines and spaces. */
const strip = (text: string) => text.replace(/^\s+|\s+$/g, '')

function fromFile(io: CliIo, path: string): GivenKey {
  let text: string
  try {
    const mode = statSync(path).mode
    // as ssh does for private keys, but a warning: Docker and Kubernetes mount secrets 0444/0644
    if (process.platform !== 'win32' && mode & 0o077)
      io.stderr.write(
        `airlock: warning: --key-file ${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 ${path}\n`
      )
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT'
        ? `--key-file ${path}: no such file`
        : code === 'EISDIR'
          ? `--key-file ${path} is a directory, not a file holding the key`
          : `--key-file ${path} cannot be read (${code ?? 'error'})`
    )
  }
  const setting = strip(text)
  if (!setting) throw new UsageError(`--key-file ${path} is empty`)
  return { setting, from: `--key-file ${path}` }
}

async function fromStdin(io: CliIo): Promise<GivenKey> {
  let text = ''
  if ((io.stdin as { isTTY?: boolean }).isTTY) {
    const { promptHidden } = await import('./commands/keystore')
    text = await promptHidden(io, 'Fernet key (a comma-separated list; input hidden): ')
  } else for await (const line of readLines(io.stdin)) text += `${line}\n`
  const setting = strip(text)
  if (!setting) throw new UsageError('--key-stdin: stdin holds no key')
  return { setting, from: '--key-stdin' }
}

/**
 * The key list the flags give, or undefined (the command then uses AIRFLOW__CORE__FERNET_KEY
 * or what the store brings). `stdinTaken` names what else reads stdin (`fernet encrypt`), so
 * `--key-stdin` is refused there.
 */
export async function keyFromFlags(
  io: CliIo,
  flags: KeyFlags,
  stdinTaken?: string
): Promise<GivenKey | undefined> {
  const given = (['key', 'key-file', 'key-stdin'] as const).filter(
    (f) => flags[f] !== undefined && flags[f] !== false
  )
  if (given.length > 1)
    throw new UsageError(
      `give the Fernet key one way (${given.map((f) => `--${f}`).join(', ')} were given together)`
    )
  if (flags['key-file'] !== undefined) return fromFile(io, flags['key-file'])
  if (flags['key-stdin']) {
    if (stdinTaken)
      throw new UsageError(
        `--key-stdin: ${stdinTaken} reads its input from stdin; give the key with --key-file PATH or AIRFLOW__CORE__FERNET_KEY`
      )
    return fromStdin(io)
  }
  if (flags.key !== undefined) {
    io.stderr.write(
      `airlock: warning: --key is deprecated: a key on the command line is seen by other users (ps) and kept in shell history; use ${WAYS}\n`
    )
    return { setting: flags.key, from: '--key' }
  }
  return undefined
}
