// Bad input for every command: missing, malformed and conflicting flags and files. Each must
// end with exit 2 (usage) or 1 and a message naming the place (flag, file, line, key, job),
// never an internal error, and must leave every file as it was: Airlock's home and config,
// the stores, the plans. The command line runs in-process (main(), the same entry the bin
// calls) for speed; a few cases also run as real processes.
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { join, relative } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src-main/cli/airlock'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { SettingsStore } from '../../src-main/platform/settings'
import { airlock, airlockAsync, type CliRun } from '../support/cli'
import { startGceMetadataServer } from '../support/emulators/gce-metadata'
import { tempDir } from '../support/temp-dir'

const root = tempDir('airlock-bad-input-')
const p = (...parts: string[]) => join(root, ...parts)
const env = {
  PATH: process.env.PATH ?? '',
  HOME: p('home'),
  AIRLOCK_HOME: p('airlock-home'),
  AIRLOCK_CONFIG_DIR: p('config'),
  XDG_CONFIG_HOME: p('xdg-config'),
  XDG_DATA_HOME: p('xdg-data')
}
const KEY = Fernet.generateKey()

async function run(
  args: string[],
  stdin = ''
): Promise<{ code: number; out: string; err: string }> {
  const io = {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    env: { ...env }
  }
  let out = ''
  let err = ''
  io.stdout.on('data', (d: Buffer) => (out += d))
  io.stderr.on('data', (d: Buffer) => (err += d))
  io.stdin.end(stdin)
  const code = await main(args, io)
  return { code, out, err }
}

