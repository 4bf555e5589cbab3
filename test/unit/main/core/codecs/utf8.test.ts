import { describe, expect, it } from 'vitest'
import { decodeUtf8File, invalidUtf8Line } from '../../../../../src-main/core/codecs/utf8'

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))

describe('strict UTF-8 file text', () => {
  it('decodes UTF-8 as readFile does, a BOM kept', () => {
    expect(decodeUtf8File(bytes([0xef, 0xbb, 0xbf], 'A=é\n'), 'f')).toBe('\uFEFFA=é\n')
    expect(invalidUtf8Line(bytes('a\nb\n'))).toBeUndefined()
  })

  it('names the line of the first bytes that are not UTF-8', () => {
    expect(invalidUtf8Line(bytes('a\nb\n', [0xe9], '\n'))).toBe(3)
    expect(invalidUtf8Line(bytes('a\n', [0xff], 'x\n', [0xff]))).toBe(2)
    // a lead byte whose sequence a line break cuts: the line of the lead byte
    expect(invalidUtf8Line(bytes('a\nb', [0xe2, 0x82], '\nc'))).toBe(2)
    // a sequence cut short by the end of the file
    expect(invalidUtf8Line(bytes('a\nb\nc', [0xe2, 0x82]))).toBe(3)
    // a surrogate encoded in UTF-8 is not UTF-8
    expect(invalidUtf8Line(bytes([0xed, 0xa0, 0x80]))).toBe(1)
  })

  it('throws a codec.parse error naming the file and line, never the bytes', () => {
    expect(() => decodeUtf8File(bytes('A=1\nB=secr', [0xe9], 't\n'), '/x/.env')).toThrow(
      expect.objectContaining({
        code: 'codec.parse',
        message: expect.stringMatching(/^\/x\/\.env is not UTF-8 text: line 2 holds bytes/)
      })
    )
    try {
      decodeUtf8File(bytes('B=secr', [0xe9], 't'), 'f')
    } catch (error) {
      expect(String((error as Error).message)).not.toMatch(/secr/)
    }
  })
})
