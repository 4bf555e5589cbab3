/**
 * `airlock keystore init|status`, and the CLI's one way to open the keychain: the store chosen
 * by keychain/open-keychain (AIRLOCK_PASSPHRASE, the OS keychain, a prompt for an existing
 * passphrase store at a terminal, else memory), opened once per process and named once on
 * stderr when it is the passphrase store.
 */
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { PASSPHRASE_ENV, type Keychain } from '../../keychain/keychain'
import { describeKeychain, keystorePath, selectKeychain } from '../../keychain/open-keychain'
import { PassphraseKeychain } from '../../keychain/passphrase-keychain'
import { configDir } from '../../platform/paths'
import { EXIT_OK, UsageError, writeLine, type CliIo } from '../io'

/** Asks one question on a terminal with echo off; the answer is never written anywhere. */
export async function promptHidden(io: CliIo, question: string): Promise<string> {
  let muted = false
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      if (!muted) io.stderr.write(chunk)
      done()
    }
  })
  const rl = createInterface({ input: io.stdin, output: sink, terminal: true })
  const answer = await new Promise<string>((resolve) => {
    rl.question(question, resolve)
    muted = true
  })
  rl.close()
  io.stderr.write('\n')
  return answer
}

const isTty = (io: CliIo) => Boolean((io.stdin as { isTTY?: boolean }).isTTY)

let opened: Promise<Keychain> | undefined

/**
 * The keychain of this CLI run (see the module comment). A plan with a profile source asks
 * for it twice; the prompt and the notice come once.
 */
export function openCliKeychain(io: CliIo): Promise<Keychain> {
  opened ??= selectKeychain({
    env: io.env,
    keystore: keystorePath(configDir(io.env)),
    ...(isTty(io) ? { prompt: (q: string) => promptHidden(io, q) } : {})
  }).then((kc) => {
    if (kc.kind === 'passphrase') io.stderr.write(`airlock: secrets in ${describeKeychain(kc)}\n`)
    return kc
  })
  return opened
}

async function newPassphrase(io: CliIo, path: string): Promise<string> {
  const given = io.env[PASSPHRASE_ENV]
  if (given) return given
  if (!isTty(io))
    throw new UsageError(
      `keystore init needs a passphrase: set ${PASSPHRASE_ENV} or run it at a terminal`
    )
  const first = await promptHidden(io, `New passphrase for ${path} (input hidden): `)
  if (!first) throw new UsageError('the passphrase is empty')
  const second = await promptHidden(io, 'The same passphrase again: ')
  if (first !== second) throw new UsageError('the two passphrases differ; nothing was written')
  return first
}

/** `airlock keystore init|status`. */
export async function keystoreCommand(io: CliIo, sub: string | undefined): Promise<number> {
  const path = keystorePath(configDir(io.env))
  switch (sub) {
    case 'init': {
      const kc = new PassphraseKeychain(path, await newPassphrase(io, path))
      await kc.init()
      await writeLine(
        io.stdout,
        `passphrase store ready: ${path} (use it with ${PASSPHRASE_ENV}, or enter the passphrase when asked)`
      )
      return EXIT_OK
    }
    case 'status': {
      const kc = await openCliKeychain(io)
      await writeLine(io.stdout, `secrets in ${describeKeychain(kc)}`)
      if (kc.kind !== 'passphrase') await writeLine(io.stdout, `passphrase store file: ${path}`)
      if (kc.warning) io.stderr.write(`airlock: warning: ${kc.warning}\n`)
      return EXIT_OK
    }
    case undefined:
      throw new UsageError('keystore needs init or status')
    default:
      throw new UsageError(`unknown keystore command ${JSON.stringify(sub)}`)
  }
}