/** Every file and directory under the root with its mode and content. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      const st = statSync(path)
      const key = relative(root, path)
      // the OS keychain library (glib, probing D-Bus) makes an empty ~/.cache: not Airlock's
      if (key === 'home/.cache') continue
      if (st.isDirectory()) {
        out[key + '/'] = (st.mode & 0o777).toString(8)
        walk(path)
      } else out[key] = `${(st.mode & 0o777).toString(8)} ${readFileSync(path, 'base64')}`
    }
  }
  walk(root)
  return out
}

let plan: string
beforeAll(async () => {
  for (const d of ['home', 'airlock-home', 'config', 'work', 'stores', 'a-directory.json'])
    mkdirSync(p(d), { recursive: true })
  writeFileSync(p('not-a-dir'), 'a regular file\n')
  writeFileSync(p('stores', 'target.env'), '# target\nAIRFLOW_VAR_KEEP=1\n')
  writeFileSync(p('stores', 'other.env'), 'AIRFLOW_VAR_OTHER=1\n')
  writeFileSync(p('stores', 'bad.json'), '{\n  "c1": {"conn_type": "x"},\n  "c2": oops\n}\n')
  writeFileSync(p('stores', 'bad.env'), 'AIRFLOW_VAR_A=1\nAIRFLOW_VAR_B="open\n')
  writeFileSync(p('work', 'not-json.json'), '{"version": 1,\n "planId": oops}\n')
  new SettingsStore(p('config')).save({
    version: 1,
    profiles: [
      {
        name: 'existing',
        kind: 'metadb',
        airflowVersion: null,
        url: 'postgresql://airflow@db/airflow',
        region: null,
        backendKwargs: {},
        credential: { method: 'none', params: {} },
        createdAt: '2026-11-23T00:00:00.000Z',
        updatedAt: '2026-11-23T00:00:00.000Z'
      }
    ]
  })
  plan = p('work', 'plan.json')
  const made = await run(['plan', 'demo:', `envfile:${p('stores', 'target.env')}`, '--out', plan])
  expect(made.code, made.err).toBe(0)
  const doc = JSON.parse(readFileSync(plan, 'utf8'))
  writeFileSync(p('work', 'null-item.json'), JSON.stringify({ ...doc, items: [null] }))
  writeFileSync(p('work', 'no-source.json'), JSON.stringify({ ...doc, source: undefined }))
  writeFileSync(
    p('work', 'bad-action.json'),
    JSON.stringify({
      ...doc,
      items: doc.items.map((i: object, n: number) => (n === 2 ? { ...i, action: 'drop' } : i))
    })
  )
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

type Case = [args: string[], code: 1 | 2, message: RegExp]
const T = () => `envfile:${p('stores', 'target.env')}`

const CASES: Record<string, () => Case[]> = {
  'unknown commands and flags': () => [
    [['bogus'], 2, /unknown command "bogus"/],
    [['list', 'demo:', '--bogus'], 2, /Unknown option '--bogus'/],
    [['plan', 'demo:', T(), '--out'], 2, /--out/],
    [['conn', 'bogus'], 2, /unknown conn command "bogus"/],
    [['fernet'], 2, /fernet needs a command/],
    [['fernet', 'bogus'], 2, /bogus/],
    [['profile'], 2, /unknown profile command/],
    [['profile', 'bogus'], 2, /unknown profile command "bogus"/]
  ],
  'missing and extra positionals': () => [
    [['list'], 2, /list needs a store/],
    [['export'], 2, /export needs a store/],
    [['rotate-fernet-key'], 2, /rotate-fernet-key needs a store/],
    [['list', 'demo:', 'demo-env:'], 2, /unexpected argument "demo-env:"/],
    [['conn', 'parse', 'x://a', 'x://b'], 2, /unexpected argument "x:\/\/b"/],
    [['conn', 'uri', 'x'], 2, /unexpected argument "x"/],
    [['fernet', 'generate-key', 'x'], 2, /unexpected argument "x"/],
    [['effective', 'demo:'], 2, /unexpected argument "demo:"/],
    [['plan', 'demo:'], 2, /plan needs a source and a target store/],
    [['diff', 'demo:', T(), 'demo-env:'], 2, /unexpected argument "demo-env:"/],
    [['apply'], 2, /apply needs a plan file/],
    [['apply', plan, plan], 2, /unexpected argument/],
    [['resume'], 2, /resume needs a job id/],
    [['rollback', 'a', 'b'], 2, /unexpected argument "b"/],
    [['jobs', 'x'], 2, /unexpected argument "x"/],
    [['profile', 'add'], 2, /profile add needs a profile name/],
    [['profile', 'rename', 'existing'], 2, /rename/]
  ],
  'malformed and conflicting flags': () => [
    [['list', 'demo:', '--kind', 'bogus'], 2, /--kind/],
    [['list', 'demo:', '--dialect', 'bogus'], 2, /--dialect/],
    [['list', 'nosuch:x'], 2, /Unknown store "nosuch"/],
    [['export', 'demo:'], 2, /export needs --to FILE/],
    [['export', 'demo:', '--to', p('work', 'x.json'), '--format', 'bogus'], 2, /--format/],
    [['export', 'demo:', '--to', p('work', 'x.txt')], 2, /x\.txt/],
    [['conn', 'parse', '--key', KEY, 'x://h'], 2, /--key is for airlock fernet, .*conn does not/],
    [['fernet', 'encrypt', '--dialect', 'airflow2'], 2, /--dialect is for airlock conn, .*fernet/],
    [['fernet', 'encrypt', '--key', 'not-a-key'], 2, /--key: A Fernet key must be/],
    [['rotate-fernet-key', T(), '--key', KEY], 2, /rotate-fernet-key works on a metadata database/],
    [['effective'], 2, /effective needs --runtime/],
    [['effective', '--runtime', 'bogus'], 2, /--runtime takes demo or airflow-config/],
    [['effective', '--runtime', 'demo', '--model', 'bogus'], 2, /--model must be one of/],
    [['effective', '--runtime', 'demo', '--layer', 'bogus=demo:'], 2, /has no layer "bogus"/],
    [['effective', '--runtime', 'demo', '--layer', 'demo:'], 2, /--layer takes role=store/],
    [
      ['plan', 'demo:', T(), '--on-conflict', 'maybe'],
      2,
      /--on-conflict must be skip, overwrite or fail/
    ],
    [['plan', 'demo:', T(), '--rename', 'no-equals'], 2, /--rename takes old=new/],
    [['diff', 'demo:', T(), '--out', p('work', 'd.json')], 2, /--out is for airlock plan/],
    [['diff', 'demo:', T(), '--on-conflict', 'skip'], 2, /--on-conflict is for airlock plan/],
    [['profile', 'add', 'bad name!', '--kind', 'metadb', '--auth', 'none'], 2, /name/],
    [['profile', 'add', 'x', '--kind', 'bogus'], 2, /kind/],
    [
      ['profile', 'add', 'x', '--kind', 'metadb', '--auth', 'none', '--kwargs', '{oops'],
      2,
      /--kwargs/
    ],
    [
      [
        'profile',
        'add',
        'x',
        '--kind',
        'metadb',
        '--auth',
        'none',
        '--url',
        'postgresql://u:pw@h/db'
      ],
      2,
      /url holds a password/
    ],
    [['profile', 'add', 'existing', '--kind', 'metadb', '--auth', 'none'], 2, /existing/]
  ],
  'missing, unreadable and malformed files': () => [
    [['list', `envfile:${p('a-directory.json')}`], 1, /a-directory\.json/],
    [['list', `airflow-export:${p('stores', 'bad.json')}`], 1, /bad\.json.*line 3/],
    [['list', `envfile:${p('stores', 'bad.env')}`], 1, /bad\.env.*line 2/],
    [['plan', `envfile:${p('stores', 'bad.env')}`, T()], 1, /bad\.env.*line 2/],
    // A mistyped source would read as empty: with --delete-extraneous, the target emptied.
    [
      [
        'plan',
        `envfile:${p('stores', 'typo.env')}`,
        T(),
        '--delete-extraneous',
        '--out',
        p('work', 't.json')
      ],
      1,
      /typo\.env: no such file\. The source of a plan must exist/
    ],
    [['list', `metadb:sqlite:///${p('stores', 'none.db')}`], 1, /none\.db.*does not exist/],
    // A mistyped file would list as empty, or diff as "everything differs".
    [['list', `envfile:${p('stores', 'typo.env')}`], 1, /typo\.env: no such file\. list reads it/],
    [
      ['export', `envfile:${p('stores', 'typo.env')}`, '--to', p('work', 'typo.json')],
      1,
      /typo\.env: no such file\. export reads it/
    ],
    [
      ['diff', 'demo:', `envfile:${p('stores', 'typo.env')}`],
      1,
      /typo\.env: no such file\. A diff reads both stores/
    ],
    [
      ['list', `airflow-config:${p('nowhere', 'airflow.cfg')}`],
      2,
      /nowhere\/airflow\.cfg" does not exist/
    ],
    [
      ['effective', '--runtime', `airflow-config:${p('nowhere', 'airflow.cfg')}`],
      2,
      /does not exist/
    ],
    [['profile', 'import', 'imp', '--config', p('nowhere', 'airflow.cfg')], 2, /does not exist/],
    [
      ['export', 'demo:', '--to', p('not-a-dir', 'x.json')],
      1,
      /not-a-dir\/x\.json": ".*not-a-dir" is not a folder/
    ],
    [
      ['export', 'demo:', '--to', p('a-directory.json')],
      2,
      /a-directory\.json": it is a folder; name a file/
    ],
    [
      ['plan', 'demo:', T(), '--out', p('not-a-dir', 'p.json')],
      1,
      /not-a-dir\/p\.json": .* is not a folder/
    ],
    [['profile', 'show', 'nope'], 1, /No profile named "nope"/],
    [['profile', 'remove', 'nope'], 1, /No profile named "nope"/],
    [['resume', 'nope'], 1, /No job nope/],
    [['rollback', 'nope'], 1, /No job nope/]
  ],
  'bad plan files': () => [
    [['apply', p('work', 'nowhere.json')], 2, /nowhere\.json does not exist/],
    [['apply', p('a-directory.json')], 2, /a-directory\.json is a directory/],
    [
      ['apply', p('stores', 'target.env')],
      2,
      /target\.env is not a plan file: it is not JSON \(line 1 column 1\)/
    ],
    [
      ['apply', p('work', 'not-json.json')],
      2,
      /not-json\.json is not a plan file: it is not JSON \(line 2 column 12\)/
    ],
    [['apply', p('work', 'null-item.json')], 2, /null-item\.json .*items\[0\] is not an object/],
    [['apply', p('work', 'no-source.json')], 2, /no-source\.json .*"source"/],
    [
      ['apply', p('work', 'bad-action.json')],
      2,
      /bad-action\.json .*items\[2\]\.action must be one of/
    ],
    [
      ['apply', plan, '--target', `envfile:${p('stores', 'other.env')}`],
      2,
      /plan\.json was made for target envfile:.*target\.env; --target names another store/
    ],
    [
      ['apply', plan, '--source', 'demo-env:'],
      2,
      /was made for source demo:; --source names another store/
    ]
  ]
}

describe('bad input to every command', () => {
  for (const [group, cases] of Object.entries(CASES))
    it(`${group}: exit 1 or 2, the place named, nothing written`, async () => {
      for (const [args, code, message] of cases()) {
        const before = snapshot()
        const r = await run(args)
        const what = `airlock ${args.join(' ')}`
        expect(r.err, what).toMatch(message)
        expect(r.err, what).not.toMatch(/internal error/)
        expect(r.code, `${what}\n${r.err}`).toBe(code)
        expect(snapshot(), what).toEqual(before)
      }
    })

  it('gives the same exit codes and messages as a real process', () => {
    for (const [args, code, message] of [
      [['list', 'demo:', '--bogus'], 2, /Unknown option '--bogus'/],
      [['apply', p('work', 'null-item.json')], 2, /items\[0\] is not an object/],
      [['export', 'demo:', '--to', p('not-a-dir', 'x.json')], 1, /is not a folder/]
    ] as const) {
      const before = snapshot()
      const r = airlock([...args], '', env)
      expect(r.stderr).toMatch(message)
      expect(r.code).toBe(code)
      expect(Object.keys(snapshot()).filter((k) => !(k in before))).toEqual([])
      expect(snapshot()).toEqual(before)
    }
  })
})

describe('a config directory Airlock cannot write to', () => {
  const add = [
    'profile',
    'add',
    'new',
    '--kind',
    'metadb',
    '--url',
    'postgresql://a@h/db',
    '--auth',
    'none'
  ]

  it('says so when the config dir cannot be made (its parent is a file)', async () => {
    const before = snapshot()
    const io = { AIRLOCK_CONFIG_DIR: p('not-a-dir', 'config') }
    const r = airlock(add, '', { ...env, ...io })
    expect(r.stderr).toMatch(
      /Cannot write .*not-a-dir\/config\/settings\.json \(ENOTDIR\); the settings file was left as it was/
    )
    expect(r.code).toBe(1)
    expect(Object.keys(snapshot()).filter((k) => !(k in before))).toEqual([])
    expect(snapshot()).toEqual(before)
  })

  // chmod 0500 stops everyone but root; as root the CLI runs as nobody (setpriv), else the
  // test says why it cannot run
  const root_ = process.getuid?.() === 0
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => {
    try {
      return statSync(f).isFile()
    } catch {
      return false
    }
  })
  // …and nobody must be able to run this checkout's CLI (a clone inside a 0700 temp dir, or
  // files a restrictive umask left unreadable, cannot be): tried once with a config dir nobody
  // owns, so what is left to differ in the test is the read-only directory
  const asNobody = (argv: string[]) =>
    root_ ? [setpriv!, '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv
  const cannotRun = (): string | undefined => {
    if (root_ && setpriv === undefined) return 'no setpriv to run as nobody'
    const dir = tempDir('airlock-nobody-probe-')
    try {
      chmodSync(dir, 0o755)
      if (root_) chownSync(dir, 65534, 65534)
      const cmd = asNobody([process.execPath, fileURLToPathBin(), 'profile', 'list'])
      execFileSync(cmd[0]!, cmd.slice(1), {
        env: {
          PATH: env.PATH,
          HOME: dir,
          AIRLOCK_CONFIG_DIR: join(dir, 'config'),
          AIRLOCK_HOME: join(dir, 'home')
        },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      return undefined
    } catch (error) {
      const e = error as { stderr?: Buffer; message: string }
      const lines = (e.stderr?.toString() || e.message).trim().split('\n')
      // Node prints the failing source line first: the error's own line says why
      const why = lines.find((l) => /Error|^airlock:/.test(l)) ?? lines[0]
      return `the CLI cannot run as nobody from this checkout: ${why}`
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  it('leaves the settings file intact when the directory is read-only (as root: run as nobody, or skipped without setpriv or when nobody cannot run this checkout)', (ctx) => {
    const cannot = cannotRun()
    if (cannot) {
      ctx.task.meta.skipReason = cannot
      ctx.skip(cannot)
    }
    const dir = tempDir('airlock-ro-config-')
    try {
      const cfg = join(dir, 'config')
      new SettingsStore(cfg).save({ version: 1, profiles: [] })
      const settings = join(cfg, 'settings.json')
      const before = readFileSync(settings, 'utf8')
      chmodSync(settings, 0o644)
      chmodSync(cfg, 0o555)
      chmodSync(dir, 0o755)
      if (root_) chownSync(cfg, 65534, 65534)
      const cmd = asNobody([process.execPath, fileURLToPathBin(), ...add])
      let stderr = ''
      let code = 0
      try {
        execFileSync(cmd[0]!, cmd.slice(1), {
          env: {
            PATH: env.PATH,
            HOME: dir,
            AIRLOCK_CONFIG_DIR: cfg,
            AIRLOCK_HOME: join(dir, 'home')
          },
          stdio: ['ignore', 'pipe', 'pipe']
        })
      } catch (error) {
        const e = error as { status: number; stderr: Buffer }
        code = e.status
        stderr = e.stderr.toString()
      }
      expect(stderr).toMatch(
        /Cannot write .*settings\.json \(EACCES: permission denied\); the settings file was left as it was/
      )
      expect(code).toBe(1)
      expect(readFileSync(settings, 'utf8')).toBe(before)
      expect(readdirSync(cfg)).toEqual(['settings.json'])
    } finally {
      chmodSync(join(dir, 'config'), 0o755)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

function fileURLToPathBin(): string {
  return new URL('../../bin/airlock.mjs', import.meta.url).pathname
}

describe('attack: bad input', () => {
  it('17.12 invalid UTF-8 in a file is refused naming the file and line, not replaced with U+FFFD', async () => {
    const dir = p('utf8')
    mkdirSync(dir, { recursive: true })
    const latin1 = (text: string) => Buffer.from(text, 'latin1')
    writeFileSync(join(dir, 'in.env'), latin1('AIRFLOW_VAR_A=1\n# ok\nAIRFLOW_VAR_B=caf\xe9\n'))
    writeFileSync(
      join(dir, 'conns.json'),
      latin1('{\n  "c1": {"conn_type": "x", "host": "h\xe9"}\n}\n')
    )
    writeFileSync(join(dir, 'vars.yaml'), latin1('a: b\nc: d\nd: "caf\xe9"\n'))
    writeFileSync(join(dir, 'vars.env'), latin1('A=1\nB=\xff\n'))
    writeFileSync(join(dir, 'export.json'), latin1('{"x": "1",\n"y": "\xe9"}\n'))
    // a BOM-less UTF-8 sequence cut short at the end of the file
    writeFileSync(
      join(dir, 'cut.env'),
      Buffer.from([...Buffer.from('AIRFLOW_VAR_A=1\nAIRFLOW_VAR_B='), 0xe2, 0x82])
    )
    const target = join(dir, 'target.env')
    writeFileSync(target, latin1('AIRFLOW_VAR_KEEP=\xe9t\xe9\n'))
    const planBytes = readFileSync(plan)
    const badPlan = join(dir, 'plan.json')
    // a bad byte on the plan file's second line (its first item)
    const at = planBytes.indexOf(0x0a) + 2
    writeFileSync(
      badPlan,
      Buffer.concat([planBytes.subarray(0, at), Buffer.from([0xc3]), planBytes.subarray(at)])
    )
    const cases: [string[], number, RegExp][] = [
      [['list', `envfile:${join(dir, 'in.env')}`], 1, /in\.env is not UTF-8 text: line 3 /],
      [['list', `lfs:${join(dir, 'conns.json')}`], 1, /conns\.json" is not UTF-8 text: line 2 /],
      [
        ['list', `lfs:${join(dir, 'vars.yaml')}`, '--kind', 'var'],
        1,
        /vars\.yaml" is not UTF-8 text: line 3 /
      ],
      [
        ['list', `lfs:${join(dir, 'vars.env')}`, '--kind', 'var'],
        1,
        /vars\.env" is not UTF-8 text: line 2 /
      ],
      [
        ['list', `airflow-export:${join(dir, 'export.json')}`, '--kind', 'var'],
        1,
        /export\.json" is not UTF-8 text: line 2 /
      ],
      [['list', `envfile:${join(dir, 'cut.env')}`], 1, /cut\.env is not UTF-8 text: line 2 /],
      // a target that is not UTF-8 is not rewritten with its bytes replaced
      [['plan', 'demo:', `envfile:${target}`], 1, /target\.env is not UTF-8 text: line 1 /],
      [
        ['export', `envfile:${join(dir, 'in.env')}`, '--to', join(dir, 'out.json')],
        1,
        /in\.env is not UTF-8 text: line 3/
      ],
      [['apply', badPlan], 2, /plan\.json is not UTF-8 text: line 2 /]
    ]
    for (const [args, code, message] of cases) {
      const before = snapshot()
      const r = await run(args)
      const what = `airlock ${args.join(' ')}`
      expect(r.err, what).toMatch(message)
      expect(r.err, what).not.toMatch(/internal error|\uFFFD/)
      expect(r.out, what).not.toMatch(/\uFFFD/)
      expect(r.code, `${what}\n${r.err}`).toBe(code)
      expect(snapshot(), what).toEqual(before)
    }
  })

  it('17.14 colliding ids and NUL bytes get their own pre-flight error in the plan; apply refuses just those items', async () => {
    const dir = p('per-item')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'conns.json'),
      JSON.stringify({
        good: { conn_type: 'postgres', host: 'h1' },
        Dup: { conn_type: 'postgres', host: 'h2' },
        dup: { conn_type: 'postgres', host: 'h3' },
        'bad\u0000id': { conn_type: 'postgres', host: 'h4' }
      })
    )
    const target = join(dir, 'target.env')
    writeFileSync(target, '# kept\n')
    const out = join(dir, 'plan.json')
    const planned = await run([
      'plan',
      `lfs:${join(dir, 'conns.json')}`,
      `envfile:${target}`,
      '--out',
      out
    ])
    expect(planned.code, planned.err).toBe(1)
    expect(planned.err).toMatch(/2 pre-flight errors/)
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      items: { targetId: string; warnings: string[] }[]
    }
    const warnings = Object.fromEntries(doc.items.map((i) => [i.targetId, i.warnings]))
    expect(warnings).toEqual({
      Dup: [],
      dup: [
        expect.stringMatching(
          /^pre-flight error: envfile:.*target\.env: connection "dup" and connection "Dup" are both written as AIRFLOW_CONN_DUP/
        )
      ],
      good: [],
      'bad\u0000id': [
        expect.stringMatching(
          /^pre-flight error: .*connection "bad\\u0000id": the id holds a NUL character/
        )
      ]
    })
    const applied = await run(['apply', out])
    expect(applied.code, applied.err).toBe(1)
    expect(applied.out, applied.err).not.toBe('')
    expect(JSON.parse(applied.out)).toMatchObject({ applied: 2, failed: 0, refused: 2 })
    expect(applied.err).toMatch(
      /airlock: dup: refused: pre-flight: .*both written as AIRFLOW_CONN_DUP/
    )
    expect(applied.err).toContain('airlock: bad\u0000id: refused: pre-flight: ')
    expect(applied.err).toMatch(/refused: pre-flight: .*the id holds a NUL character/)
    const written = readFileSync(target, 'utf8')
    expect(written).toMatch(/^# kept\n/)
    expect(written).toMatch(/AIRFLOW_CONN_GOOD=/)
    expect(written.match(/AIRFLOW_CONN_DUP=.*h2/g)).toHaveLength(1)
    expect(written).not.toMatch(/AIRFLOW_CONN_BAD|h3|h4/)
  })

  it('17.15 a plan into a .env warns per item that python-dotenv expands ${…}, in the words export uses', async () => {
    const dir = p('dotenv')
    mkdirSync(dir, { recursive: true })
    const source = join(dir, 'source.env')
    writeFileSync(source, "AIRFLOW_VAR_GREETING='hi ${USER}'\nAIRFLOW_VAR_PLAIN=x\n")
    const words =
      'python-dotenv expands ${…} in every value and has no escape for it, so it reads the value of AIRFLOW_VAR_GREETING differently.'
    const exported = await run([
      'export',
      `envfile:${source}`,
      '--kind',
      'variable',
      '--format',
      'env',
      '--to',
      join(dir, 'export.env')
    ])
    expect(exported.code, exported.err).toBe(0)
    expect(exported.err).toContain(words)
    const planned = await run(['plan', `envfile:${source}`, `envfile:${join(dir, 'target.env')}`])
    expect(planned.code, planned.err).toBe(0)
    const lines = planned.out.split('\n')
    const at = lines.indexOf('+ var  greeting')
    expect(at, planned.out).toBeGreaterThanOrEqual(0)
    expect(lines[at + 1]).toBe(
      `    warning: pre-flight warning: envfile:${join(dir, 'target.env')}: ${words}`
    )
    expect(lines[lines.indexOf('+ var  plain') + 1] ?? '').not.toMatch(/warning/)
  })

  it('17.13 an over-large port is a clear error naming the item, never Infinity or exit 70', async () => {
    const dir = p('ports')
    mkdirSync(dir, { recursive: true })
    const huge = '9'.repeat(400)
    writeFileSync(
      join(dir, 'uri.env'),
      'AIRFLOW_CONN_BIG=postgres://u:p@h:99999999999999999999/db\nAIRFLOW_CONN_OK=postgres://u:p@h:5432/db\n'
    )
    writeFileSync(
      join(dir, 'json.env'),
      `AIRFLOW_CONN_HUGE={"conn_type": "x", "port": ${huge}}\nAIRFLOW_CONN_WIDE={"conn_type": "x", "port": 99999999999999999999}\n`
    )
    writeFileSync(
      join(dir, 'conns.json'),
      JSON.stringify({ ok: { conn_type: 'x', port: 5432 } }).replace(
        '}}',
        `}, "huge": {"conn_type": "x", "port": ${huge}}, "text": {"conn_type": "x", "port": "99999999999999999999"}}`
      )
    )
    const cases: [string[], number, RegExp[]][] = [
      [
        ['list', `envfile:${join(dir, 'uri.env')}`],
        1,
        [/AIRFLOW_CONN_BIG: .*port is out of range 0-65535/]
      ],
      [
        ['list', `envfile:${join(dir, 'json.env')}`],
        1,
        [
          /AIRFLOW_CONN_HUGE: The port is out of range/,
          /AIRFLOW_CONN_WIDE: The port is out of range/
        ]
      ],
      [
        ['list', `lfs:${join(dir, 'conns.json')}`],
        1,
        [/"huge": The port is out of range/, /"text": The port is out of range/]
      ],
      [
        ['plan', `envfile:${join(dir, 'json.env')}`, `envfile:${join(dir, 'target.env')}`],
        1,
        [/AIRFLOW_CONN_HUGE: The port is out of range/, /could not be read \(huge, wide\)/]
      ],
      [
        ['list', 'metadb:postgresql://u:p@h:99999999999999999999/db'],
        2,
        [/metadb: the port is out of range 0-65535/]
      ]
    ]
    for (const [args, code, messages] of cases) {
      const before = snapshot()
      const r = await run(args)
      const what = `airlock ${args.join(' ')}`
      for (const m of messages) expect(r.err, what).toMatch(m)
      expect(r.err + r.out, what).not.toMatch(/Infinity|internal error|1e\+|100000000000000000000/)
      expect(r.code, `${what}\n${r.err}`).toBe(code)
      expect(snapshot(), what).toEqual(before)
    }
  })
})

/** What google-auth and gcp-metadata would print beside Airlock's own message. */
const GCP_LIBRARY_NOISE = /is deprecated|MetadataLookupWarning|\(node:\d+\)|Use `node --trace/

describe('a GCP Secret Manager store without usable credentials, as a real process', () => {
  const MARK = 'KEY-CONTENT-MARK-4f1c'
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const serviceAccount = (extra: Record<string, unknown> = {}) => ({
    type: 'service_account',
    project_id: 'demo-proj',
    private_key_id: 'k1',
    private_key: pem,
    client_email: 'airlock@demo-proj.iam.gserviceaccount.com',
    client_id: '1',
    token_uri: 'https://oauth2.googleapis.com/token',
    ...extra
  })
  const dir = tempDir('airlock-gcp-nocreds-')
  const gEnv = {
    PATH: process.env.PATH ?? '',
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'xdg'),
    XDG_DATA_HOME: join(dir, 'xdg'),
    AIRLOCK_HOME: join(dir, 'airlock-home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'config'),
    AIRLOCK_PASSPHRASE: 'a passphrase for this test'
  }
  // google-auth looks for a metadata server otherwise (no network in tests)
  const noProbe = { ...gEnv, METADATA_SERVER_DETECTION: 'none' }
  const addKeyFile = (name: string, content: string | undefined) => {
    const keyFile = join(dir, `${name}.json`)
    if (content !== undefined) writeFileSync(keyFile, content, { mode: 0o600 })
    const kwargs = JSON.stringify({ project_id: 'demo-proj', gcp_key_path: keyFile })
    const r = airlock(
      [
        'profile',
        'add',
        name,
        '--kind',
        'gcp-secret-manager',
        '--kwargs',
        kwargs,
        '--auth',
        'key-file'
      ],
      '',
      noProbe
    )
    expect(r.code, r.stderr).toBe(0)
  }
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('ends with an error naming the store and why (no internal error, no stack, no library warning)', () => {
    const kwargs = JSON.stringify({ project_id: 'demo-proj' })
    const added = airlock(
      ['profile', 'add', 'g', '--kind', 'gcp-secret-manager', '--kwargs', kwargs, '--auth', 'adc'],
      '',
      noProbe
    )
    expect(added.code, added.stderr).toBe(0)
    addKeyFile('k', undefined)
    addKeyFile('kj', `not JSON ${MARK}`)
    addKeyFile('ke', JSON.stringify({ type: 'service_account', private_key: MARK }))
    addKeyFile('kp', JSON.stringify(serviceAccount({ private_key: MARK })))
    addKeyFile('ku', JSON.stringify(serviceAccount({ universe_domain: 'example.invalid' })))
    const dict = airlock(
      [
        'profile',
        'add',
        'd',
        '--kind',
        'gcp-secret-manager',
        '--kwargs',
        kwargs,
        '--auth',
        'service-account-key',
        '--secret-stdin'
      ],
      JSON.stringify({ serviceAccountKey: JSON.stringify({ private_key: MARK }) }),
      noProbe
    )
    expect(dict.code, dict.stderr).toBe(0)
    const runs: (CliRun & { store: string; why: RegExp })[] = []
    for (const [store, why] of [
      ['gcp-secret-manager:g', /no Application Default Credentials were found/],
      ['gcp-secret-manager:k', /the key file does not exist \(gcp_key_path \S+k\.json\)/],
      ['gcp-secret-manager:kj', /the key file is not JSON \(gcp_key_path \S+kj\.json\)/],
      [
        'gcp-secret-manager:ke',
        /the key file is not a service account key: it has no client_email \(gcp_key_path \S+ke\.json\)/
      ],
      [
        'gcp-secret-manager:kp',
        /the private_key of the key file is not a PEM private key \(gcp_key_path \S+kp\.json\)/
      ],
      [
        'gcp-secret-manager:ku',
        /the credentials are for the universe domain example\.invalid, not googleapis\.com/
      ],
      [
        'gcp-secret-manager:d',
        /the key JSON is not a service account key: it has no client_email \(gcp_keyfile_dict\)/
      ]
    ] as const) {
      runs.push({ store, why, ...airlock(['list', store], '', noProbe) })
    }
    // every store's stderr first: google-auth printed a deprecation line for each key
    expect(
      runs.filter((r) => GCP_LIBRARY_NOISE.test(r.stderr)).map((r) => `${r.store}: ${r.stderr}`)
    ).toEqual([])
    for (const r of runs) {
      expect(r.stderr).toMatch(new RegExp(`${r.store}: cannot authenticate: ${r.why.source}`))
      expect(r.stderr).not.toMatch(/internal error|ExperimentalWarning|\n\s+at /)
      expect(r.stderr + r.stdout, r.store).not.toContain(MARK)
      expect(r.code).toBe(1)
    }
  })

  it("looks for a metadata server for ADC, and says none was found without gcp-metadata's warning", async () => {
    // Something answers for 169.254.169.254 but is no metadata server (a proxy's 403, as on
    // this test machine): gcp-metadata emitted a MetadataLookupWarning after our error.
    const metadata = await startGceMetadataServer('refusing')
    try {
      const r = await airlockAsync(['list', 'gcp-secret-manager:g'], '', {
        ...gEnv,
        GCE_METADATA_HOST: metadata.host
      })
      expect(r.err).toMatch(
        /gcp-secret-manager:g: cannot authenticate: no Application Default Credentials were found/
      )
      expect(r.err).not.toMatch(GCP_LIBRARY_NOISE)
      expect(r.code).toBe(1)
      // the probe still ran: where a metadata server exists, ADC use it
      expect(metadata.requests).toContain('/computeMetadata/v1/instance')
    } finally {
      await metadata.stop()
    }
  })
})
