// Stopping Airlock stops all of it: `npm start` and `airlock serve` (re-run under the bundled
// Node from an older system Node) leave no process behind and no port answering, whichever of
// SIGINT, SIGTERM, SIGHUP reaches the outermost process. And scripts/with-keyring.sh removes its
// throw-away keyring folder and keeps the exit status and stdin.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { airlockAsync, cliSandbox } from '../support/cli'
import { startVaultEmulator } from '../support/emulators/vault'

const root = process.cwd()
const SYSTEM_NODE = '/usr/bin/node'

/** Every live descendant of pid (from /proc), so the test can see what a signal left behind. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // Field 4 (ppid) follows the parenthesised command name, which may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parentOf.set(Number(name), ppid)
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = []
  const walk = (p: number): void => {
    for (const [child, parent] of parentOf)
      if (parent === p) {
        found.push(child)
        walk(child)
      }
  }
  walk(pid)
  return found
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 1000 }, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.end()
  })
}

/** Starts cmd, waits for the served address, returns it with the process tree under it. */
async function startServing(
  cmd: string,
  args: string[]
): Promise<{ child: ChildProcess; url: string; tree: number[] }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIRLOCK_HOME: join(tmpdir(), `airlock-shutdown-${process.pid}`)
  }
  delete env.CI
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address printed:\n${out}`)), 30_000)
    const onData = (chunk: Buffer): void => {
      out += chunk.toString()
      const m = /served at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', () => reject(new Error(`exited before serving:\n${out}`)))
  })
  return { child, url, tree: [child.pid!, ...descendants(child.pid!)] }
}

async function expectAllGone(tree: number[], url: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (Date.now() < deadline && tree.some(alive)) await new Promise((r) => setTimeout(r, 100))
  expect(tree.filter(alive)).toEqual([])
  expect(await answers(url)).toBe(false)
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

describe.skipIf(!existsSync(join(root, 'node_modules/.bin/node')))('stopping Airlock', () => {
  for (const signal of SIGNALS) {
    it(`npm start stops with everything it started on ${signal}`, async () => {
      const { child, url, tree } = await startServing('npm', [
        'start',
        '--silent',
        '--',
        '--no-open',
        '--port',
        '0'
      ])
      expect(tree.length).toBe(3) // npm, start.mjs (exec'd by the shell), airlock serve
      expect(await answers(url)).toBe(true)
      child.kill(signal)
      await expectAllGone(tree, url)
    })

    it(`airlock serve under an older system Node forwards ${signal} to the bundled Node`, async () => {
      const { child, url, tree } = await startServing(SYSTEM_NODE, [
        'bin/airlock.mjs',
        'serve',
        '--no-open',
        '--port',
        '0'
      ])
      expect(tree.length).toBe(2) // the re-run under the bundled Node is a child
      child.kill(signal)
      const exit = await new Promise<[number | null, string | null]>((r) =>
        child.on('exit', (code, sig) => r([code, sig]))
      )
      // serve treats each of these as "stop" (a clean exit, passed through unchanged); a child
      // the signal reached before serve's handler was in place dies of it, which is re-raised.
      expect([JSON.stringify([0, null]), JSON.stringify([null, signal])]).toContain(
        JSON.stringify(exit)
      )
      await expectAllGone(tree, url)
    })
  }

  it("passes the bundled Node's exit status on", () => {
    const usage = spawnSync(SYSTEM_NODE, ['bin/airlock.mjs', 'no-such-command'], { cwd: root })
    expect(usage.status).toBe(2)
    const version = spawnSync(SYSTEM_NODE, ['bin/airlock.mjs', '--version'], { cwd: root })
    expect(version.status).toBe(0)
  })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitFor(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

// Issue #17.9: `airlock` under an older system Node re-runs itself under the bundled Node; a
// signal for the outer process must reach the one doing the work, and that one must not
// outlive the outer process however it ends.
describe.skipIf(!existsSync(join(root, 'node_modules/.bin/node')))('attack: job integrity', () => {
  it.runIf(Boolean(process.env.DBUS_SESSION_BUS_ADDRESS))(
    '17.9 Ctrl-C on an apply under an older system Node reaches the bundled Node: it stops writing after the batch',
    async () => {
      const vault = await startVaultEmulator({ rootToken: 'root-token' })
      const { dir, env } = cliSandbox('airlock-killed-apply-')
      const cli = (args: string[], input = '') =>
        airlockAsync(args, input, { ...env, NO_PROXY: '127.0.0.1' })
      try {
        const add = await cli(
          ['profile', 'add', 'v', '--kind', 'vault', '--url', vault.url, '--secret-stdin'],
          'root-token'
        )
        expect(add.code, add.err).toBe(0)
        const count = 300
        writeFileSync(
          join(dir, 'source.env'),
          Array.from({ length: count }, (_, i) => `AIRFLOW_VAR_V${i}=value-${i}\n`).join('')
        )
        const plan = join(dir, 'plan.json')
        const planned = await cli([
          'plan',
          `envfile:${join(dir, 'source.env')}`,
          'vault:v',
          '--out',
          plan
        ])
        expect(planned.code, planned.err).toBe(0)
        // slow enough that the apply is mid-way when the signal comes
        vault.setFaults({ latencyMs: 100 })
        const writes = () =>
          vault.requests.filter((r) => r.operation === 'create' || r.operation === 'update').length
        const child = spawn(SYSTEM_NODE, [join(root, 'bin/airlock.mjs'), 'apply', plan], {
          env: { ...env, NO_PROXY: '127.0.0.1' },
          stdio: ['ignore', 'pipe', 'pipe']
        })
        let stderr = ''
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
          child.on('exit', (code, signal) => r({ code, signal }))
        )
        await waitFor('the first write', () => writes() > 0, 120_000)
        const tree = [child.pid!, ...descendants(child.pid!)]
        expect(tree.length).toBe(2) // the re-run under the bundled Node does the writing
        child.kill('SIGINT')
        // the outer process waits for the bundled Node, which stops the job as Ctrl-C asks and
        // exits 130 (128 + SIGINT): the job is not done, whatever its counts so far say
        expect(await exited).toEqual({ code: 130, signal: null })
        expect(stderr).toContain('airlock: stopping (a secrets service now')
        await waitFor('the bundled Node to stop', () => !tree.some(alive), 10_000).catch(() => {})
        expect(tree.filter(alive)).toEqual([])
        await sleep(300) // answers already on their way
        const after = writes()
        await sleep(2000)
        expect(writes()).toBe(after)
        expect(after).toBeLessThan(count)
      } finally {
        await vault.close()
        rmSync(dir, { recursive: true, force: true })
      }
    },
    300_000
  )

  it('17.9 an orphaned serve stops with its parent (the outer airlock killed by SIGKILL)', async () => {
    const { child, url, tree } = await startServing(SYSTEM_NODE, [
      'bin/airlock.mjs',
      'serve',
      '--no-open',
      '--port',
      '0'
    ])
    expect(tree.length).toBe(2)
    child.kill('SIGKILL') // cannot be forwarded: the bundled Node must notice by itself
    await expectAllGone(tree, url)
  }, 60_000)
})

describe.skipIf(!existsSync('/usr/bin/dbus-run-session'))('scripts/with-keyring.sh', () => {
  const leftovers = (): string[] =>
    readdirSync(tmpdir()).filter((n) => n.startsWith('airlock-keyring.'))

  it('removes its temporary folder, keeps the exit status and passes stdin', () => {
    const before = leftovers()
    // stderr ignored: the keyring daemon keeps an inherited stderr pipe open after the run.
    const echoed = spawnSync('bash', ['scripts/with-keyring.sh', 'cat'], {
      cwd: root,
      input: 'through stdin',
      stdio: ['pipe', 'pipe', 'ignore'],
      timeout: 30_000
    })
    expect(echoed.status).toBe(0)
    expect(echoed.stdout.toString()).toBe('through stdin')
    const failed = spawnSync('bash', ['scripts/with-keyring.sh', 'sh', '-c', 'exit 7'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'ignore'],
      timeout: 30_000
    })
    expect(failed.status).toBe(7)
    expect(leftovers().filter((n) => !before.includes(n))).toEqual([])
  })

  it('stops the keyring daemon it started, even when the command is done before the daemon is up', async () => {
    // A command that returns at once found the daemon (started daemonised) still setting up:
    // it outlived the run, writing its keyrings into the folder being removed, and `rm -rf`
    // failing there made the script exit 1 instead of the command's status.
    const live = (runtimeDir: string): number[] =>
      readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/environ`, 'utf8')
              .split('\0')
              .includes(`XDG_RUNTIME_DIR=${runtimeDir}`)
          } catch {
            return false // exited while we looked, or not ours
          }
        })
        .map(Number)
    for (let run = 0; run < 3; run++) {
      const quick = spawnSync(
        'bash',
        ['scripts/with-keyring.sh', 'sh', '-c', 'echo "$XDG_RUNTIME_DIR"; exit 7'],
        { cwd: root, stdio: ['pipe', 'pipe', 'ignore'], timeout: 30_000 }
      )
      expect(quick.status).toBe(7)
      const runtimeDir = quick.stdout.toString().trim()
      expect(runtimeDir).toMatch(/airlock-keyring\.[^/]+\/run$/)
      await new Promise((r) => setTimeout(r, 500))
      const folder = runtimeDir.slice(0, -'/run'.length)
      const left = live(runtimeDir)
      const kept = existsSync(folder)
      for (const pid of left) process.kill(pid, 'SIGKILL') // not to outlive a failed test
      if (left.length > 0 || kept) rmSync(folder, { recursive: true, force: true })
      expect(left).toEqual([])
      expect(kept).toBe(false)
    }
  })
})
