"""Writes assets/icon.png (512x512): a plain airlock-door mark, drawn without any image library."""
import struct
import zlib

N = 512
BLUE = (31, 95, 191, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def pixel(x, y):
    r = 96  # rounded corners
    cx = min(max(x, r), N - 1 - r)
    cy = min(max(y, r), N - 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return CLEAR
    # a round door with a vertical seam and a bar: an airlock hatch
    dx, dy = x - N / 2, y - N / 2
    d2 = dx * dx + dy * dy
    if 150**2 <= d2 <= 178**2:
        return WHITE
    if d2 < 150**2 and (abs(dx) < 10 or (abs(dy) < 10 and abs(dx) < 110)):
        return WHITE
    return BLUE


def chunk(kind, data):
    body = kind + data
    return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xFFFFFFFF)


rows = b''.join(b'\0' + b''.join(bytes(pixel(x, y)) for x in range(N)) for y in range(N))
png = (
    b'\x89PNG\r\n\x1a\n'
    + chunk(b'IHDR', struct.pack('>IIBBBBB', N, N, 8, 6, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(rows, 9))
    + chunk(b'IEND', b'')
)
with open('assets/icon.png', 'wb') as f:
    f.write(png)
