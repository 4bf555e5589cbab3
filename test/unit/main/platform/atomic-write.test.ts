import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AirlockError } from '../../../../src-main/core/errors'
import {
  fileIdentitySync,
  replaceFile,
  replaceFileParts,
  tempPath,
  UNKNOWN_WRITER_TEMP_AGE_MS,
  writeFileAtomic,
  writeFileAtomicPartsSync,
  writeFileAtomicSync
} from '../../../../src-main/platform/atomic-write'
import { tempDir } from '../../../support/temp-dir'

const fresh = () => tempDir('airlock-atomic-')
const modeOf = (path: string) => statSync(path).mode & 0o777

const flavours = [
  [
    'writeFileAtomicSync',
    async (...a: Parameters<typeof writeFileAtomicSync>) => writeFileAtomicSync(...a)
  ],
  ['writeFileAtomic', writeFileAtomic]
] as const

describe.each(flavours)('%s', (_name, write) => {
  it('creates a new file owner-only, whatever the umask', async () => {
    const dir = fresh()
    const path = join(dir, 'new.env')
    const umask = process.umask(0o000)
    try {
      await write(path, 'A=1\n')
    } finally {
      process.umask(umask)
    }
    expect(readFileSync(path, 'utf8')).toBe('A=1\n')
    expect(modeOf(path)).toBe(0o600)
  })

  it('gives a new file the mode asked for', async () => {
    const path = join(fresh(), 'new.env')
    await write(path, 'x', { mode: 0o644 })
    expect(modeOf(path)).toBe(0o644)
  })

  it('keeps the mode of the file it replaces', async () => {
    const path = join(fresh(), 'kept.env')
    writeFileSync(path, 'old')
    chmodSync(path, 0o640)
    await write(path, 'new', { mode: 0o600 })
    expect(readFileSync(path, 'utf8')).toBe('new')
    expect(modeOf(path)).toBe(0o640)
  })

  it('with expect, replaces the file only if it is still the version read (another process edited it: refused)', async () => {
    const dir = fresh()
    const path = join(dir, 'shared.env')
    writeFileSync(path, 'A=1\n')
    const read = fileIdentitySync(path)
    await write(path, 'A=2\n', { expect: read })
    expect(readFileSync(path, 'utf8')).toBe('A=2\n')
    // another process edits it after our read: our stale write fails and its edit stays
    const stale = fileIdentitySync(path)
    writeFileSync(path, 'A=2\nB=theirs\n')
    await expect(write(path, 'A=3\n', { expect: stale })).rejects.toThrow(
      /changed by another process/
    )
    expect(readFileSync(path, 'utf8')).toBe('A=2\nB=theirs\n')
    // a file that was not there when read (expect null) and has been created since
    const created = join(dir, 'created.env')
    writeFileSync(created, 'theirs')
    await expect(write(created, 'ours', { expect: null })).rejects.toThrow(/changed by another/)
    expect(readFileSync(created, 'utf8')).toBe('theirs')
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('writes bytes as they are', async () => {
    const path = join(fresh(), 'blob')
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 256)
    await write(path, bytes)
    expect(readFileSync(path).equals(Buffer.from(bytes))).toBe(true)
  })

  it('replaces the file a symlink points at and keeps the link', async () => {
    const dir = fresh()
    mkdirSync(join(dir, 'real'))
    const real = join(dir, 'real', 'airflow.env')
    writeFileSync(real, 'old')
    chmodSync(real, 0o640)
    const link = join(dir, 'airflow.env')
    symlinkSync(real, link)
    await write(link, 'new')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readlinkSync(link)).toBe(real)
    expect(readFileSync(real, 'utf8')).toBe('new')
    expect(modeOf(real)).toBe(0o640)
    // the temp file was made beside the real file, and is gone
    expect(readdirSync(dir).sort()).toEqual(['airflow.env', 'real'])
    expect(readdirSync(join(dir, 'real'))).toEqual(['airflow.env'])
  })

  it('creates the file a dangling symlink names, keeping the link', async () => {
    const dir = fresh()
    const link = join(dir, 'link.env')
    symlinkSync('target.env', link)
    await write(link, 'made')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(dir, 'target.env'), 'utf8')).toBe('made')
  })

  it('leaves the target as it was and no temp file when the write fails', async () => {
    const dir = fresh()
    // A directory cannot be replaced by a file: the temp file is written, the rename fails.
    const path = join(dir, 'occupied')
    mkdirSync(path)
    writeFileSync(join(path, 'inside'), 'keep')
    await expect(write(path, 'never')).rejects.toMatchObject({
      code: expect.stringMatching(/^E/)
    })
    expect(readdirSync(dir)).toEqual(['occupied'])
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('keep')
  })

  it('fails with the system error, and no temp file, in a folder that does not exist', async () => {
    const dir = fresh()
    await expect(write(join(dir, 'missing', 'x.env'), 'x')).rejects.toMatchObject({
      code: 'ENOENT'
    })
    expect(readdirSync(dir)).toEqual([])
  })
})

