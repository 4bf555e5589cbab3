// Preloaded (`node --require`) into Electronegativity when a test runs it: the tool fetches
// translations (and, in one check we skip, Electron's release list) with `got` on every start.
// Here every `got` request fails at once, before any lookup, so nothing leaves the machine
// and the tool falls back to its bundled English texts.
/* eslint-disable @typescript-eslint/no-require-imports */
const Module = require('node:module')
const refuse = () => Promise.reject(new Error('offline: no network from tests'))
const got = Object.assign(refuse, { head: refuse, get: refuse, default: refuse })
const load = Module._load
Module._load = function (request, parent, isMain) {
  if (request === 'got') return got
  return load.call(this, request, parent, isMain)
}
