/**
 * Node flags Airlock's own processes start with (the `airlock` bin, `npm run airlock`, the
 * benchmark's child). V8's default young generation on 64-bit Node 24 lets semi-spaces grow
 * to tens of MB; loading 100 k metadata rows then peaks at ~335 MB RSS with ~110 MB live.
 * `--max-semi-space-size=2` keeps the same load at ~175 MB with no measurable time cost
 * (bench: metadb). The flag must be given at start-up: v8.setFlagsFromString is too late.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2']
