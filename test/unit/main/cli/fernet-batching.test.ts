// `airlock fernet decrypt` writes its answers in batches, yet a line typed at a terminal is
// answered before the next is typed: nothing waits for stdin to end or for 64 KB to gather.
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { fernetCommand } from '../../../../src-main/cli/commands/fernet'
import { Fernet } from '../../../../src-main/core/codecs/fernet'

describe('fernet decrypt, batched answers', () => {
  it('answers each line as soon as it was read, and all of a large input once, in order', async () => {
    const key = Fernet.generateKey()
    const f = new Fernet(key)
    const token = (s: string) => f.encrypt(new TextEncoder().encode(s))
    const stdin = new PassThrough()
    const stdout = new PassThrough()
    let out = ''
    stdout.on('data', (d: Buffer) => (out += d.toString()))
    const done = fernetCommand({ stdin, stdout, stderr: new PassThrough(), env: {} }, 'decrypt', {
      setting: key,
      from: 'test'
    })
    stdin.write(token('first') + '\n')
    await expect.poll(() => out, { timeout: 5000 }).toBe('{"plaintext": "first"}\n')
    const many = Array.from({ length: 5000 }, (_, i) => `line ${i} "é"`)
    stdin.write(many.map(token).join('\n') + '\nnot-a-token\n')
    stdin.end()
    expect(await done).toBe(1)
    const lines = out.trimEnd().split('\n')
    expect(lines).toHaveLength(5002)
    expect(lines[5000]).toBe('{"plaintext": "line 4999 \\"\\u00e9\\""}')
    expect(lines[5001]).toMatch(/^\{"error": \{"code": "fernet.invalid-token"/)
  }, 60_000)
})