/** The pid of a process that ran and is gone. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''])
  return r.pid
}

describe.each(flavours)('%s after a writer died before its rename', (_name, write) => {
  it('removes the temp files of the same file whose writer is dead, and only those', async () => {
    const dir = fresh()
    const path = join(dir, 'airflow.env')
    writeFileSync(path, 'old')
    const dead = tempPath(path, deadPid())
    writeFileSync(dead, 'AIRFLOW_VAR_LEFT=plaintext', { mode: 0o600 })
    // a running writer's (this process is one), another host's (its pids are not ours to
    // tell), another file's, an unknown writer's fresh one (named before temps named their
    // writer) and one an hour old
    const running = tempPath(path)
    const otherHost = dead.replace(/-([0-9a-f]{8})-/, (_m, tag: string) =>
      tag === '00000000' ? '-11111111-' : '-00000000-'
    )
    const otherFile = tempPath(join(dir, 'other.env'), deadPid())
    const unknownFresh = join(dir, '.airflow.env.0123456789ab.tmp')
    const unknownOld = join(dir, '.airflow.env.ba9876543210.tmp')
    for (const f of [running, otherHost, otherFile, unknownFresh, unknownOld]) writeFileSync(f, 'x')
    const anHourAgo = (Date.now() - UNKNOWN_WRITER_TEMP_AGE_MS - 60_000) / 1000
    utimesSync(unknownOld, anHourAgo, anHourAgo)
    await write(path, 'new')
    expect(readFileSync(path, 'utf8')).toBe('new')
    const left = readdirSync(dir)
    expect(left).not.toContain(basename(dead))
    expect(left).not.toContain(basename(unknownOld))
    expect(left.sort()).toEqual(
      [
        'airflow.env',
        ...[running, otherHost, otherFile, unknownFresh].map((f) => basename(f))
      ].sort()
    )
  })

  it('neither follows nor removes a symlink named as a dead writer’s temp file', async () => {
    const dir = fresh()
    const path = join(dir, 'airflow.env')
    const victim = join(dir, 'victim')
    writeFileSync(victim, 'keep')
    const planted = tempPath(path, deadPid())
    symlinkSync(victim, planted)
    await write(path, 'new')
    expect(lstatSync(planted).isSymbolicLink()).toBe(true)
    expect(readlinkSync(planted)).toBe(victim)
    expect(readFileSync(victim, 'utf8')).toBe('keep')
    expect(readFileSync(path, 'utf8')).toBe('new')
  })
})

describe('writeFileAtomic under concurrency', () => {
  it('gives concurrent writers temp files of their own: every write lands whole, none is left over', async () => {
    const dir = fresh()
    const path = join(dir, 'shared.json')
    const texts = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(10_000, String(i % 10)))
    await Promise.all(texts.map((t) => writeFileAtomic(path, t)))
    expect(texts).toContain(readFileSync(path, 'utf8'))
    expect(readdirSync(dir)).toEqual(['shared.json'])
  })
})

describe('writeFileAtomic of a long text', () => {
  // a pair across each place a cut of a power-of-two size from 64 Ki code units could fall, a
  // lone surrogate at some, and non-ASCII throughout
  const cut = 1 << 16
  const texts = [
    'é'.repeat(16 * cut - 1) + '😀' + 'x'.repeat(10),
    'a'.repeat(4 * cut - 1) + '\ud83d' + 'b'.repeat(4 * cut) + '😀😀' + 'ü',
    'z'.repeat(cut) + '😀'.repeat(8 * cut) + '\udc00',
    Array.from({ length: 40 }, (_, k) => 'ä'.repeat(cut - 1) + (k % 3 ? '😀' : '\ud800')).join(''),
    'q'.repeat(48 * cut + 5)
  ]

  it('writes Buffer.from(text)’s bytes, pairs and lone surrogates included, however it cuts', async () => {
    const dir = fresh()
    for (const [i, text] of texts.entries()) {
      const path = join(dir, `long-${i}.env`)
      await writeFileAtomic(path, text)
      expect(readFileSync(path).equals(Buffer.from(text, 'utf8'))).toBe(true)
      writeFileAtomicSync(path, text)
      expect(readFileSync(path).equals(Buffer.from(text, 'utf8'))).toBe(true)
    }
  })

  it('writes parts as their concatenation: texts long and short, bytes, empty parts', () => {
    const dir = fresh()
    const path = join(dir, 'parts.json')
    const parts: (string | Uint8Array)[] = [
      'x',
      texts[3]!,
      '',
      Buffer.from('\u00ff bytes as they are \u{1f600}'),
      'short \ud83d',
      texts[2]!,
      '\ude00 tail',
      new Uint8Array(0)
    ]
    writeFileAtomicPartsSync(path, parts)
    const expected = Buffer.concat(
      parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))
    )
    expect(readFileSync(path).equals(expected)).toBe(true)
  })
})

describe('a file the user named that cannot be replaced whole (replaceFile, replaceFileParts)', () => {
  const refusal = async (path: string) => {
    const error = await replaceFile(path, 'x').then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(AirlockError)
    return error as AirlockError
  }

  it('refuses a pipe (/dev/stdout in a pipeline) and leaves it a pipe', async () => {
    const fifo = join(fresh(), 'out.fifo')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const error = await refusal(fifo)
    expect(error.code).toBe('usage')
    expect(error.userMessage).toContain(`"${fifo}": it is not a regular file`)
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    // through a link to it too, and by the synchronous writer of plan files
    const link = join(fresh(), 'link')
    symlinkSync(fifo, link)
    expect((await refusal(link)).userMessage).toContain('not a regular file')
    expect(() => replaceFileParts(link, ['x'])).toThrow(/not a regular file/)
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
  })

  it('refuses a loop of symbolic links and leaves both links as they were', async () => {
    const dir = fresh()
    symlinkSync(join(dir, 'b'), join(dir, 'a'))
    symlinkSync(join(dir, 'a'), join(dir, 'b'))
    const error = await refusal(join(dir, 'a'))
    expect(error.userMessage).toMatch(/lead back to themselves \(a loop\)/)
    expect(readlinkSync(join(dir, 'a'))).toBe(join(dir, 'b'))
    expect(readlinkSync(join(dir, 'b'))).toBe(join(dir, 'a'))
  })

  it('names the folder that is missing: the one a dangling link points into', async () => {
    const dir = fresh()
    symlinkSync(join(dir, 'gone', 'plan.json'), join(dir, 'link.json'))
    const error = await refusal(join(dir, 'link.json'))
    expect(error.userMessage).toContain(`the folder "${join(dir, 'gone')}" does not exist`)
  })

  it('names the file that stands where the path needs a folder', async () => {
    const dir = fresh()
    writeFileSync(join(dir, 'afile'), 'x')
    const error = await refusal(join(dir, 'afile') + '/')
    expect(error.userMessage).toContain(`"${join(dir, 'afile')}" is not a folder (it is a file)`)
    // and under it: the file above is named, not the folder the path would have
    const below = await refusal(join(dir, 'afile', 'x.json'))
    expect(below.userMessage).toContain(`"${join(dir, 'afile')}" is not a folder`)
  })
})

describe('writeFileAtomicPartsSync with a patch', () => {
  it('writes the patch over the bytes written, then replaces the file', () => {
    const path = join(fresh(), 'p.txt')
    writeFileAtomicPartsSync(path, ['ab', 'cdef'], {
      patch: () => [{ offset: 1, bytes: Buffer.from('XY') }]
    })
    expect(readFileSync(path, 'utf8')).toBe('aXYdef')
  })

  it.each([
    ['before the start', -1],
    ['past the end', 5],
    ['not a whole number', 1.5]
  ])('refuses a patch %s and leaves the file as it was', (_what, offset) => {
    const dir = fresh()
    const path = join(dir, 'p.txt')
    writeFileSync(path, 'old')
    expect(() =>
      writeFileAtomicPartsSync(path, ['abcdef'], {
        patch: () => [{ offset, bytes: Buffer.from('XY') }]
      })
    ).toThrow(/outside the 6 bytes written/)
    expect(readFileSync(path, 'utf8')).toBe('old')
    expect(readdirSync(dir)).toEqual(['p.txt'])
  })
})
