// cli/io.ts: readLineBatches splits stdin exactly as readline does (the lines `readLines`
// gives), however the input is cut into chunks; OutputBuffer writes every line, in order,
// whatever their sizes, and large outputs go out in large writes.
import { PassThrough, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { OutputBuffer, readLineBatches, readLines } from '../../../../src-main/cli/io'
import { seededRandom } from '../../../support/seeded-random'

/**
 * The lines `read` gives for stdin fed `chunks` one a turn, as stdin delivers them (`read`
 * yields lines one by one, as readLines does, or in batches, as readLineBatches does).
 */
async function linesFrom(
  chunks: Buffer[],
  read: (input: PassThrough) => AsyncIterable<string | string[]>
): Promise<string[]> {
  const input = new PassThrough()
  const lines: string[] = []
  const done = (async () => {
    for await (const got of read(input)) lines.push(...(Array.isArray(got) ? got : [got]))
  })()
  for (const c of chunks) {
    input.write(c)
    await new Promise((resolve) => setImmediate(resolve))
  }
  input.end()
  await done
  return lines
}

describe('readLineBatches', () => {
  it('gives the lines readline gives, for any chunking of \\n, \\r\\n, lone \\r and multibyte text', async () => {
    const pieces = ['a', 'bc', '\n', '\r\n', '\r', 'é', '日', '😀', '', ' ', '\n\n', '\r\r', 'x\r']
    for (let seed = 1; seed <= 150; seed++) {
      const rand = seededRandom(seed) // reproducible: no Math.random
      let text = ''
      for (let i = 0; i < 40; i++) text += pieces[Math.floor(rand() * pieces.length)]
      const bytes = Buffer.from(text)
      // seed % 5 === 0: a final incomplete UTF-8 sequence, which readline drops
      const all = seed % 5 === 0 ? Buffer.concat([bytes, Buffer.from([0xe6, 0x97])]) : bytes
      const chunks: Buffer[] = []
      for (let at = 0; at < all.length;) {
        const n = 1 + Math.floor(rand() * 7)
        chunks.push(all.subarray(at, at + n))
        at += n
      }
      expect(await linesFrom(chunks, readLineBatches), `seed ${seed}`).toEqual(
        await linesFrom(chunks, readLines)
      )
    }
  })

  it('answers a line as soon as its chunk arrives, before stdin ends', async () => {
    const input = new PassThrough()
    const it = readLineBatches(input)[Symbol.asyncIterator]()
    input.write('one\ntwo\nthr')
    expect((await it.next()).value).toEqual(['one', 'two'])
    input.write('ee\n')
    expect((await it.next()).value).toEqual(['three'])
    input.end('last')
    expect((await it.next()).value).toEqual(['last'])
    expect((await it.next()).done).toBe(true)
  })
})

describe('OutputBuffer', () => {
  it('writes every line in order, in few large writes, lines longer than a buffer included', async () => {
    const writes: Buffer[] = []
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        writes.push(chunk)
        setImmediate(cb)
      }
    })
    const out = new OutputBuffer(sink, 4096)
    const lines: string[] = []
    for (let i = 0; i < 3000; i++) {
      const line =
        i % 997 === 0 ? `long ${i} ` + 'é日😀'.repeat(2000) : `line ${i} "é" 日 😀 \ud800 end`
      lines.push(line)
      out.line(line)
      if (out.full) await out.flush()
    }
    await out.flush()
    // a lone surrogate is written as U+FFFD, as stream.write(string) writes it
    const expected = lines.map((l) => l.replace('\ud800', '\ufffd') + '\n').join('')
    expect(Buffer.concat(writes).toString()).toBe(expected)
    expect(writes.length).toBeLessThan(Buffer.byteLength(expected) / 2048)
  })
})
