// Issue 21: LocalFilesystemBackend files read as local_filesystem.py reads them (Airflow 2.x
// airflow/secrets/, 3.x airflow-core/src/airflow/secrets/): lists, value types, one pass of
// syntax errors.
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LfsBackend } from '../../../../src-main/backends/lfs'
import { tempDir } from '../../../support/temp-dir'

const dirs: string[] = []
async function file(name: string, text: string): Promise<string> {
  const dir = tempDir('airlock-lfs21-')
  dirs.push(dir)
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true })
})

describe('21: LocalFilesystemBackend files as Airflow reads them', () => {
  it('21: a JSON/YAML connection may be a list: one element is that connection, an empty list none, more is ConnectionNotUnique', async () => {
    for (const [name, text] of [
      [
        'c.json',
        '{"one": ["postgres://u:p@h:5432/db"], "none": [], "obj": [{"conn_type": "http", "host": "x"}]}'
      ],
      [
        'c.yaml',
        'one:\n  - postgres://u:p@h:5432/db\nnone: []\nobj:\n  - conn_type: http\n    host: x\n'
      ]
    ]) {
      const lfs = new LfsBackend({ connectionsFilePath: await file(name!, text!) })
      const { entries, problems } = await lfs.load({})
      expect(problems, name).toEqual([])
      expect(
        entries.map((e) => e.kind === 'connection' && [e.id, e.fields.conn_type, e.fields.host])
      ).toEqual([
        ['one', 'postgres', 'h'],
        ['obj', 'http', 'x']
      ])
    }
    const two = new LfsBackend({
      connectionsFilePath: await file('two.json', '{"two": ["http://a", "http://b"]}')
    })
    const loaded = await two.load({})
    expect(loaded.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /"two": Found 2 values for this id; Airflow refuses the whole file \(ConnectionNotUnique/
      )
    ])
  })

  it('21: a port of "5432" or 5432.0 is read (not refused) and said to stay a str/float for the task, as Connection(port=…) leaves it', async () => {
    const lfs = new LfsBackend({
      connectionsFilePath: await file(
        'p.json',
        '{"a": {"conn_type": "postgres", "port": "5432"}, "b": {"conn_type": "postgres", "port": 5432.0}}'
      )
    })
    const { entries, problems } = await lfs.load({})
    expect(problems).toEqual([])
    expect(entries.map((e) => e.kind === 'connection' && e.fields.port)).toEqual([5432, 5432])
    const [diag] = await lfs.diagnose()
    expect(diag!.warnings.map((w) => [w.key, w.message])).toEqual([
      [
        'a',
        expect.stringMatching(
          /^"port" is text in the file: LocalFilesystemBackend hands the task that str, not an int/
        )
      ],
      [
        'b',
        expect.stringMatching(
          /^"port" is a float in the file: LocalFilesystemBackend hands the task that float, not an int/
        )
      ]
    ])
  })

  it('21: a .env file with several problems reports them all in one pass, in line order, "Value is empty" included', async () => {
    const lfs = new LfsBackend({
      connectionsFilePath: await file('c.env', 'A=\nno-equals\n=v\nB=http://x\n')
    })
    await expect(lfs.load({})).rejects.toThrow(
      '(3 problems: line 1, "A": Invalid line format. Value is empty.; line 2: Invalid line format. The line should contain at least one equal sign ("=").; line 3: Invalid line format. Key is empty.)'
    )
  })

  it('21: a YAML !!binary, !!set, !!omap or !!pairs value (bytes, a set, pairs to Airflow) is refused as not modelled by Airlock, never as a file Airflow rejects', async () => {
    for (const [option, name, text, line] of [
      ['variablesFilePath', 'v.yaml', 'ok: x\nblob: !!binary aGVsbG8=\n', 2],
      ['connectionsFilePath', 'c.yaml', 'c:\n  conn_type: http\n  password: !!binary aGVsbG8=\n', 3]
    ] as const) {
      const lfs = new LfsBackend({ [option]: await file(name, text) })
      const refused = lfs.load({})
      await expect(refused, name).rejects.toThrow(
        `a !!binary value on line ${line}, which Airflow reads as Python bytes: Airlock does not model bytes`
      )
      await expect(lfs.load({}), name).rejects.toThrow(
        'Airflow reads the file; Airlock cannot hold what it reads there.'
      )
      await expect(lfs.load({}), name).rejects.not.toThrow(/Airflow rejects it too|constructor/)
    }
    for (const [text, kind] of [
      ['s: !!set {a, b}\n', 'set'],
      ['o: !!omap [a: 1]\n', 'omap'],
      ['p: !!pairs [a: 1]\n', 'pairs']
    ] as const) {
      const lfs = new LfsBackend({ variablesFilePath: await file(`${kind}.yaml`, text) })
      await expect(lfs.load({}), kind).rejects.toThrow(
        new RegExp(
          `a !!${kind} value on line 1, which Airflow reads as a Python .*Airlock does not model it.*Airflow reads the file; Airlock cannot hold what it reads there\\.`
        )
      )
    }
  })

  it('21: Airflow 2 unwraps a variable list of one and refuses other lists; Airflow 3 keeps the list', async () => {
    const path = await file('v.json', '{"l": ["x"], "m": [1, 2]}')
    const a2 = await new LfsBackend({ variablesFilePath: path, dialect: 'airflow2' }).load({})
    expect(a2.entries.map((e) => e.kind === 'variable' && [e.key, e.value])).toEqual([['l', 'x']])
    expect(a2.problems.map((p) => p.ref.id)).toEqual(['m'])
    const a3 = await new LfsBackend({ variablesFilePath: path, dialect: 'airflow3' }).load({})
    expect(a3.entries.map((e) => e.kind === 'variable' && [e.key, e.value])).toEqual([
      ['l', '["x"]'],
      ['m', '[1, 2]']
    ])
  })
})
