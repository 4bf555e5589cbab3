// Fails any test that tries to reach a non-loopback address (STYLE §9; environment.md).
// This machine's own interface addresses count as local (packets to them never leave the
// host): the web-mode test connects from one to prove such a peer is refused. Listening on
// every address (0.0.0.0, ::) reaches nothing.
import dns from 'node:dns'
import net from 'node:net'
import { networkInterfaces } from 'node:os'

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|\[::1\])$/
const OWN = new Set([
  '0.0.0.0',
  '::',
  ...Object.values(networkInterfaces())
    .flat()
    .flatMap((i) => (i ? [i.address] : []))
])
process.env.NO_PROXY = '127.0.0.1,localhost'
process.env.METADATA_SERVER_DETECTION = 'none'

function check(host: unknown): void {
  if (typeof host === 'string' && host !== '' && !LOOPBACK.test(host) && !OWN.has(host))
    throw new Error(`network guard: a test tried to reach ${host}; only loopback is allowed`)
}

const originalConnect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const first = args[0]
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const opts = first as { host?: string; path?: string }
    if (!opts.path) check(opts.host ?? 'localhost')
  } else if (typeof first === 'number') check(typeof args[1] === 'string' ? args[1] : 'localhost')
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args)
} as typeof net.Socket.prototype.connect

const originalLookup = dns.lookup
dns.lookup = function (hostname: string, ...rest: unknown[]) {
  check(hostname)
  return (originalLookup as (...a: unknown[]) => unknown).call(dns, hostname, ...rest)
} as typeof dns.lookup
